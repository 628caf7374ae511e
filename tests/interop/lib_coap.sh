# tests/interop/lib_coap.sh — CoAP over DTLS against libcoap (sourced after lib.sh; not a test).
#
# Peers: libcoap 4.3.1's coap-server-{gnutls,openssl} and coap-client-{gnutls,openssl}. Raw public
# keys (RFC 7250) only with the GnuTLS build (`-M file`: private and public key in one PEM file).
# A test passes only on a full CoAP exchange, because coap-client exits 0 even when it failed:
#  - iot-tls client: after the handshake its stdin carries one hand-built confirmable
#    GET /.well-known/core (RFC 7252 §3: 4-byte header, 1-byte token, two Uri-Path options); the
#    server's piggybacked ACK must come back with code 2.05, the same message ID and token, and
#    libcoap's link-format payload.
#  - iot-tls server: the client's GET must arrive (its Uri-Path bytes); the test answers with an
#    ACK 2.05 echoing the request's message ID and token, and coap-client must print the payload.
# coap-server serves DTLS on its -p port + 1, so both ports come from this test's range.

COAP_PSK_ID=device1
COAP_PSK_KEY=coap-interop-secret-0123456789   # libcoap takes the key as text; iot-tls as hex
COAP_PAYLOAD="iot-coap reply $$"

# PORT := a port with PORT + 1 also free (UDP and TCP), from this test's own range.
pick_port_pair() {
	PORT=$((24000 + 10 * IDX))
	while [ -n "$(ss -Hantu "sport = :$PORT or sport = :$((PORT + 1))" 2>/dev/null)" ]; do
		PORT=$((PORT + 1))
		[ "$PORT" -lt $((24009 + 10 * IDX)) ] || fail "no two free ports for test $IDX"
	done
}

# CoAP credentials for KIND rpk|psk: COAP_SRV/COAP_CLI (libcoap), IOT_SRV/IOT_CLI (iot-tls).
coap_opts() {
	CLI_DATA=""
	SRV_DATA=""
	case $1 in
	rpk)
		SUITE=ECDHE-ECDSA-AES128-CCM8
		IANA="TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE)"
		for who in server device; do
			openssl pkey -in "$PKI/$who.key.pem" -pubout -out "$T/$who.pub.pem" 2>/dev/null ||
				fail "cannot extract the $who public key"
			cat "$PKI/$who.key.pem" "$T/$who.pub.pem" >"$T/$who.rpk.pem"
		done
		COAP_SRV="-M $T/server.rpk.pem"
		COAP_CLI="-M $T/device.rpk.pem"
		IOT_CLI="--key $PKI/device.key.pem --peer-rpk $T/server.pub.pem"
		IOT_SRV="--key $PKI/server.key.pem --peer-rpk $T/device.pub.pem --verify-client required"
		;;
	psk)
		SUITE=PSK-AES128-CCM8
		IANA="TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8)"
		hex=$(printf %s "$COAP_PSK_KEY" | od -An -tx1 | tr -d ' \n')
		COAP_SRV="-k $COAP_PSK_KEY"
		COAP_CLI="-u $COAP_PSK_ID -k $COAP_PSK_KEY"
		IOT_CLI="--psk-identity $COAP_PSK_ID --psk $hex"
		IOT_SRV="--psk $COAP_PSK_ID:$hex"
		;;
	*) fail "unknown CoAP case $1" ;;
	esac
}

# hex FILE N: the first N bytes of FILE as lowercase hex, no spaces.
hex() {
	od -An -tx1 -N"$2" "$1" | tr -d ' \n'
}

# iot-tls client (DTLS) -> coap-server-TLSLIB: GET /.well-known/core, ACK 2.05 back.
client_vs_coap_server() {
	lib=$1
	need coap-server-$lib openssl timeout ss od
	coap_opts "$2"
	pick_port_pair
	open_stdins
	start srv coap-server-$lib -A 127.0.0.1 -p $PORT -v 7 $COAP_SRV
	ln -s srv.out "$T/coap-server.log"    # libcoap logs to stdout; fail() shows the *.log files
	wait_port udp
	PORT=$((PORT + 1))
	wait_port udp
	start cli "$IOT" --connect 127.0.0.1:$PORT --dtls --suites $SUITE -v $IOT_CLI \
		--timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	grep -qF "suite $IANA" "$T/cli.log" || fail "iot-tls did not report $IANA"
	if [ "$2" = rpk ]; then
		grep -qF "rpk: peer's raw public key is pinned" "$T/cli.log" ||
			fail "iot-tls did not check the server's raw public key"
	fi
	wait_for "$T/srv.out" "session connected"
	if [ "$2" = rpk ]; then
		grep -qF "CN 'RPK' presented by client" "$T/srv.out" ||
			fail "coap-server did not get the client's raw public key"
	fi
	# CON GET, message ID 0x1234, token 0x5a, Uri-Path ".well-known" (delta 11, length 11), "core"
	printf '\101\001\022\064\132\273.well-known\004core' >"$T/get.bin"
	cat "$T/get.bin" >&8
	wait_for "$T/srv.out" "c:GET i:1234 {5a} [ Uri-Path:.well-known, Uri-Path:core ]"
	wait_for "$T/cli.out" 'title="General Info"'
	# ACK (type 2, TKL 1), code 2.05, message ID 0x1234, token 0x5a
	[ "$(hex "$T/cli.out" 5)" = "614512345a" ] ||
		fail "not an ACK 2.05 for message 0x1234: $(hex "$T/cli.out" 8)"
	end_client "iot-tls client"
}

# coap-client-TLSLIB -> iot-tls server (DTLS): the GET arrives, the test answers 2.05 + payload.
coap_client_vs_server() {
	lib=$1
	need coap-client-$lib openssl timeout ss od
	coap_opts "$2"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT --dtls --suites $SUITE -v $IOT_SRV --timeout 25
	SRV_PID=$LAST
	wait_port udp
	start cli coap-client-$lib -B 10 -v 7 $COAP_CLI coaps://127.0.0.1:$PORT/.well-known/core
	ln -s cli.out "$T/coap-client.log"
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	grep -qF "suite $IANA" "$T/srv.log" || fail "iot-tls did not report $IANA"
	if [ "$2" = rpk ]; then
		grep -qF "rpk: peer's raw public key is pinned" "$T/srv.log" ||
			fail "iot-tls did not check the client's raw public key"
	fi
	wait_for "$T/srv.out" "core"
	set -- $(od -An -tu1 -N2 "$T/srv.out")
	# version 1, confirmable (RFC 7252 §3: byte 0 = 0x40 | TKL), code 0.01 GET
	[ $(($1 >> 4)) -eq 4 ] && [ $(($1 & 15)) -le 8 ] && [ "$2" -eq 1 ] ||
		fail "not a confirmable CoAP GET: $(hex "$T/srv.out" 16)"
	tkl=$(($1 & 15))
	grep -qF ".well-known" "$T/srv.out" || fail "the request has no Uri-Path .well-known"
	# ACK 2.05 with the request's message ID and token: header bytes as octal escapes
	esc=""
	for b in $(od -An -tu1 -j2 -N$((2 + tkl)) "$T/srv.out"); do
		esc="$esc\\$(printf %03o "$b")"
	done
	printf "\\$(printf %03o $((0x60 | tkl)))\\105$esc\\377%s" "$COAP_PAYLOAD" >"$T/ack.bin"
	cat "$T/ack.bin" >&7
	wait_for "$T/cli.out" "$COAP_PAYLOAD"
	finish "$CLI_PID" "coap-client-$lib"
	finish "$SRV_PID" "iot-tls server"
}
