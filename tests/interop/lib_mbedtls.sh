# tests/interop/lib_mbedtls.sh — Debian's mbedTLS 2.28 as the client (build/interop/mbedtls-peer,
# our small program on libmbedtls: mbedTLS's own TLS and DTLS), against the iot-tls server.
# Sourced after lib.sh; not a test itself.
#
# mbedtls_client_vs_server MODE CRED HOW: MODE tls|dtls, CRED psk|cert (mutual ECDSA), HOW
# none|id|ticket. The client connects, sends a line and reads the echo; with id or ticket it
# connects a second time offering its session that way, and the iot-tls server must report
# "resumed yes". For DTLS the server asks for the cookie on both connections: mbedTLS resuming
# by ticket changes its session_id between the two ClientHellos (the cookie must not bind it).
MBEDTLS_PEER=$BUILD/interop/mbedtls-peer

mbedtls_client_vs_server() {
	need timeout ss
	[ -x "$MBEDTLS_PEER" ] || fail "$MBEDTLS_PEER was not built"
	MODE=$1 CRED=$2 HOW=$3
	PROTO=tcp IOT_MODE=""
	[ "$MODE" = dtls ] && PROTO=udp IOT_MODE=--dtls
	if [ "$CRED" = psk ]; then
		srv_cred="--psk $PSK_ID:$PSK_KEY" cli_cred="--psk $PSK_ID:$PSK_KEY"
		IANA="TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8)" MBED_SUITE=TLS-PSK-WITH-AES-128-CCM-8
	else
		srv_cred="--cert $PKI/server.pem --key $PKI/server.key.pem --ca $PKI/ca.pem --verify-client required"
		cli_cred="--cert $PKI/device.pem --key $PKI/device.key.pem --ca $PKI/ca.pem --server-name aaa.example.com"
		IANA="TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE)" MBED_SUITE=TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8
	fi
	conns=1 srv_resume="" cli_resume=""
	case $HOW in
	none) ;;
	id) conns=2 srv_resume="--session-cache 8 --no-tickets" cli_resume="--reconnect" ;;
	ticket) conns=2 srv_resume="--session-cache 8" cli_resume="--reconnect --tickets" ;;
	*) fail "unknown resumption kind $HOW" ;;
	esac
	pick_port
	open_stdins
	# shellcheck disable=SC2086
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE $srv_cred $srv_resume --connections $conns \
		--echo --timeout 25 -v
	SRV_PID=$LAST
	wait_port $PROTO
	dtls=""
	[ "$MODE" = dtls ] && dtls=--dtls
	# shellcheck disable=SC2086
	timeout 25 "$MBEDTLS_PEER" --connect 127.0.0.1:$PORT $dtls $cli_cred $cli_resume \
		>"$T/cli.out" 2>"$T/cli.log" || fail "the mbedTLS client failed: $(tail -1 "$T/cli.out")"
	finish "$SRV_PID" "iot-tls server"
	[ "$(grep -c "mbedtls: handshake ok, suite $MBED_SUITE" "$T/cli.out")" = $conns ] ||
		fail "mbedTLS did not complete $conns handshake(s) with $MBED_SUITE"
	[ "$(grep -c "mbedtls: answer: hello from mbedtls" "$T/cli.out")" = $conns ] ||
		fail "the echo did not come back"
	grep -qF "suite $IANA" "$T/srv.log" || fail "iot-tls did not report $IANA"
	case $HOW in
	none) ;;
	id) grep -qF "resumed yes" "$T/srv.log" || fail "the second connection was not resumed"
	    grep -qF "session ID names a session to resume" "$T/srv.log" || fail "not resumed by session ID" ;;
	ticket) grep -qF "resumed yes" "$T/srv.log" || fail "the second connection was not resumed"
	    grep -qF "ticket names a session to resume" "$T/srv.log" || fail "not resumed by ticket" ;;
	esac
	if [ "$MODE" = dtls ]; then
		[ "$(grep -c "ClientHello cookie verified" "$T/srv.log")" = $conns ] ||
			fail "not every connection came in through the cookie exchange"
	fi
}
