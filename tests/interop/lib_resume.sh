# tests/interop/lib_resume.sh — resumption cases (sourced after lib.sh; not a test itself).
#
# Each case makes two connections: a full handshake, then one that must resume it, by session
# ID or by RFC 5077 ticket (HOW = id|ticket). iot-tls reports "resumed yes|no" on its handshake
# line; the peers say it their own way ("Reused" from openssl, "This is a resumed session" from
# gnutls-cli). The suite is ECDHE-ECDSA-AES128-CCM8 with a server certificate only.

# resume_opts MODE HOW: the shared options.
resume_opts() {
	case_opts "$1" ccm8
	HOW=$2
	IOT_SRV_R="--cert $PKI/server.pem --key $PKI/server.key.pem --suites $OSSL_SUITE"
	IOT_SRV_R="$IOT_SRV_R --session-cache 8 --connections 2"
	IOT_CLI_R="--ca $PKI/ca.pem --server-name aaa.example.com --suites $OSSL_SUITE --reconnect -v"
	case $HOW in
	id) IOT_SRV_R="$IOT_SRV_R --no-tickets"; OSSL_NT=-no_ticket; GNUTLS_NT=--noticket
	    OFFER="offering a session by session ID" ;;
	ticket) IOT_CLI_R="$IOT_CLI_R --tickets"; OSSL_NT=""; GNUTLS_NT=""
	    OFFER="offering a session by ticket" ;;
	*) fail "unknown resumption kind $HOW" ;;
	esac
}

# The iot-tls client's two handshakes: full, then resumed the way asked.
client_resumed_ok() {
	wait "$CLI_PID"
	rc=$?
	[ $rc -eq 0 ] || fail "iot-tls client exited with status $rc"
	grep -qF "resumed no" "$T/cli.log" || fail "no full first handshake"
	grep -qF "resumed yes" "$T/cli.log" || fail "the second handshake was not resumed"
	grep -qF "$OFFER" "$T/cli.log" || fail "iot-tls did not resume as asked ($HOW)"
	grep -qF "suite $IANA" "$T/cli.log" || fail "iot-tls did not report $IANA"
}

# iot-tls --reconnect -> openssl s_server -naccept 2.
client_resume_vs_openssl() {
	need openssl timeout ss
	resume_opts "$1" "$2"
	pick_port
	open_stdins
	listen=""
	[ "$MODE" = dtls ] && listen=-listen
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 2 $listen $OSSL_MODE $OSSL_NT \
		-cipher $OSSL_SUITE -cert $PKI/server.pem -key $PKI/server.key.pem -groups P-256
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI_R --timeout 25 --idle 300
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	exec 8>&-
	client_resumed_ok
	grep -qF "Reused session-id" "$T/srv.out" || fail "s_server did not report a reused session"
}

# iot-tls --reconnect -> gnutls-serv (private namespace).
client_resume_vs_gnutls() {
	need gnutls-serv timeout ss ip
	resume_opts "$1" "$2"
	make_ns
	pick_port
	open_stdins
	start srv gnutls-serv --echo --port $PORT $GNUTLS_MODE $GNUTLS_NT --priority "$PRIO" \
		--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key.pem
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI_R --timeout 25 --idle 300
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	exec 8>&-
	client_resumed_ok
}

# openssl s_client -sess_out, then -sess_in -> iot-tls --session-cache --connections 2.
openssl_resume_vs_server() {
	need openssl timeout ss
	resume_opts "$1" "$2"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE $IOT_SRV_R --timeout 25
	SRV_PID=$LAST
	wait_port $PROTO
	for n in 1 2; do
		sess="-sess_out $T/sess.pem"
		[ $n -eq 2 ] && sess="-sess_in $T/sess.pem"
		sleep 1 | timeout 10 openssl s_client -connect 127.0.0.1:$PORT $OSSL_MODE $OSSL_NT \
			-cipher $OSSL_SUITE -CAfile $PKI/ca.pem -verify_return_error $sess \
			>"$T/cli$n.out" 2>"$T/cli$n.log" </dev/null ||
			fail "openssl s_client ($n) failed"
	done
	finish "$SRV_PID" "iot-tls server"
	grep -qF "New, TLSv1.2" "$T/cli1.out" || fail "the first s_client handshake was not a full one"
	grep -qF "Reused, TLSv1.2" "$T/cli2.out" || fail "s_client did not resume"
	if [ "$HOW" = ticket ] && ! grep -qF "TLS session ticket:" "$T/cli1.out"; then
		fail "no ticket issued"
	fi
	if [ "$HOW" = id ] && grep -qF "TLS session ticket:" "$T/cli1.out"; then
		fail "a ticket was issued"
	fi
	grep -qF "resumed yes" "$T/srv.log" || fail "iot-tls server did not report the resumption"
}

# gnutls-cli --resume -> iot-tls --session-cache --connections 2.
gnutls_resume_vs_server() {
	need gnutls-cli timeout ss
	resume_opts "$1" "$2"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE $IOT_SRV_R --timeout 25
	SRV_PID=$LAST
	wait_port $PROTO
	sleep 1 | timeout 10 gnutls-cli --port $PORT 127.0.0.1 $GNUTLS_MODE --priority "$PRIO" \
		--x509cafile $PKI/ca.pem --sni-hostname aaa.example.com \
		--verify-hostname aaa.example.com --resume >"$T/cli.out" 2>"$T/cli.log" ||
		fail "gnutls-cli failed"
	finish "$SRV_PID" "iot-tls server"
	grep -qF "This is a resumed session" "$T/cli.out" || fail "gnutls-cli did not resume"
	grep -qF "resumed yes" "$T/srv.log" || fail "iot-tls server did not report the resumption"
}
