#!/bin/sh
# bench/eap_rounds.sh [BUILD_DIR] — EAP-TLS cost on the wire: Debian's stock eapol_test (OpenSSL)
# and ours (build/supplicant/bin/eapol_test), against FreeRADIUS 3.2.1 with its own rlm_eap_tls
# (OpenSSL) and with eap_iot's rlm_eap_tls7925, on one PKI, in a private network namespace
# (configs/freeradius: ECDHE-ECDSA-AES128-CCM8, auto_chain = no for stock, session cache on).
# For each set-up and fragment size (TLS bytes per EAP packet: 1398, 300, 100; FreeRADIUS gets
# the same + 10 as its whole-packet size) it runs `eapol_test -r 1`: a full authentication, then
# a second one, resumed when both sides can (FreeRADIUS's log says which). Set-ups with a cache
# ("cached_info") first run one authentication that fills the device's cache file; the rows are
# the runs after it (a device that joins again). Counting, per authentication, from eapol_test's
# own log:
#   round trips = RADIUS Access-Requests (EAP-Response/Identity included)
#   bytes       = sum of EAP packet lengths: peer->AAA every EAP-Response sent,
#                 AAA->peer every EAP packet received (EAP-Success included)
# Then the same device through hostapd at MTU 127: demo/eap.sh's table.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
export TOP BUILD
. "$TOP/tests/netns/lib.sh"
need freeradius openssl
FRAGS="1398 300 100"
openssl pkey -in "$PKI/server.key.pem" -pubout -out "$WORK/server.pub.pem" 2>/dev/null
mkdir -p "$WORK/certs"
cp "$PKI/device.der" "$WORK/certs/"

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

# setup LABEL VARIANT RADIUS_IMPL PHASE1 SERVER_EDIT PRIME: one row per fragment size and kind.
# SERVER_EDIT: none, certurl (cert_url_dir), rpk (no certificate_file: our raw public key).
n=0
setup() {
	n=$((n + 1))
	VARIANT=$2 RADIUS_IMPL=$3 PHASE1_STRICT="eiot_strict=1 $4"
	if ! (select_variant) >/dev/null 2>&1; then
		echo "| $1 | – | not built | | | | |" >"$WORK/rows/full-0-$n"
		return
	fi
	select_variant
	for fs in $FRAGS; do
		d=$WORK/$n-$fs
		mkdir -p "$d"
		netns_new "b$fs"
		TLS7925_EXTRA=""
		[ "$5" = certurl ] && TLS7925_EXTRA="cert_url_dir = $WORK/certs"
		render_radius "$d/radius" "$CCM8" $((fs + 10))
		[ "$5" = rpk ] && sed -i '/certificate_file = /d' "$d/radius/eap-method.conf"
		start_radius "$NS_NAME" "$d/radius"
		render_supplicant "$d/eapol.conf" "$fs"
		sed -i "s|@CACHE@|$d/cert-cache|" "$d/eapol.conf"
		if [ "$6" = 1 ]; then
			ip netns exec "$NS_NAME" timeout 60 "$EAPOL_TEST" -c "$d/eapol.conf" -a 127.0.0.1 \
				-s "$SECRET" -t 30 >"$d/prime.out" 2>&1
		fi
		ip netns exec "$NS_NAME" timeout 60 "$EAPOL_TEST" -c "$d/eapol.conf" -a 127.0.0.1 \
			-s "$SECRET" -r 1 -t 30 >"$d/eapol.out" 2>&1
		stop "$RADIUS_PID"
		ip netns del "$NS_NAME"
		msk=$(sed -n 's/^MPPE keys OK: \([0-9]*\)  mismatch: \([0-9]*\).*/\1 ok, \2 bad/p' "$d/eapol.out")
		radius_rounds "$d/radius/radius.out" | tail -n 2 >"$d/resumed"
		stats "$d/eapol.out" >"$d/stats"
		k=0
		while read -r rt up down; do
			k=$((k + 1))
			resumed=$(sed -n "${k}p" "$d/resumed" | cut -d' ' -f2)
			row="| $fs | $rt | $up | $down | MSK ${msk:-?} |"
			if [ $k = 1 ]; then
				echo "| $1 | full $row" >"$WORK/rows/full-$fs-$n"
			elif [ "$resumed" = 1 ]; then
				echo "| $1 | resumed $row" >"$WORK/rows/second-$fs-$n"
			else
				echo "| $1 | 2nd, not resumed (full) $row" >"$WORK/rows/second-$fs-$n"
			fi
		done <"$d/stats"
		[ -s "$d/stats" ] || echo "| $1 | failed | $fs | – | – | – | see $d |" >"$WORK/rows/full-$fs-$n"
	done
}

mkdir -p "$WORK/rows"
cache="eiot_cert_cache=@CACHE@"
url="eiot_cert_url=http://aaa.example.com/certs/device.der"
setup "Debian eapol_test + stock FreeRADIUS" stock stock "" none 0
setup "ours + stock FreeRADIUS" static stock "" none 0
setup "ours + eap_iot module" static eap_iot "" none 0
setup "ours + eap_iot module, cached_info" static eap_iot "$cache" none 1
setup "ours + eap_iot module, cached_info + cert URL" static eap_iot "$cache $url" certurl 1
setup "ours + eap_iot module, raw public key (AAA)" static eap_iot "eiot_rpk=1 eiot_peer_rpk=$WORK/server.pub.pem" rpk 0
echo "| set-up | authentication | fragment (TLS B/packet) | EAP round trips | EAP bytes peer→AAA | EAP bytes AAA→peer | MPPE check |"
echo "|---|---|---|---|---|---|---|"
for kind in full second; do
	for fs in 0 $FRAGS; do
		for f in $(ls "$WORK/rows/$kind-$fs-"* 2>/dev/null | sort -t- -k3 -n); do
			cat "$f"
		done
	done
done
echo
echo "Through hostapd at MTU 127 (demo/eap.sh):"
sh "$TOP/demo/eap.sh" "$BUILD" | sed -n '/round trips/,/cert URL)/p'
