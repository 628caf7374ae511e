#!/bin/sh
# bench/coaps_bytes.sh [BUILD_DIR] — bytes on the wire of a CoAPS request: the first one (DTLS
# handshake + CON GET + close_notify) and a later one, with PSK and with certificates (ECDHE-ECDSA
# P-256, mutual), for our coaps-client next to libcoap 4.3.1's coap-client-openssl and
# coap-client-gnutls, all against the same server (our coaps-server, cookies, resumption by
# session ID and ticket on). Every run goes through bench/udp_relay.py on 127.0.0.1, which
# counts UDP payload bytes (IPv4 + UDP headers not included) and datagrams each way, and the
# bytes of each DTLS record type (13-byte record headers included).
# A later request is, for our client, a second run with --session FILE (an abbreviated
# handshake by session ID, or by ticket with --tickets) and a second GET on the same session
# (bench/coaps_load: -r 1 minus -r 0); for libcoap's clients, which keep no session between
# runs, the second GET of -G 2 on the same session (-G 2 minus -G 1), and a second run is
# another full handshake. libcoap runs with -U: on a port other than 5684 it would add a
# Uri-Port option (3 bytes) that ours does not send.
set -u
BUILD=${1:-build}
BIN=$BUILD/bin
PKI=$BUILD/pki
RELAY=$(dirname "$0")/udp_relay.py
GET=${GET:-/sensors/temp}
PSK_ID=device1 PSK_KEY=coaps-bytes-secret-0123456789
for t in coap-client-openssl coap-client-gnutls python3 ss timeout; do
	command -v "$t" >/dev/null || { echo "coaps_bytes: $t missing (make deps)" >&2; exit 1; }
done
for f in "$BIN/coaps-client" "$BIN/coaps-server" "$BIN/coaps_load" "$PKI/server.pem" "$RELAY"; do
	[ -e "$f" ] || { echo "coaps_bytes: $f missing (make tools pki $BIN/coaps_load)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eiot-coapsbytes.XXXXXX")
SRV_PID="" RELAY_PID=""
trap 'stop "$RELAY_PID"; stop "$SRV_PID"; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# start_server CRED: our coaps-server on a free PORT.
start_server() {
	PORT=25701
	while [ -n "$(ss -Hantu "sport = :$PORT" 2>/dev/null)" ]; do PORT=$((PORT + 1)); done
	case $1 in
	psk) creds="-u $PSK_ID -k $PSK_KEY" ;;
	cert) creds="-c $PKI/server.pem -j $PKI/server.key.pem -C $PKI/ca.pem" ;;
	esac
	# shellcheck disable=SC2086
	"$BIN/coaps-server" -A 127.0.0.1 -p "$PORT" $creds -v 1 -B 600 >"$tmp/server-$1.out" 2>&1 &
	SRV_PID=$!
	i=0
	while [ -z "$(ss -Hlun "sport = :$PORT" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "coaps_bytes: coaps-server did not start" >&2; exit 1; }
		sleep 0.1
	done
}

# wire NAME FUNC ARGS...: FUNC ARGS run as a client of the relay (RPORT) in front of the
# server; counts in tmp/NAME.json, client output in tmp/NAME.out and .err. 1 when it failed.
wire() {
	name=$1
	shift
	python3 "$RELAY" --target-port "$PORT" --out "$tmp/$name.json" --port-file "$tmp/$name.port" \
		--lifetime 60 --idle 30 &
	RELAY_PID=$!
	i=0
	while [ ! -s "$tmp/$name.port" ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || { echo "coaps_bytes: the relay did not start" >&2; exit 1; }
		sleep 0.1
	done
	RPORT=$(cat "$tmp/$name.port")
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	sleep 0.3 # trailing datagrams (close_notify) pass the relay
	stop "$RELAY_PID"
	RELAY_PID=""
	[ $rc = 0 ] && [ -s "$tmp/$name.out" ]
}

cred_args() {
	case $CRED in
	psk) echo "-u $PSK_ID -k $PSK_KEY" ;;
	cert) echo "-c $PKI/device.pem -j $PKI/device.key.pem -C $PKI/ca.pem" ;;
	esac
}

# ours ARGS...: our coaps-client (server name not checked: the URI names 127.0.0.1)
ours() {
	n=""
	[ "$CRED" = cert ] && n=-n
	# shellcheck disable=SC2046
	timeout 60 "$BIN/coaps-client" $(cred_args) $n -v 1 -B 30 "$@" "coaps://127.0.0.1:$RPORT$GET"
}

# engine R: bench/coaps_load, one session, its first GET and R more
engine() {
	r=$1
	case $CRED in
	psk) set -- --psk "$PSK_ID:$PSK_KEY" ;;
	cert) set -- --cert "$PKI/device.pem" --key "$PKI/device.key.pem" --ca "$PKI/ca.pem" ;;
	esac
	timeout 60 "$BIN/coaps_load" --port "$RPORT" -n 1 -r "$r" --path "$GET" --timeout 30 "$@"
}

# libcoap BACKEND G: coap-client-BACKEND, -G G requests on one session
libcoap() {
	# shellcheck disable=SC2046
	timeout 60 "coap-client-$1" $(cred_args) -U -B 10 -G "$2" "coaps://127.0.0.1:$RPORT$GET"
}

