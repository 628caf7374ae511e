# tests/interop/lib_coaps_client.sh — our coaps-client (eap_iot's CoAP + DTLS) against libcoap
# 4.3.1's coap-server-{openssl,gnutls} and its example resources. Sourced after lib.sh and
# lib_coap.sh; not a test itself.
#
# coaps_client_vs_libcoap BACKEND CRED: BACKEND openssl|gnutls, CRED psk|cert (mutual
# certificates, server name not checked: libcoap's server certificate names aaa.example.com,
# the URI names 127.0.0.1)|rpk (raw public keys, GnuTLS build only; the server's key pinned);
# blockwise (RFC 7959: 800 bytes read in Block2 blocks of 64 and 16, 3000 bytes written in
# Block1 blocks of 64 and read back), observe (RFC 7641: /time for 4 s, at least 3
# notifications, then deregistration, which libcoap's log confirms); the failures
# wrong-psk (exit 4, the line says why) and rpk-wrong-pin (exit 3); resume (--session FILE
# kept between two runs, by session ID and with --tickets: libcoap's OpenSSL server resumes both,
# its GnuTLS server neither, which must end in a full handshake and the answer all the same). One coaps-client run per request, each a new DTLS session:
# discovery (GET /.well-known/core lists </time>), PUT then GET /example_data (the value comes
# back), DELETE of a resource that is not there (2.02, libcoap's answer), POST to /example_data
# (4.05 Method Not Allowed: exit status 1), and a NON
# GET /time. Every exit status is checked: coaps-client, unlike libcoap's client, reports.
COAPS_CLIENT=$BUILD/bin/coaps-client

