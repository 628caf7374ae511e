#!/bin/sh
# bench/coaps_load.sh [BUILD_DIR] — many CoAPS sessions against one server on this machine:
# our coaps-server (on OpenSSL's libcrypto, its default, and on mbedTLS: BUILD/mbedtls/bin) next
# to libcoap 4.3.1's coap-server-openssl and coap-server-gnutls, with PSK
# and with ECDHE-ECDSA certificates (mutual), all loaded by bench/coaps_load.c (eap_iot's
# client, N sessions from one process). Per server: handshakes/s (each with its first GET),
# requests/s on the established sessions (R GETs each), the server's CPU time per 1,000
# sessions in each phase, and its peak RSS (VmHWM) above its RSS before the load, per 1,000
# sessions. Each measured run has a fresh server; a run of 10 sessions on another fresh server
# checks the set-up first. Only the servers started here are stopped (by their PID).
# Knobs (environment): N_PSK, N_CERT (sessions, 1000), R (requests per session, 10),
# C (handshakes in flight, 50), W (requests in flight, 50), GET (path, /.well-known/core).
set -u
BUILD=${1:-build}
BIN=$BUILD/bin
PKI=$BUILD/pki
N_PSK=${N_PSK:-1000} N_CERT=${N_CERT:-1000} R=${R:-10} C=${C:-50} W=${W:-50}
GET=${GET:-/.well-known/core}
IMPLS="ours openssl gnutls"
[ -x "$BUILD/mbedtls/bin/coaps-server" ] && IMPLS="ours ours_mbedtls openssl gnutls"
PSK_ID=device1 PSK_KEY=coaps-load-secret-0123456789
for t in coap-server-openssl coap-server-gnutls ss timeout awk; do
	command -v "$t" >/dev/null || { echo "coaps_load: $t missing (make deps)" >&2; exit 1; }
done
for f in "$BIN/coaps_load" "$BIN/coaps-server" "$PKI/server.pem" "$PKI/device.pem"; do
	[ -e "$f" ] || { echo "coaps_load: $f missing (make tools pki $BIN/coaps_load)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eiot-coapsload.XXXXXX")
SRV_PID=""
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# A port P with P and P-1 free (libcoap takes P-1 for CoAP, P for CoAPS).
pick_port() {
	PORT=25601
	while [ -n "$(ss -Hantu "sport = :$PORT or sport = :$((PORT - 1))" 2>/dev/null)" ]; do
		PORT=$((PORT + 2))
		[ "$PORT" -lt 25700 ] || { echo "coaps_load: no free port" >&2; exit 1; }
	done
}

# start_server IMPL CRED N LOG: the server in the background, SRV_PID; 1 if it does not listen.
start_server() {
	case $2 in
	psk) ours="-u $PSK_ID -k $PSK_KEY" theirs="-k $PSK_KEY" ;;
	cert) ours="-c $PKI/server.pem -j $PKI/server.key.pem -C $PKI/ca.pem" theirs=$ours ;;
	esac
	pick_port
	case $1 in
	ours | ours_mbedtls)
	      bin=$BIN/coaps-server
	      [ "$1" = ours_mbedtls ] && bin=$BUILD/mbedtls/bin/coaps-server
	      SERVER_CMD="$bin -A 127.0.0.1 -p $PORT $ours"
	      SERVER_CMD="$SERVER_CMD --max-peers $(($3 + 100)) --handshake-rate 65535 --idle-timeout 3600" ;;
	*) SERVER_CMD="coap-server-$1 -A 127.0.0.1 -p $((PORT - 1)) $theirs" ;;
	esac
	# shellcheck disable=SC2086
	$SERVER_CMD >"$4" 2>&1 &
	SRV_PID=$!
	i=0
	while [ -z "$(ss -Hlun "sport = :$PORT" 2>/dev/null)" ]; do
		i=$((i + 1))
		kill -0 "$SRV_PID" 2>/dev/null && [ $i -lt 50 ] || return 1
		sleep 0.1
	done
}

# stop_server: SIGTERM to the server started last (SIGKILL after 5 s); 1 if it had died before.
stop_server() {
	[ -n "$SRV_PID" ] || return 0
	alive=0
	kill -0 "$SRV_PID" 2>/dev/null && alive=1
	kill "$SRV_PID" 2>/dev/null
	i=0
	while kill -0 "$SRV_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
	[ $alive = 1 ]
}

# load IMPL CRED N R OUT [--server-pid PID]: coaps_load against the server on PORT.
load() {
	impl=$1 cred=$2 n=$3 r=$4 out=$5
	shift 5
	case $cred in
	psk) creds="--psk $PSK_ID:$PSK_KEY" ;;
	cert) creds="--cert $PKI/device.pem --key $PKI/device.key.pem --ca $PKI/ca.pem" ;;
	esac
	# shellcheck disable=SC2086
	timeout 330 "$BIN/coaps_load" --port "$PORT" -n "$n" -r "$r" --path "$GET" --concurrency "$C" \
		--req-window "$W" $creds --timeout 300 "$@" >"$out" 2>"$out.err"
}

