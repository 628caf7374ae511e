# tests/interop/lib_coaps_server.sh — libcoap 4.3.1's coap-client-{openssl,gnutls} against our
# coaps-server (eap_iot's CoAPS endpoint and its example resources). Sourced after lib.sh and
# lib_coap.sh; not a test itself.
#
# coap_client_vs_coaps_server BACKEND CASE: BACKEND openssl|gnutls; CASE
#   psk        discovery (whole and ?rt=firmware), /sensors/temp, PUT/GET/DELETE /config,
#              POST/GET /log, POST /config (4.05), GET /nothing (4.04), a NON GET
#   cert       mutual certificates: discovery and PUT/GET /config
#   rpk        raw public keys (GnuTLS build only), the device's key pinned: GET /sensors/temp
#   blockwise  RFC 7959: the 4096-byte /firmware in 64 Block2 blocks, 3000 bytes PUT in Block1
#              blocks of 64 and read back
#   observe    RFC 7641: /sensors/temp observed for 4 s (-s 4): the registration's answer and at
#              least 3 notifications, each a new value, then no observer left
#   wrong-psk, rpk-unpinned   no handshake, no payload, and coaps-server's log says why.
# coap-client exits 0 whatever happened, so only what it prints counts (payloads on stdout,
# error responses such as "4.05 method not allowed here" on stderr, its log on stdout), together
# with coaps-server's own lines: one per request handled on stdout (-v 1), DTLS events on stderr.
# Every coap-client run is a new DTLS session.
COAPS_SERVER=$BUILD/bin/coaps-server

coap_client_vs_coaps_server() {
	BACKEND=$1 CASE=$2
	need "coap-client-$BACKEND" timeout ss python3 cmp openssl sha256sum
	[ -x "$COAPS_SERVER" ] || fail "$COAPS_SERVER was not built"
	psk="-u $COAP_PSK_ID -k $COAP_PSK_KEY"
	verbose=2
	case $CASE in
	psk | blockwise | observe) srv=$psk cli=$psk ;;
	wrong-psk) srv=$psk cli="-u $COAP_PSK_ID -k not-the-key" ;;
	cert) srv="-c $PKI/server.pem -j $PKI/server.key.pem -C $PKI/ca.pem"
	      cli="-c $PKI/device.pem -j $PKI/device.key.pem -C $PKI/ca.pem" ;;
	rpk | rpk-unpinned)
		coap_opts rpk
		pin=$T/device.pub.pem
		[ "$CASE" = rpk-unpinned ] && pin=$T/server.pub.pem
		srv="-M $PKI/server.key.pem --peer-rpk $pin" cli="-M $T/device.rpk.pem" ;;
	*) fail "unknown case $CASE" ;;
	esac
	pick_port
	open_stdins
	# shellcheck disable=SC2086
	start srv "$COAPS_SERVER" -A 127.0.0.1 -p $PORT -v $verbose -B 60 $srv
	SRV_PID=$LAST
	ln -s srv.out "$T/requests.log"     # fail() shows the *.log files
	ln -s req.err "$T/coap-client.log"
	wait_port udp
	U=coaps://127.0.0.1:$PORT
	case $CASE in
	psk) coaps_psk ;;
	cert) coaps_cert ;;
	rpk) coaps_rpk ;;
	rpk-unpinned) coaps_rpk_unpinned ;;
	blockwise) coaps_blockwise ;;
	observe) coaps_observe ;;
	wrong-psk) coaps_wrong_psk ;;
	esac
}

# ask ARGS...: one coap-client run with this case's credentials; stdout in req.out, stderr in
# req.err.
ask() {
	# shellcheck disable=SC2086
	timeout 20 "coap-client-$BACKEND" -B 10 $cli "$@" >"$T/req.out" 2>"$T/req.err"
}

# printed FILE TEXT WHAT: FILE (req.out or req.err) holds the fixed string TEXT.
printed() {
	grep -qF -- "$2" "$T/$1" || fail "$3: no '$2' in what coap-client printed: $(cat "$T/$1")"
}

# stop_server: SIGTERM, exit status 0 and the final statistics line on stderr.
stop_server() {
	kill "$SRV_PID"
	finish "$SRV_PID" coaps-server
	grep -q "^coaps-server: [0-9]* handshakes (" "$T/srv.log" || fail "no statistics line at the end"
}