coaps_client_vs_libcoap() {
	BACKEND=$1 CRED=$2
	need "coap-server-$BACKEND" timeout ss stdbuf
	[ -x "$COAPS_CLIENT" ] || fail "$COAPS_CLIENT was not built"
	case $CRED in
	psk) srv="-k $COAP_PSK_KEY" cli="-u $COAP_PSK_ID -k $COAP_PSK_KEY" ;;
	cert) srv="-c $PKI/server.pem -j $PKI/server.key.pem -C $PKI/ca.pem"
	      cli="-c $PKI/device.pem -j $PKI/device.key.pem -C $PKI/ca.pem -n" ;;
	wrong-psk) srv="-k $COAP_PSK_KEY" cli="-u $COAP_PSK_ID -k not-the-key -B 4" ;;
	blockwise | resume) srv="-k $COAP_PSK_KEY" cli="-u $COAP_PSK_ID -k $COAP_PSK_KEY" ;;
	observe) srv="-k $COAP_PSK_KEY -v 7" cli="-u $COAP_PSK_ID -k $COAP_PSK_KEY" ;;
	rpk | rpk-wrong-pin)
		# libcoap's -M file: private and public key in one PEM; ours pins the server's key
		coap_opts rpk
		pin=$T/server.pub.pem
		[ "$CRED" = rpk-wrong-pin ] && pin=$T/device.pub.pem
		srv="-M $T/server.rpk.pem" cli="-M $PKI/device.key.pem --peer-rpk $pin" ;;
	*) fail "unknown case $CRED" ;;
	esac
	pick_port_pair
	open_stdins
	# shellcheck disable=SC2086
	start srv stdbuf -oL -eL "coap-server-$BACKEND" -A 127.0.0.1 -p $PORT -v 4 $srv
	wait_port udp
	DPORT=$((PORT + 1))
	i=0
	while [ -z "$(ss -Hlun "sport = :$DPORT" 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	U=coaps://127.0.0.1:$DPORT
	if [ "$CRED" = rpk-wrong-pin ]; then
		expect 3 "" $cli "$U/time"
		grep -qF "DTLS handshake failed: peer raw public key not pinned (alert sent: handshake_failure" \
			"$T/req.log" || fail "no line saying the server's key is not pinned"
		return
	fi
	if [ "$CRED" = observe ]; then
		# RFC 7641 on libcoap's /time (it changes every second): the registration's answer and
		# notifications for 4 s, then the GET with Observe 1 that libcoap takes as deregistration
		expect 0 "" $cli -s 4 "$U/time"
		lines=$(grep -c . "$T/req.out")
		[ "$lines" -ge 4 ] || fail "$lines values in 4 s of observing, expected the first and 3 notifications"
		grep -qF "notifications, then deregistered" "$T/req.log" || fail "no deregistration"
		grep -qF "removed subscription" "$T/srv.out" "$T/srv.log" 2>/dev/null ||
			fail "libcoap did not remove the subscription"
		return
	fi
	if [ "$CRED" = blockwise ]; then
		# 800 bytes PUT in one message, read back in Block2 blocks of 64 and of 16; then 3000
		# bytes PUT in Block1 blocks of 64 (more than one message can carry) and read back
		python3 -c "print('0123456789abcdef' * 50, end='')" >"$T/data"
		expect 0 "" $cli -m put -f "$T/data" "$U/example_data"
		for size in 64 16; do
			expect 0 "" $cli -b $size "$U/example_data"
			tr -d '\n' <"$T/req.out" | cmp -s - "$T/data" || fail "-b $size: the blocks do not add up"
			blocks=$(((800 + size - 1) / size))
			grep -qF "800 payload bytes in $blocks blocks" "$T/req.log" || fail "-b $size: not $blocks blocks"
		done
		python3 -c "print(''.join(chr(97 + i % 26) for i in range(3000)), end='')" >"$T/data"
		expect 0 "" $cli -m put -b 64 -f "$T/data" "$U/example_data"
		grep -Eq "response 2.0[14]" "$T/req.log" || fail "the Block1 upload did not end in 2.01 or 2.04"
		expect 0 "" $cli -b 256 "$U/example_data"
		tr -d '\n' <"$T/req.out" | cmp -s - "$T/data" || fail "the 3000 bytes uploaded in blocks did not come back"
		return
	fi
	if [ "$CRED" = resume ]; then
		outcome="resumed (abbreviated handshake)"
		[ "$BACKEND" = gnutls ] && outcome="not resumed: full handshake"
		for how in "" --tickets; do
			rm -f "$T/session"
			# shellcheck disable=SC2086
			expect 0 "" $cli $how --session "$T/session" "$U/time"
			grep -qF "DTLS session new: full handshake" "$T/req.log" || fail "first run $how: not a full handshake"
			[ "$(stat -c %a "$T/session")" = 600 ] || fail "the session file is not mode 0600"
			# shellcheck disable=SC2086
			expect 0 "" $cli $how --session "$T/session" "$U/time"
			grep -qF "DTLS session $outcome" "$T/req.log" || fail "second run $how: not '$outcome': $(cat "$T/req.log")"
		done
		return
	fi
	if [ "$CRED" = wrong-psk ]; then
		expect 4 "" $cli "$U/time"
		grep -qF "DTLS handshake did not complete within 4 s" "$T/req.log" ||
			fail "no line saying why the wrong key got nowhere"
		return
	fi
	expect 0 '</time>' $cli "$U/.well-known/core"
	expect 0 "" $cli -m put -e "coaps-client was here $$" "$U/example_data"
	expect 0 "coaps-client was here $$" $cli "$U/example_data"
	expect 0 "" $cli -m delete "$U/nothing-here"
	expect 1 "Method Not Allowed" $cli -m post -e x "$U/example_data"
	expect 0 "" $cli -N "$U/time"
	grep -q "response 2.01" "$T/req.all" || fail "the PUT was not answered 2.01 Created"
	grep -q "response 2.02" "$T/req.all" || fail "the DELETE was not answered 2.02 Deleted"
}

# expect STATUS TEXT ARGS...: one coaps-client run, its exit status STATUS and TEXT (when not
# empty) in what it printed.
expect() {
	want=$1 text=$2
	shift 2
	timeout 20 "$COAPS_CLIENT" -v 1 "$@" >"$T/req.out" 2>"$T/req.log"
	rc=$?
	cat "$T/req.out" "$T/req.log" >>"$T/req.all"
	[ $rc -eq "$want" ] || fail "coaps-client $* exited $rc, expected $want: $(cat "$T/req.log")"
	[ -z "$text" ] || grep -qF -- "$text" "$T/req.out" || fail "coaps-client $*: no '$text' in its output"
}