# measure IMPL CRED N: a check run, then the measured one; the key=value line in
# tmp/IMPL-CRED.kv, or why it failed in tmp/IMPL-CRED.why.
measure() {
	base=$tmp/$1-$2
	if ! start_server "$1" "$2" "$3" "$base.check.log"; then
		echo "the server did not start: $(tail -3 "$base.check.log")" >"$base.why"
		stop_server
		return
	fi
	load "$1" "$2" 10 1 "$base.check"
	rc=$?
	stop_server || echo "server gone after the check run" >>"$base.check.err"
	if [ $rc != 0 ]; then
		echo "check run (10 sessions) failed, exit $rc: $(head -3 "$base.check.err")" >"$base.why"
		return
	fi
	start_server "$1" "$2" "$3" "$base.log" || { echo "the server did not start" >"$base.why"; return; }
	echo "$SERVER_CMD" >"$base.cmd"
	load "$1" "$2" "$3" "$R" "$base.kv" --server-pid "$SRV_PID"
	rc=$?
	if ! stop_server; then
		echo "the server died during the run (exit status lost); its log: $(tail -5 "$base.log")" >"$base.why"
	fi
	[ -s "$base.kv" ] || echo "coaps_load exit $rc, no result: $(head -5 "$base.kv.err")" >>"$base.why"
	[ $rc = 0 ] || cp "$base.kv.err" "$base.problems"
	cp "$base.log" "$base.srvlog"
}

label() {
	case $1 in
	ours) echo "eap_iot coaps-server (OpenSSL crypto)" ;;
	ours_mbedtls) echo "eap_iot coaps-server (mbedTLS crypto)" ;;
	openssl) echo "libcoap coap-server-openssl" ;;
	gnutls) echo "libcoap coap-server-gnutls" ;;
	esac
}

# row IMPL CRED: one line of the main table.
row() {
	base=$tmp/$1-$2
	if [ -s "$base.why" ] || [ ! -s "$base.kv" ]; then
		echo "| $(label "$1") | FAILED: $(tr '\n|' ' /' <"$base.why") | | | | | | |"
		return
	fi
	tr ' ' '\n' <"$base.kv" | awk -F= -v name="$(label "$1")" '
	{ v[$1] = $2 }
	END {
		e = v["established"]; k = e ? 1000 / e : 0
		mem = (v["srv_hwm_kb"] - v["srv_rss0_kb"]) * k / 1024
		printf "| %s | %d of %d | %.0f | %.0f | %.2f | %.2f | %.1f | %d / %d |\n", name, e, v["n"],
			v["hs_per_s"], v["req_per_s"], v["srv_cpu_hs"] * k, v["srv_cpu_req"] * k, mem,
			v["srv_rss0_kb"] / 1024, v["srv_hwm_kb"] / 1024
	}'
}

# detail IMPL CRED: datagrams, the load generator's CPU, the machine's CPU that neither the
# server nor the generator used (other work: a run shared with it is suspect), failures.
detail() {
	base=$tmp/$1-$2
	[ -s "$base.kv" ] || return 0
	tr ' ' '\n' <"$base.kv" | awk -F= -v name="$(label "$1")" '
	{ v[$1] = $2 }
	END {
		q = v["req_ok"] + v["req_err"] + v["req_failed"]
		o1 = v["all_cpu_hs"] - v["srv_cpu_hs"] - v["cli_cpu_hs"]
		o2 = v["all_cpu_req"] - v["srv_cpu_req"] - v["cli_cpu_req"]
		printf "| %s | %.2f / %.2f | %d / %d | %.2f s / %.2f s | %.2f / %.2f | %.2f / %.2f | %d | %d, %d, %d |\n",
			name, v["hs_dg_out"] / v["n"], v["hs_dg_in"] / v["n"], v["req_dg_out"], v["req_dg_in"],
			v["hs_s"], v["req_s"], v["cli_cpu_hs"], v["cli_cpu_req"], o1 < 0 ? 0 : o1, o2 < 0 ? 0 : o2,
			v["req_dg_out"] - q, v["failed"], v["req_err"], v["req_failed"] + v["req_missing"]
	}'
}

echo "## CoAPS load: $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Client: bench/coaps_load (eap_iot), one process, $C handshakes and $W requests in flight at"
echo "most, CON GET $GET, DTLS first retransmission after 1 s; R=$R requests per session."
for cred in psk cert; do
	n=$N_PSK
	[ $cred = cert ] && n=$N_CERT
	for impl in $IMPLS; do
		measure $impl "$cred" "$n"
	done
	echo
	case $cred in
	psk) echo "### PSK (TLS_PSK_WITH_AES_128_CCM_8), N=$n sessions" ;;
	cert) echo "### Certificates (ECDHE-ECDSA P-256, mutual, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8), N=$n sessions" ;;
	esac
	echo
	echo "| server | sessions established | handshakes/s (+ first GET) | requests/s | server CPU s per 1,000 sessions: handshake phase | request phase ($R GETs each) | server peak RSS above start, MiB per 1,000 sessions | server RSS at start / peak, MiB |"
	echo "|---|---|---|---|---|---|---|---|"
	for impl in $IMPLS; do row $impl "$cred"; done
	echo
	echo "| server | datagrams per session c→s / s→c (handshake phase) | request datagrams c→s / s→c | wall time handshake / request phase | load generator CPU s handshake / request phase | machine CPU s outside server and generator (softirqs, other processes), handshake / request phase | requests retransmitted | sessions failed, error responses, requests unanswered or not made |"
	echo "|---|---|---|---|---|---|---|---|"
	for impl in $IMPLS; do detail $impl "$cred"; done
done
echo
echo "Servers:"
for cred in psk cert; do
	for impl in $IMPLS; do
		[ -s "$tmp/$impl-$cred.cmd" ] && echo "    $(cat "$tmp/$impl-$cred.cmd")"
	done
done
echo
echo "coaps-server's own count at exit (SIGTERM):"
for cred in psk cert; do
	line=$(grep -h "handshakes (" "$tmp/ours-$cred.srvlog" 2>/dev/null)
	[ -n "$line" ] && echo "    $cred: $line"
done
for f in "$tmp"/*.problems; do
	[ -e "$f" ] || continue
	echo
	echo "What coaps_load reported ($(basename "$f" .problems)):"
	sed 's/^/    /' "$f"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