# counts NAME: "c2s_B c2s_dg s2c_B s2c_dg handshake_B coap_B alert_B" of one run.
# counts NAME MINUS: the request NAME made on top of MINUS's, on the same session: its CoAP
# record bytes each way (exact: one record per datagram; whole-run differences would carry the
# byte or two by which ECDSA signatures vary), "-" for handshake and alerts; "irregular" unless
# it is one more datagram each way and nothing else changed.
counts() {
	python3 - "$tmp/$1.json" ${2:+"$tmp/$2.json"} <<'EOF'
import json, sys
def get(path):
    d = json.load(open(path))
    return d["c2s"], d["s2c"]
c, s = get(sys.argv[1])
if len(sys.argv) == 2:
    print(c["bytes"], c["datagrams"], s["bytes"], s["datagrams"],
          c["handshake"] + c["ccs"] + s["handshake"] + s["ccs"], c["appdata"] + s["appdata"],
          c["alert"] + s["alert"] + c["other"] + s["other"])
    sys.exit(0)
c0, s0 = get(sys.argv[2])
dc, ds = c["appdata"] - c0["appdata"], s["appdata"] - s0["appdata"]
same = all(a[k] == b[k] for a, b in ((c, c0), (s, s0)) for k in ("alert", "other", "hs_datagrams"))
if c["datagrams"] - c0["datagrams"] != 1 or s["datagrams"] - s0["datagrams"] != 1 or not same:
    print("irregular")
else:
    print(dc, 1, ds, 1, "-", dc + ds, "-")
EOF
}

# row CLIENT WHAT HANDSHAKE NAME [MINUS]
row() {
	if [ ! -s "$tmp/$4.json" ] || [ -e "$tmp/$4.failed" ] || { [ -n "${5:-}" ] && [ -e "$tmp/$5.failed" ]; }; then
		echo "| $1 | $2 | FAILED: $(tr '\n|' ' /' <"$tmp/$4.err" | cut -c1-200) | | | | | | |"
		return
	fi
	counts "$4" "${5:-}" | awk -v c="$1" -v w="$2" -v h="$3" '
	/irregular/ { printf "| %s | %s | %s | irregular: not one more datagram each way | | | | | |\n", c, w, h; next }
	{ printf "| %s | %s | %s | %d / %d | %d / %d | %d | %s | %d | %s |\n", c, w, h, $1, $2, $3, $4, $1 + $3, $5, $6, $7 }'
}

# what our client said about its session
said() {
	sed -n 's/^coaps-client: DTLS session //p' "$tmp/$1.err" | head -1
}

for CRED in psk cert; do
	start_server $CRED
	s=$tmp/$CRED
	wire "$CRED-ours1" ours --session "$s.id" || touch "$tmp/$CRED-ours1.failed"
	wire "$CRED-ours2" ours --session "$s.id" || touch "$tmp/$CRED-ours2.failed"
	wire "$CRED-tick1" ours --tickets --session "$s.tk" || touch "$tmp/$CRED-tick1.failed"
	wire "$CRED-tick2" ours --tickets --session "$s.tk" || touch "$tmp/$CRED-tick2.failed"
	wire "$CRED-eng0" engine 0 || touch "$tmp/$CRED-eng0.failed"
	wire "$CRED-eng1" engine 1 || touch "$tmp/$CRED-eng1.failed"
	for b in openssl gnutls; do
		wire "$CRED-$b-1" libcoap $b 1 || touch "$tmp/$CRED-$b-1.failed"
		wire "$CRED-$b-2" libcoap $b 2 || touch "$tmp/$CRED-$b-2.failed"
		wire "$CRED-$b-again" libcoap $b 1 || touch "$tmp/$CRED-$b-again.failed"
	done
	stop "$SRV_PID"
	SRV_PID=""

	echo
	case $CRED in
	psk) echo "### PSK (TLS_PSK_WITH_AES_128_CCM_8), GET $GET, against eap_iot coaps-server" ;;
	cert) echo "### Certificates (ECDHE-ECDSA P-256, mutual), GET $GET, against eap_iot coaps-server" ;;
	esac
	echo
	echo "| client | request | DTLS | c→s B / datagrams | s→c B / datagrams | total B | handshake records B | CoAP records B | alert records B |"
	echo "|---|---|---|---|---|---|---|---|---|"
	row "eap_iot coaps-client" "first (run 1)" "$(said "$CRED-ours1")" "$CRED-ours1"
	row "eap_iot coaps-client" "later: run 2, --session" "$(said "$CRED-ours2")" "$CRED-ours2"
	row "eap_iot coaps-client --tickets" "first (run 1)" "$(said "$CRED-tick1")" "$CRED-tick1"
	row "eap_iot coaps-client --tickets" "later: run 2, --session" "$(said "$CRED-tick2")" "$CRED-tick2"
	row "eap_iot (coaps_load)" "first" "full handshake" "$CRED-eng0"
	row "eap_iot (coaps_load)" "later: 2nd GET, same session" "none" "$CRED-eng1" "$CRED-eng0"
	for b in openssl gnutls; do
		row "libcoap coap-client-$b" "first (-G 1)" "full handshake" "$CRED-$b-1"
		row "libcoap coap-client-$b" "later: 2nd GET, same session (-G 2 − -G 1)" "none" "$CRED-$b-2" "$CRED-$b-1"
		row "libcoap coap-client-$b" "later: run 2 (no session kept)" "full handshake" "$CRED-$b-again"
	done
done
echo
echo "Bytes are UDP payload (DTLS records with their 13-byte headers); each run includes the"
echo "cookie exchange (HelloVerifyRequest) and a close_notify each way at the end (alert records)."
