#!/bin/sh
# bench/aaa_load.sh [BUILD_DIR] — what a full EAP-TLS authentication costs the AAA server:
# FreeRADIUS 3.2.1 with its own rlm_eap_tls (OpenSSL 3) next to eap_iot's rlm_eap_tls7925 on
# each crypto backend (BUILD/radius: the default, OpenSSL's libcrypto; BUILD/swap/radius: mbedTLS
# 2.28, made by `make swap`; a missing one is left out), same certificates (P-256, mutual), same suite
# (ECDHE-ECDSA-AES128-CCM8), same clients (Debian's eapol_test, OpenSSL), in a private namespace.
#   throughput: radiusd with its thread pool (-f, no debug log, cleanup_delay 0), CLIENTS
#     eapol_test at a time for ROUNDS rounds: full authentications per second (wall clock, 2
#     cores shared with the clients), radiusd's CPU time per authentication (utime + stime from
#     /proc), and its peak RSS (VmHWM);
#   instructions: radiusd single-threaded under callgrind, once with 1 authentication and once
#     with 1 + K; the difference over K is the instructions per authentication, and the top
#     functions of the second run say where they go.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
export TOP BUILD
CLIENTS=${CLIENTS:-4} ROUNDS=${ROUNDS:-10} K=${K:-5}
. "$TOP/tests/netns/lib.sh"
VARIANT=stock
select_variant
need freeradius valgrind callgrind_annotate bc

netns_new load
ns=$NS_NAME
render_supplicant "$WORK/eapol.conf" 1398
for j in $(seq "$CLIENTS"); do # a control socket each
	sed "s|^ctrl_interface=.*|ctrl_interface=$WORK/ctrl-$j|" "$WORK/eapol.conf" >"$WORK/eapol-$j.conf"
done

# auth OUT [J]: one eapol_test authentication; 0 when accepted with matching keys
auth() {
	ip netns exec "$ns" timeout 120 "$EAPOL_TEST" -c "$WORK/eapol-${2:-1}.conf" -a 127.0.0.1 \
		-s "$SECRET" -t 60 >"$1" 2>&1 && grep -q "^MPPE keys OK: 1  mismatch: 0" "$1"
}

# conf IMPL TAG: a private FreeRADIUS directory for IMPL (stock or eap_iot) in WORK/TAG
conf() {
	RADIUS_IMPL=$1 render_radius "$WORK/$2" "$CCM8" 1408
	sed -i 's/^cleanup_delay = .*/cleanup_delay = 0/' "$WORK/$2/radiusd.conf"
}

ticks=$(getconf CLK_TCK)
cpu() { awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }

echo "| AAA server | full authentications/s ($CLIENTS clients at a time) | radiusd CPU ms per authentication | radiusd peak RSS | instructions per authentication (callgrind) |"
echo "|---|---|---|---|---|"
# Rows: IMPL:BUILD_DIR:TAG (TAG names the row's files).
ROWS="stock:$BUILD:stock eap_iot:$BUILD:eap_iot"
[ -f "$BUILD/swap/radius/rlm_eap_tls7925.so" ] && ROWS="$ROWS eap_iot:$BUILD/swap:eap_iot_swap"
MAIN_BUILD=$BUILD
for row in $ROWS; do
	impl=${row%%:*} tag=${row##*:} BUILD=${row#*:}
	BUILD=${BUILD%:*}
	conf $impl $tag
	RADIUS_IMPL=$impl RADIUS_FLAGS="-f -l stdout" start_radius "$ns" "$WORK/$tag"
	pid=$(radius_daemon_pid)
	ok=0 n=0
	auth "$WORK/$tag-warm.out" && ok=1
	c0=$(cpu "$pid") t0=$(date +%s.%N)
	for r in $(seq "$ROUNDS"); do
		pids=""
		for j in $(seq "$CLIENTS"); do
			auth "$WORK/$tag-$r-$j.out" "$j" &
			pids="$pids $!"
		done
		for p in $pids; do wait "$p" && n=$((n + 1)); done
	done
	t1=$(date +%s.%N) c1=$(cpu "$pid")
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	stop "$RADIUS_PID"
	total=$((CLIENTS * ROUNDS))
	rate=$(echo "$n / ($t1 - $t0)" | bc -l)
	ms=$(echo "1000 * ($c1 - $c0) / $n" | bc -l)

	# instructions: 1 authentication, then 1 + K
	for runs in 1 $((K + 1)); do
		RADIUS_WRAP="valgrind --tool=callgrind --callgrind-out-file=$WORK/$tag-$runs.cg" \
			RADIUS_FLAGS="-sf -l stdout" start_radius "$ns" "$WORK/$tag"
		for i in $(seq $runs); do auth "$WORK/$tag-cg-$runs-$i.out" || ok=0; done
		stop "$RADIUS_PID"
		wait_log "$WORK/$tag-$runs.cg" "^totals:" 30 || ok=0
	done
	ir1=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$WORK/$tag-1.cg")
	irk=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$WORK/$tag-$((K + 1)).cg")
	per=$(echo "($irk - $ir1) / $K / 1000000" | bc -l)
	label="FreeRADIUS + rlm_eap_tls (OpenSSL)"
	[ $impl = eap_iot ] && label="FreeRADIUS + eap_iot rlm_eap_tls7925 ($(cat "$BUILD/radius/.crypto") crypto)"
	[ "$ok" = 1 ] && [ "$n" = "$total" ] || label="$label — FAILED: $n of $total accepted, see $WORK"
	printf '| %s | %.1f | %.1f | %s MiB | %.1f M |\n' "$label" "$rate" "$ms" \
		"$(echo "$hwm / 1024" | bc)" "$per"
	callgrind_annotate --inclusive=no --threshold=100 "$WORK/$tag-$((K + 1)).cg" 2>/dev/null |
		grep -E '^ *[0-9,]+ ' >"$WORK/$tag-all.txt"
done
BUILD=$MAIN_BUILD
# share LIB FILE: the percentage of a run's instructions spent in LIB's own code
share() { awk -v lib="$1" '/PROGRAM TOTALS/ { gsub(",", "", $1); t = $1 }
	index($0, lib) { gsub(",", "", $1); s += $1 } END { printf "%.0f%%", 100 * s / t }' "$2"; }
for row in $ROWS; do
	tag=${row##*:}
	echo
	echo "Where radiusd's instructions go ($tag: start-up and $((K + 1)) authentications, self cost):" \
		"libcrypto (OpenSSL) $(share libcrypto.so "$WORK/$tag-all.txt")," \
		"libmbedcrypto $(share libmbedcrypto.so "$WORK/$tag-all.txt")"
	head -6 "$WORK/$tag-all.txt" | sed 's/^/    /'
done
