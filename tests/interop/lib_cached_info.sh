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

# iot-tls --cert-cache (entry present) -> openssl s_server / gnutls-serv, MODE tls|dtls.
ci_client_vs_openssl() {
	BEFORE_CLIENT=ci_prime IOT_CLI_EXTRA="--cert-cache $T/cert.cache -v"
	client_vs_openssl "$1" ccm8
	ci_check_ignored
}

ci_client_vs_gnutls() {
	BEFORE_CLIENT=ci_prime IOT_CLI_EXTRA="--cert-cache $T/cert.cache -v"
	client_vs_gnutls "$1" ccm8
	ci_check_ignored
}
