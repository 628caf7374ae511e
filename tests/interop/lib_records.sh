# tests/interop/lib_records.sh — small-record cases (sourced after lib.sh; not a test itself).
#
# max_fragment_length (RFC 6066 §4) against OpenSSL, record_size_limit (RFC 8449) against
# GnuTLS, both roles, TLS, ECDHE-ECDSA-AES128-CCM8 with a server certificate. iot-tls -v logs
# "records at most OUT bytes out, IN in" when the hellos agreed on a size; the peers check the
# records they receive against what they agreed (OpenSSL and GnuTLS fail on a longer one), and
# BIG bytes of data cross each way in records of that size.
BIG=3000

# big_line CHAR: BIG copies of CHAR and a newline.
big_line() {
	head -c $BIG /dev/zero | tr '\0' "$1"
	echo
}

records_opts() {
	case_opts tls ccm8
	IOT_SRV_S="--cert $PKI/server.pem --key $PKI/server.key.pem --suites $OSSL_SUITE -v"
	IOT_CLI_S="--ca $PKI/ca.pem --server-name aaa.example.com --suites $OSSL_SUITE -v"
	PATTERN=$(head -c 64 /dev/zero | tr '\0' x)
}

# iot-tls --max-fragment 512 -> openssl s_server (which honours it).
client_mfl_vs_openssl() {
	need openssl timeout ss
	records_opts
	pick_port
	open_stdins
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 1 $OSSL_MODE -cipher $OSSL_SUITE \
		-cert $PKI/server.pem -key $PKI/server.key.pem -groups P-256
	wait_port tcp
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_CLI_S --max-fragment 512 --timeout 25 \
		--idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	grep -qF "records at most 512 bytes out, 512 in" "$T/cli.log" || fail "MFL 512 not agreed"
	big_line x >&8
	big_line x >&7
	wait_for "$T/srv.out" "$PATTERN"
	wait_for "$T/cli.out" "$PATTERN"
	end_client "iot-tls client"
}

# openssl s_client -maxfraglen 512 -> iot-tls --echo.
openssl_mfl_vs_server() {
	need openssl timeout ss
	records_opts
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_SRV_S --echo --timeout 25
	SRV_PID=$LAST
	wait_port tcp
	start cli openssl s_client -connect 127.0.0.1:$PORT $OSSL_MODE -cipher $OSSL_SUITE \
		-CAfile $PKI/ca.pem -verify_return_error -maxfraglen 512
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	grep -qF "records at most 512 bytes out, 512 in" "$T/srv.log" || fail "MFL 512 not agreed"
	big_line y >&8
	wait_for "$T/cli.out" "$(head -c 64 /dev/zero | tr '\0' y)"
	end_client "openssl s_client"
	finish "$SRV_PID" "iot-tls server"
}

# iot-tls --record-size-limit 512 -> gnutls-serv --echo (private namespace; GnuTLS ignores
# limits below 512).
client_rsl_vs_gnutls() {
	need gnutls-serv timeout ss ip
	records_opts
	make_ns
	pick_port
	open_stdins
	start srv gnutls-serv --echo --port $PORT --priority "$PRIO" \
		--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key.pem
	wait_port tcp
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_CLI_S --record-size-limit 512 --timeout 25 \
		--idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	grep -qE "records at most [0-9]+ bytes out, 512 in .*record_size_limit [0-9]+\\)" \
		"$T/cli.log" || fail "record_size_limit not agreed"
	big_line z >&8
	wait_for "$T/cli.out" "$(head -c 64 /dev/zero | tr '\0' z)"
	end_client "iot-tls client"
}

# gnutls-cli --recordsize 512 -> iot-tls --record-size-limit 1024 --echo.
gnutls_rsl_vs_server() {
	need gnutls-cli timeout ss
	records_opts
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_SRV_S --record-size-limit 1024 --echo \
		--timeout 25
	SRV_PID=$LAST
	wait_port tcp
	start cli gnutls-cli --port $PORT 127.0.0.1 --priority "$PRIO" --x509cafile $PKI/ca.pem \
		--sni-hostname aaa.example.com --verify-hostname aaa.example.com --recordsize 512
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	grep -qF "records at most 512 bytes out, 1024 in" "$T/srv.log" ||
		fail "record_size_limit not agreed"
	big_line w >&8
	wait_for "$T/cli.out" "$(head -c 64 /dev/zero | tr '\0' w)"
	end_client "gnutls-cli"
	finish "$SRV_PID" "iot-tls server"
}
