# tests/interop/lib_mbedtls.sh — Debian's mbedTLS 2.28 (build/interop/mbedtls-peer, our small
# program on libmbedtls: mbedTLS's own TLS and DTLS) as the client against the iot-tls server,
# and as the server against the iot-tls client. Sourced after lib.sh; not a test itself.
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

# The other way round: our client against mbedtls-peer --listen (the mbedTLS server that
# gateways run). client_vs_mbedtls MODE CRED HOW as above; with id or ticket the iot-tls client
# uses --reconnect (it fails unless the second handshake resumes) and mbedTLS must report how it
# resumed. Each connection carries one line each way: iot-tls sends "$CLI_DATA N", mbedTLS
# prints it and answers "reply from mbedtls", then closes with close_notify. A caller may set
# MBEDTLS_SRV_EXTRA and IOT_CLI_EXTRA (more options of each side; later ones win).
client_vs_mbedtls() {
	need timeout ss ps
	[ -x "$MBEDTLS_PEER" ] || fail "$MBEDTLS_PEER was not built"
	MODE=$1 CRED=$2 HOW=$3
	PROTO=tcp IOT_MODE="" dtls=""
	[ "$MODE" = dtls ] && PROTO=udp IOT_MODE=--dtls dtls=--dtls
	mbedtls_suite "$CRED"
	if [ "$CRED" = psk ]; then
		srv_cred="--psk $PSK_ID:$PSK_KEY" cli_cred="--psk-identity $PSK_ID --psk $PSK_KEY"
	else
		srv_cred="--cert $PKI/server.pem --key $PKI/server.key.pem --ca $PKI/ca.pem"
		cli_cred="--cert $PKI/device.pem --key $PKI/device.key.pem --ca $PKI/ca.pem"
		cli_cred="$cli_cred --server-name aaa.example.com"
	fi
	conns=1 srv_resume="" cli_resume=""
	case $HOW in
	none) ;;
	id) conns=2 cli_resume=--reconnect BY="session ID" ;;
	ticket) conns=2 srv_resume=--tickets cli_resume="--reconnect --tickets" BY=ticket ;;
	*) fail "unknown resumption kind $HOW" ;;
	esac
	CLI_DATA="iot-interop client data $$"
	pick_port
	open_stdins
	# shellcheck disable=SC2086
	start srv "$MBEDTLS_PEER" --listen 127.0.0.1:$PORT $dtls $srv_cred $srv_resume \
		--connections $conns --timeout 25 ${MBEDTLS_SRV_EXTRA:-}
	SRV_PID=$LAST
	ln -s srv.out "$T/mbedtls-server.log" # its lines go to stdout; fail() shows *.log
	CLI_PID="" CLI_RC="" SRV_RC=""
	mbedtls_listening
	# shellcheck disable=SC2086
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $cli_cred $cli_resume ${IOT_CLI_EXTRA:-} \
		--timeout 25 -v
	CLI_PID=$LAST
	n=1
	while [ $n -le "$conns" ]; do
		mbedtls_wait "$T/cli.log" "iot-tls: handshake ok" $n
		echo "$CLI_DATA $n" >&8
		mbedtls_wait "$T/cli.out" "reply from mbedtls" $n
		n=$((n + 1))
	done
	exec 8>&-
	reap_cli
	[ "$CLI_RC" = 0 ] || fail "the iot-tls client exited with status $CLI_RC: $(tail -1 "$T/cli.log")"
	reap_srv
	[ "$SRV_RC" = 0 ] || fail "mbedtls-peer exited with status $SRV_RC: $(tail -1 "$T/srv.out")"
	client_vs_mbedtls_checks
}

# MBED_SUITE and IANA: the suite of CRED psk|cert in mbedTLS's and in iot-tls's words.
mbedtls_suite() {
	if [ "$1" = psk ]; then
		IANA="TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8)" MBED_SUITE=TLS-PSK-WITH-AES-128-CCM-8
	else
		IANA="TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE)" MBED_SUITE=TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8
	fi
}

