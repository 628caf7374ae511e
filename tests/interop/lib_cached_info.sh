# tests/interop/lib_cached_info.sh — cached_info (RFC 7924) against peers that do not know it
# (sourced after lib.sh; not a test itself).
#
# ci_prime fills $T/cert.cache through our own server (the same server.pem as the peers): a
# first iot-tls client stores the chain, a second must be answered with the hash. Then the
# peer (openssl s_server, gnutls-serv) gets a ClientHello offering that hash: it ignores the
# extension, sends its chain, the handshake and data succeed, and the client refreshes the
# entry from the full chain.

# ci_prime: two clients against iot-tls --connections 2 on a second port of this test's range.
ci_prime() {
	P2=$((PORT + 5))
	[ -z "$($IN_NS ss -Hantu "sport = :$P2" 2>/dev/null)" ] || fail "port $P2 is busy"
	timeout $LIMIT $IN_NS "$IOT" --listen 127.0.0.1:$P2 $IOT_MODE $IOT_SRV --echo --connections 2 \
		--timeout 25 </dev/null >"$T/prime_srv.out" 2>"$T/prime_srv.log" &
	PRIME_PID=$!
	PIDS="$PIDS $PRIME_PID"
	SAVE=$PORT
	PORT=$P2
	wait_port $PROTO
	PORT=$SAVE
	for i in 1 2; do
		echo "prime $i" | timeout $LIMIT $IN_NS "$IOT" --connect 127.0.0.1:$P2 $IOT_MODE $IOT_CLI \
			--cert-cache "$T/cert.cache" -v --timeout 25 --idle 300 \
			>"$T/prime$i.out" 2>"$T/prime$i.log" || fail "priming client $i failed"
	done
	grep -qF "cached_info: stored the" "$T/prime1.log" || fail "the first client stored nothing"
	grep -qF "cached_info: server sent the hash" "$T/prime2.log" ||
		fail "our server did not answer the cached_info offer with the hash"
	finish "$PRIME_PID" "priming iot-tls server"
}

# After the peer's handshake: the offer went out, was not answered, and the chain was stored.
ci_check_ignored() {
	grep -qF "cached_info: offering the" "$T/cli.log" || fail "iot-tls offered no cached_info"
	if grep -qF "cached_info: server sent the hash" "$T/cli.log"; then
		fail "the peer claimed to answer cached_info"
	fi
	grep -qF "cached_info: stored the" "$T/cli.log" || fail "the full chain was not stored again"
}

# iot-tls --cert-cache (entry present) -> openssl s_server, MODE tls|dtls.
ci_client_vs_openssl() {
	need openssl timeout ss
	case_opts "$1" ccm8
	pick_port
	ci_prime
	open_stdins
	listen=""
	[ "$MODE" = dtls ] && listen=-listen
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 1 $listen $OSSL_MODE $OSSL_SRV
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI --cert-cache "$T/cert.cache" -v \
		--timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	wait_for "$T/srv.out" "CIPHER is $OSSL_SUITE"
	echo "$CLI_DATA" >&8
	echo "$SRV_DATA" >&7
	wait_for "$T/srv.out" "$CLI_DATA"
	wait_for "$T/cli.out" "$SRV_DATA"
	end_client "iot-tls client"
	ci_check_ignored
}

# iot-tls --cert-cache (entry present) -> gnutls-serv --echo in a namespace, MODE tls|dtls.
ci_client_vs_gnutls() {
	need gnutls-serv timeout ss ip
	case_opts "$1" ccm8
	make_ns
	pick_port
	ci_prime
	open_stdins
	start srv gnutls-serv --echo -d 4 --port $PORT $GNUTLS_MODE --priority "$PRIO" $GNUTLS_SRV
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI --cert-cache "$T/cert.cache" -v \
		--timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	echo "$CLI_DATA" >&8
	wait_for "$T/cli.out" "$CLI_DATA"
	wait_for "$T/srv.log" "Selected cipher suite: $GNUTLS_SUITE"
	end_client "iot-tls client"
	ci_check_ignored
}
