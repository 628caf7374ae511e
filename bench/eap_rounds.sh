#!/bin/sh
# bench/eap_rounds.sh [BUILD_DIR] — EAP-TLS cost on the wire, Debian's stock eapol_test (OpenSSL)
# next to ours (build/supplicant/bin/eapol_test), on the same PKI and the same FreeRADIUS
# (configs/freeradius/radiusd.conf: ECDHE-ECDSA-AES128-CCM8, auto_chain = no, session cache on)
# in a private network namespace. For each fragment size (TLS bytes per EAP packet: 1398, 300,
# 100; FreeRADIUS gets the same + 10 as its whole-packet size) it runs `eapol_test -r 1`: a full
# authentication, then a second one that is resumed when both sides can (FreeRADIUS's log says
# which: EAP-Session-Resumed := 1). Prints one Markdown table: the full authentications, then
# the second ones, each fragment size with stock's row above ours. Counting, per authentication, from eapol_test's own log:
#   round trips = RADIUS Access-Requests (EAP-Response/Identity included)
#   bytes       = sum of EAP packet lengths: peer->AAA every EAP-Response sent,
#                 AAA->peer every EAP packet received (EAP-Success included)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
export TOP BUILD
. "$TOP/tests/netns/lib.sh"
need freeradius
FRAGS="1398 300 100"

# stats FILE: one line per authentication: "round_trips bytes_up bytes_down"
stats() {
	awk '
	/code=1 \(Access-Request\)/ { rt++ }
	/^TX EAP -> RADIUS - hexdump\(len=/ { s = $0; sub(/.*len=/, "", s); up += s + 0 }
	/^decapsulated EAP packet \(code=/ { s = $0; sub(/.* len=/, "", s); down += s + 0 }
	/code=2 \(Access-Accept\)|code=3 \(Access-Reject\)/ { acc = 1 }
	/^decapsulated EAP packet \(code=[34] / { if (acc) { print rt, up, down; rt = up = down = acc = 0 } }
	' "$1"
}

# Rows are kept in $WORK/rows/<kind>-<fragment>-<n><impl> and printed full rows first, then the
# second authentications, each fragment size with stock's row above ours.
mkdir -p "$WORK/rows"
n_impl=0
for impl in stock ours; do
	n_impl=$((n_impl + 1))
	if [ $impl = stock ]; then VARIANT=stock; else VARIANT=static; fi
	label="Debian eapol_test (OpenSSL)"
	[ $impl = ours ] && label="ours (eap_iot, static)"
	if ! (select_variant) >/dev/null 2>&1; then
		echo "| $label | – | not built | | | | |" >"$WORK/rows/full-0-$n_impl$impl"
		continue
	fi
	select_variant
	for fs in $FRAGS; do
		d=$WORK/$impl-$fs
		mkdir -p "$d"
		netns_new "b$fs"
		render_radius "$d/radius" "$CCM8" $((fs + 10))
		start_radius "$NS_NAME" "$d/radius"
		render_supplicant "$d/eapol.conf" "$fs"
		ip netns exec "$NS_NAME" timeout 60 "$EAPOL_TEST" -c "$d/eapol.conf" -a 127.0.0.1 \
			-s "$SECRET" -r 1 -t 30 >"$d/eapol.out" 2>&1
		stop "$RADIUS_PID"
		ip netns del "$NS_NAME"
		msk=$(sed -n 's/^MPPE keys OK: \([0-9]*\)  mismatch: \([0-9]*\).*/\1 ok, \2 bad/p' "$d/eapol.out")
		suite=$(sed -n 's/.*TLS-Session-Cipher-Suite = "\(.*\)"/\1/p' "$d/radius/radius.out" | head -1)
		radius_rounds "$d/radius/radius.out" >"$d/resumed"
		stats "$d/eapol.out" >"$d/stats"
		n=0
		while read -r rt up down; do
			n=$((n + 1))
			resumed=$(sed -n "${n}p" "$d/resumed" | cut -d' ' -f2)
			row="| $fs | $rt | $up | $down | ${suite:-?}, MSK ${msk:-?} |"
			if [ $n = 1 ]; then
				echo "| $label | full $row" >"$WORK/rows/full-$fs-$n_impl$impl"
			elif [ "$resumed" = 1 ]; then
				echo "| $label | resumed $row" >"$WORK/rows/second-$fs-$n_impl$impl"
			else
				echo "| $label | 2nd, not resumed (full) $row" \
					>"$WORK/rows/second-$fs-$n_impl$impl"
			fi
		done <"$d/stats"
		[ -s "$d/stats" ] || echo "| $label | failed | $fs | – | – | – | see $d |" \
			>"$WORK/rows/full-$fs-$n_impl$impl"
	done
done
echo "| supplicant | authentication | fragment (TLS B/packet) | EAP round trips | EAP bytes peer→AAA | EAP bytes AAA→peer | suite, MPPE check |"
echo "|---|---|---|---|---|---|---|"
for kind in full second; do
	for fs in 0 $FRAGS; do
		for f in "$WORK/rows/$kind-$fs-"*; do
			if [ -f "$f" ]; then cat "$f"; fi
		done
	done
done