# mbedtls_alive PID: the process runs (a child that ended stays a zombie until waited for).
mbedtls_alive() {
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

# reap_cli / reap_srv: wait for that side once; its exit status stays in CLI_RC / SRV_RC.
reap_cli() {
	[ -n "$CLI_RC" ] && return 0
	wait "$CLI_PID"
	CLI_RC=$?
}
reap_srv() {
	[ -n "$SRV_RC" ] && return 0
	wait "$SRV_PID"
	SRV_RC=$?
}

# mbedtls_count FILE PATTERN: lines of FILE holding the fixed string PATTERN.
mbedtls_count() {
	c=$(grep -cF -- "$2" "$1" 2>/dev/null)
	echo "${c:-0}"
}

# mbedtls_listening: until mbedtls-peer listens on $PORT ($PROTO); fails at once if it ended.
mbedtls_listening() {
	wait_port "$PROTO" mbedtls_server_alive
}

mbedtls_server_alive() {
	mbedtls_alive "$SRV_PID" && return 0
	reap_srv
	fail "mbedtls-peer ended (status $SRV_RC) before listening: $(tail -1 "$T/srv.out")"
}

# mbedtls_wait FILE PATTERN N: until FILE has N lines holding PATTERN. Fails at once when the
# client has ended without it or the server has failed, and after 20 s.
mbedtls_wait() {
	i=0
	while [ "$(mbedtls_count "$1" "$2")" -lt "$3" ]; do
		if ! mbedtls_alive "$CLI_PID"; then
			reap_cli
			[ "$(mbedtls_count "$1" "$2")" -ge "$3" ] && return 0
			fail "the iot-tls client ended (status $CLI_RC) before '$2' #$3: $(tail -1 "$T/cli.log")"
		fi
		if ! mbedtls_alive "$SRV_PID"; then
			reap_srv
			[ "$SRV_RC" = 0 ] ||
				fail "mbedtls-peer ended (status $SRV_RC) before '$2' #$3: $(tail -1 "$T/srv.out")"
		fi
		i=$((i + 1))
		[ $i -lt 200 ] || fail "'$2' #$3 never appeared in $(basename "$1")"
		sleep 0.1
	done
}

# What both sides must have said once client_vs_mbedtls has run.
client_vs_mbedtls_checks() {
	[ "$(grep -c "^mbedtls: handshake ok, suite $MBED_SUITE," "$T/srv.out")" = "$conns" ] ||
		fail "mbedTLS did not report $conns handshake(s) with $MBED_SUITE"
	[ "$(grep -cF "handshake ok, suite $IANA" "$T/cli.log")" = "$conns" ] ||
		fail "iot-tls did not report $conns handshake(s) with $IANA"
	n=1
	while [ $n -le "$conns" ]; do
		grep -qxF "mbedtls: received: $CLI_DATA $n" "$T/srv.out" ||
			fail "mbedTLS did not receive message $n"
		n=$((n + 1))
	done
	[ "$(grep -cxF "reply from mbedtls" "$T/cli.out")" = "$conns" ] ||
		fail "the replies did not come back"
	grep -m1 "^mbedtls: handshake ok" "$T/srv.out" | grep -q ", resumed no$" ||
		fail "mbedTLS's first handshake was not a full one"
	if [ "$CRED" = cert ]; then
		subject="O=eap_iot test, CN=00-11-22-33-44-55-66-77" # build/pki/device.pem
		grep -qxF "mbedtls: client certificate verified, subject $subject" "$T/srv.out" ||
			fail "mbedTLS did not verify the device certificate"
	fi
	if [ "$MODE" = dtls ]; then
		[ "$(grep -c "^mbedtls: HelloVerifyRequest sent$" "$T/srv.out")" = "$conns" ] ||
			fail "mbedTLS did not send a HelloVerifyRequest on every connection"
		[ "$(grep -c "HelloVerifyRequest with a" "$T/cli.log")" = "$conns" ] ||
			fail "iot-tls did not go through the cookie exchange on every connection"
	fi
	[ "$HOW" = none ] && return 0
	grep "^mbedtls: handshake ok" "$T/srv.out" | sed -n 2p | grep -q ", resumed yes, by $BY$" ||
		fail "mbedTLS did not resume the second connection by $BY"
	grep -qF "offering a session by $BY" "$T/cli.log" ||
		fail "iot-tls did not offer its session by $BY"
	[ "$(grep -c "handshake ok, .*, resumed yes" "$T/cli.log")" = 1 ] ||
		fail "iot-tls did not report exactly one resumed handshake"
}
