# tests/interop/lib_rpk.sh — raw public key cases (RFC 7250; sourced after lib.sh; not a test).
#
# GnuTLS is the peer (OpenSSL < 3.2 has no raw public keys): --rawpkfile/--rawpkkeyfile with
# the CTYPE priorities of TEST_BED.md. iot-tls pins the peer's key (--peer-rpk) and logs
# "rpk: peer's raw public key is pinned"; gnutls-cli prints "Certificate type: Raw Public Key".
# MIX=1 before the call: the server keeps its X.509 certificate and only the client uses a raw
# public key (a mixed configuration).

rpk_opts() {
	case_opts "$1" ccm8
	openssl pkey -in "$PKI/server.key.pem" -pubout -out "$T/server.pub.pem" 2>/dev/null ||
		fail "cannot extract the server public key"
	openssl pkey -in "$PKI/device.key.pem" -pubout -out "$T/device.pub.pem" 2>/dev/null ||
		fail "cannot extract the device public key"
	if [ "${MIX:-0}" = 1 ]; then
		PRIO="$PRIO:-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-X509"
		GNUTLS_SRV_K="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key.pem"
		IOT_CLI_K="--ca $PKI/ca.pem --server-name aaa.example.com"
		WANT_TYPE="Certificate type: X.509"
	else
		PRIO="$PRIO:-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK"
		GNUTLS_SRV_K=""
		IOT_CLI_K="--peer-rpk $T/server.pub.pem"
		WANT_TYPE="Certificate type: Raw Public Key"
	fi
	GNUTLS_SRV_K="$GNUTLS_SRV_K --rawpkfile $T/server.pub.pem --rawpkkeyfile $PKI/server.key.pem"
}

# iot-tls (raw key, pins the server's) -> gnutls-serv --echo --require-client-cert (namespace).
client_rpk_vs_gnutls() {
	need gnutls-serv openssl timeout ss ip
	rpk_opts "$1"
	make_ns
	pick_port
	open_stdins
	start srv gnutls-serv --echo -d 4 --port $PORT $GNUTLS_MODE --priority "$PRIO" \
		$GNUTLS_SRV_K --require-client-cert
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE --suites $OSSL_SUITE -v \
		--key "$PKI/device.key.pem" $IOT_CLI_K --timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	grep -qF "suite $IANA" "$T/cli.log" || fail "iot-tls did not report $IANA"
	if [ "${MIX:-0}" != 1 ]; then
		grep -qF "rpk: peer's raw public key is pinned" "$T/cli.log" ||
			fail "iot-tls did not check a raw public key"
	fi
	echo "$CLI_DATA" >&8
	wait_for "$T/cli.out" "$CLI_DATA"
	end_client "iot-tls client"
}

# gnutls-cli (raw key) -> iot-tls --key (raw) --peer-rpk device --verify-client required --echo.
gnutls_rpk_vs_server() {
	need gnutls-cli openssl timeout ss
	rpk_opts "$1"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE --suites $OSSL_SUITE -v \
		--key "$PKI/server.key.pem" --peer-rpk "$T/device.pub.pem" --verify-client required \
		--echo --timeout 25
	SRV_PID=$LAST
	wait_port $PROTO
	start cli gnutls-cli --port $PORT 127.0.0.1 $GNUTLS_MODE --priority "$PRIO" --insecure \
		--rawpkfile "$T/device.pub.pem" --rawpkkeyfile "$PKI/device.key.pem"
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	grep -qF "rpk: peer's raw public key is pinned" "$T/srv.log" ||
		fail "iot-tls did not check the client's raw public key"
	wait_for "$T/cli.out" "$WANT_TYPE"
	echo "$CLI_DATA" >&8
	wait_for "$T/srv.out" "$CLI_DATA"
	wait_for "$T/cli.out" "$CLI_DATA"
	end_client "gnutls-cli"
	finish "$SRV_PID" "iot-tls server"
}