coaps_psk() {
	ask "$U/.well-known/core"
	printed req.out '</sensors/temp>;rt="temperature-c"' discovery
	for r in config firmware log; do printed req.out "</$r>;" discovery; done
	ask "$U/.well-known/core?rt=firmware"
	printed req.out '</firmware>;rt="firmware"' "?rt=firmware"
	[ "$(grep -o '</' "$T/req.out" | wc -l)" -eq 1 ] || fail "?rt=firmware listed more: $(cat "$T/req.out")"
	ask "$U/sensors/temp"
	grep -Eqx '2[0-5]\.[0-9]' "$T/req.out" || fail "/sensors/temp is not a temperature: $(cat "$T/req.out")"
	value="value-$$"
	ask -m put -e "$value" "$U/config"
	ask "$U/config"
	grep -qx -- "$value" "$T/req.out" || fail "GET /config after the PUT: $(cat "$T/req.out")"
	line="line-$$"
	ask -m post -e "$line" "$U/log"
	ask "$U/log"
	grep -qx -- "$line" "$T/req.out" || fail "GET /log after the POST: $(cat "$T/req.out")"
	ask -m delete "$U/config"
	ask "$U/config"
	grep -qx "interval=60" "$T/req.out" || fail "GET /config after the DELETE: $(cat "$T/req.out")"
	ask -m post -e x "$U/config"
	printed req.err "4.05 method not allowed here" "POST /config"
	ask "$U/nothing"
	printed req.err "4.04 no such resource" "GET /nothing"
	# NON request, NON answer (RFC 7252 §5.2.3); with -v 6 libcoap shows each message
	ask -v 6 -N "$U/sensors/temp"
	grep -Eq "t:NON c:2\.05 .* :: '2[0-5]\.[0-9]'\$" "$T/req.out" ||
		fail "no NON 2.05 with a temperature: $(cat "$T/req.out")"
	# coaps-server's account of the requests its handlers saw, in order (discovery and the
	# 4.05 / 4.04 answers are the library's own)
	{
		echo "GET /sensors/temp, 0 bytes in"
		echo "PUT /config, ${#value} bytes in"
		echo "GET /config, 0 bytes in"
		echo "POST /log, ${#line} bytes in"
		echo "GET /log, 0 bytes in"
		echo "DELETE /config, 0 bytes in"
		echo "GET /config, 0 bytes in"
		echo "GET /sensors/temp, 0 bytes in"
	} >"$T/expected.out"
	sed 's/ \[.*\]$//' "$T/srv.out" >"$T/handled.out"   # the exchange's address, MID, token
	cmp -s "$T/expected.out" "$T/handled.out" ||
		fail "coaps-server's request lines differ: $(diff "$T/expected.out" "$T/handled.out")"
	n=$(grep -c "DTLS session established (TLS_PSK_WITH_AES_128_CCM_8)" "$T/srv.log")
	[ "$n" -eq 12 ] || fail "$n PSK sessions established, expected 12"
	stop_server
	grep -q "^coaps-server: 12 handshakes (0 failed)" "$T/srv.log" || fail "not 12 handshakes, 0 failed"
}

coaps_cert() {
	ask "$U/.well-known/core"
	printed req.out '</config>;rt="config"' discovery
	ask -m put -e "cert-$$" "$U/config"
	ask "$U/config"
	grep -qx -- "cert-$$" "$T/req.out" || fail "GET /config after the PUT: $(cat "$T/req.out")"
	n=$(grep -c "DTLS session established (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8)" "$T/srv.log")
	[ "$n" -eq 3 ] || fail "$n ECDHE-ECDSA sessions established, expected 3"
	# the device certificate's subjectAltName carries its EUI-64
	n=$(grep -c "creds: client certificate accepted, EUI-64 00-11-22-33-44-55-66-77" "$T/srv.log")
	[ "$n" -eq 3 ] || fail "the client certificate was accepted $n times, expected 3"
	stop_server
}

coaps_rpk() {
	ask "$U/sensors/temp"
	grep -Eqx '2[0-5]\.[0-9]' "$T/req.out" || fail "/sensors/temp is not a temperature: $(cat "$T/req.out")"
	grep -qF "rpk: peer's raw public key is pinned" "$T/srv.log" || fail "the device's key was not checked"
	grep -qF "DTLS session established (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, raw public key)" "$T/srv.log" ||
		fail "no ECDHE-ECDSA session with a raw public key"
	stop_server
}

