# tests/interop/lib_cert_url.sh — client certificate URLs (RFC 6066 §5) against a peer that
# does not know them (sourced after lib.sh; not a test itself).
#
# First our own server (--cert-url-dir holding device.pem) must take the URL instead of the
# certificate, over real sockets; then openssl s_server, which ignores client_certificate_url,
# asks for and verifies the client certificate: the client sends its Certificate and the
# handshake, with mutual authentication, succeeds.

# cu_own: iot-tls --cert-url -> iot-tls --cert-url-dir on a second port of this test's range.
cu_own() {
	P2=$((PORT + 5))
	[ -z "$($IN_NS ss -Hantu "sport = :$P2" 2>/dev/null)" ] || fail "port $P2 is busy"
	mkdir "$T/urls" && cp "$PKI/device.pem" "$T/urls/" || fail "cannot fill $T/urls"
	timeout $LIMIT $IN_NS "$IOT" --listen 127.0.0.1:$P2 $IOT_MODE $IOT_SRV --cert-url-dir "$T/urls" \
		--echo -v --timeout 25 </dev/null >"$T/own_srv.out" 2>"$T/own_srv.log" &
	OWN_PID=$!
	PIDS="$PIDS $OWN_PID"
	SAVE=$PORT
	PORT=$P2
	wait_port $PROTO
	PORT=$SAVE
	echo "by url" | timeout $LIMIT $IN_NS "$IOT" --connect 127.0.0.1:$P2 $IOT_MODE $IOT_CLI \
		--cert-url "$URL" -v --timeout 25 --idle 300 >"$T/own_cli.out" 2>"$T/own_cli.log" ||
		fail "iot-tls client with --cert-url failed against iot-tls"
	grep -qF "cert_url: sending CertificateURL $URL" "$T/own_cli.log" || fail "no CertificateURL sent"
	grep -qF "cert_url: 1 URL(s) resolved" "$T/own_srv.log" || fail "our server did not resolve it"
	finish "$OWN_PID" "iot-tls --cert-url-dir server"
}

URL=http://certs.example.com/dev/device.pem

# After the peer's handshake: the offer was declined and our Certificate went instead.
cu_check_declined() {
	grep -qF "cert_url: the server does not take certificate URLs" "$T/cli.log" ||
		fail "iot-tls did not see the peer decline the offer"
	if grep -qF "sending CertificateURL" "$T/cli.log"; then
		fail "iot-tls sent a CertificateURL to a peer that did not agree"
	fi
}

# iot-tls --cert-url -> openssl s_server -Verify 1, MODE tls|dtls: openssl verifies the device.
cu_client_vs_openssl() {
	BEFORE_CLIENT=cu_own IOT_CLI_EXTRA="--cert-url $URL -v"
	client_vs_openssl "$1" ccm8
	cu_check_declined
	grep -qF "CN = 00-11-22-33-44-55-66-77" "$T/srv.log" ||
		fail "openssl did not verify the device certificate"
}

# iot-tls --cert-url -> gnutls-serv --require-client-cert --verify-client-cert (in a private
# namespace), MODE tls|dtls: the echo comes back only if GnuTLS verified our Certificate.
cu_client_vs_gnutls() {
	BEFORE_CLIENT=cu_own IOT_CLI_EXTRA="--cert-url $URL -v"
	client_vs_gnutls "$1" ccm8
	cu_check_declined
}