coaps_rpk_unpinned() {
	ask "$U/sensors/temp"
	if [ -s "$T/req.err" ] || grep -Eq '^2[0-5]\.[0-9]$' "$T/req.out"; then
		fail "an answer without a pinned key: $(cat "$T/req.out" "$T/req.err")"
	fi
	printed req.out "Alert '40': Handshake failed" "the alert"
	# the key is named by the first bytes of the SHA-256 of its SubjectPublicKeyInfo
	h=$(openssl pkey -pubin -in "$T/device.pub.pem" -outform DER | sha256sum | cut -c1-8)
	grep -qFx "coaps-server: rpk: peer's raw public key (SHA-256 $h...) is not pinned" "$T/srv.log" ||
		fail "no line naming the device's key $h as not pinned"
	# one line for the session, its client port aside
	line=$(grep -E '^coaps-server: coaps: 127\.0\.0\.1:[0-9]+: handshake failed: ' "$T/srv.log")
	why="peer raw public key not pinned (alert sent handshake_failure, received none)"
	[ "${line#*: handshake failed: }" = "$why" ] || fail "not one line 'handshake failed: $why'"
	[ ! -s "$T/srv.out" ] || fail "a request was handled"
	stop_server
	grep -q "^coaps-server: 0 handshakes (1 failed)" "$T/srv.log" || fail "the failure was not counted"
}

coaps_blockwise() {
	# the firmware image: byte i is i % 251; coap-client ends what it prints with a newline
	python3 -c "import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(4096)))" >"$T/fw"
	ask -b 64 "$U/firmware"
	{ cat "$T/fw"; echo; } | cmp -s - "$T/req.out" || fail "-b 64: the 4096 bytes of /firmware differ"
	n=$(grep -c "^GET /firmware, 0 bytes in \[" "$T/srv.out")
	[ "$n" -eq 64 ] || fail "$n GET /firmware lines for 64 blocks"
	python3 -c "import sys; sys.stdout.buffer.write(bytes(97 + i % 26 for i in range(3000)))" >"$T/up"
	ask -m put -b 64 -f "$T/up" "$U/firmware"
	# the handler sees the body once, reassembled from 47 blocks, and says so at once
	wait_for "$T/srv.out" "firmware: 3000 bytes stored" 5
	n=$(grep -c "^PUT /firmware, 3000 bytes in \[" "$T/srv.out")
	[ "$n" -eq 1 ] || fail "$n PUT /firmware lines for one upload"
	# read back with -o: the exact bytes, no newline added
	ask -b 256 -o "$T/back" "$U/firmware"
	cmp -s "$T/up" "$T/back" || fail "the 3000 bytes uploaded in blocks did not come back"
	stop_server
}

coaps_observe() {
	ask -s 4 "$U/sensors/temp"
	# coap-client prints each payload with no separator: the values are 2x.y, one per second
	values=$(grep -Eo '2[0-5]\.[0-9]' "$T/req.out" | wc -l)
	[ "$values" -ge 4 ] || fail "$values values in 4 s of observing: $(cat "$T/req.out")"
	distinct=$(grep -Eo '2[0-5]\.[0-9]' "$T/req.out" | sort -u | wc -l)
	[ "$distinct" -ge 4 ] || fail "the notifications did not carry new values: $(cat "$T/req.out")"
	stop_server
	grep -Eq "^coaps-server: 1 handshakes .* [3-9][0-9]* notifications" "$T/srv.log" ||
		fail "coaps-server did not count the notifications"
	grep -q ", 0 observing," "$T/srv.log" || fail "an observer was left behind: $(tail -1 "$T/srv.log")"
}

coaps_wrong_psk() {
	ask "$U/sensors/temp"
	if [ -s "$T/req.err" ] || grep -Eq '^2[0-5]\.[0-9]$' "$T/req.out"; then
		fail "an answer with the wrong key: $(cat "$T/req.out" "$T/req.err")"
	fi
	printed req.out "cannot send CoAP pdu" "giving up"
	# no alert (RFC 6347 §4.1.2.7): the client's Finished fails authentication and is dropped,
	# and so is each resend of it; one warning says so at once
	n=$(grep -cF "coaps-server: dtls: the peer's first protected record failed authentication (a wrong PSK?)" \
		"$T/srv.log")
	[ "$n" -eq 1 ] || fail "$n warnings about the failing Finished, expected exactly one"
	! grep -q "DTLS session established" "$T/srv.log" || fail "a session was established"
	[ ! -s "$T/srv.out" ] || fail "a request was handled"
	stop_server
}
