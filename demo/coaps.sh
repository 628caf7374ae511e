# demo/coaps.sh — make demo's second half, sourced by demo/eap.sh once the device has joined:
# over the same namespaces and the same 127-byte link, the device talks CoAPS to an application
# server with the same engine and the same device certificate (mutual ECDSA P-256,
# TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, every datagram within the 99 bytes an IPv4/UDP packet of
# 127 leaves): discovery, a GET, an observe with notifications, a block-wise upload read back.
# A ClientHello does not fit 99 bytes (75 without cookie, 32 more with): the server goes without
# the cookie exchange and reassembles it (coaps-server --no-cookie). The server's name is checked (RFC 7925 §4.4.1): aaa.example.com resolves to the server's
# address inside the device's namespace only (ip netns exec's /etc/netns/NAME/hosts).
# Sets coaps_* for the summary. Needs sta, ap, WORK, BUILD, PKI and tests/netns/lib.sh.

COAPS_DGRAM=99   # 127 - IPv4 header (20) - UDP header (8)

# datagrams and bytes (UDP payload) the device's interface sent and received so far
link_counters() {
	ip -n "$sta" -s -j link show veth-sta | python3 -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["tx"]["packets"], s["tx"]["bytes"], s["rx"]["packets"], s["rx"]["bytes"])'
}

# coaps_step NAME ARGS...: one coaps-client run from the device; its cost in datagrams each way
# (IPv4/UDP headers left out of the bytes) and milliseconds into coaps_NAME_*
coaps_step() {
	_name=$1
	shift
	set -- $(link_counters) "$@"
	_tp=$1 _tb=$2 _rp=$3 _rb=$4
	shift 4
	_t0=$(date +%s%N)
	ip netns exec "$sta" timeout 60 "$BUILD/bin/coaps-client" -c "$PKI/device.pem" -j "$PKI/device.key.pem" \
		-C "$PKI/ca.pem" --mtu $COAPS_DGRAM --strict --dtls-timeout 2000 -v 1 \
		--session "$WORK/coaps-session" --cert-cache "$WORK/coaps-cert-cache" "$@" >"$WORK/coaps-$_name.out" 2>"$WORK/coaps-$_name.err" ||
		{ cat "$WORK/coaps-$_name.err"; fail "coaps $_name: coaps-client exited $?"; }
	_t1=$(date +%s%N)
	set -- $(link_counters)
	eval "coaps_${_name}_ms=$(((_t1 - _t0) / 1000000))"
	eval "coaps_${_name}_out=$(($1 - _tp))/$(($2 - _tb - 28 * ($1 - _tp)))"
	eval "coaps_${_name}_in=$(($3 - _rp))/$(($4 - _rb - 28 * ($3 - _rp)))"
}

coaps_half() {
	ip -n "$ap" addr add 10.78.0.1/24 dev veth-ap || fail "address on veth-ap"
	ip -n "$sta" addr add 10.78.0.2/24 dev veth-sta || fail "address on veth-sta"
	mkdir -p "/etc/netns/$sta" && echo "10.78.0.1 aaa.example.com" >"/etc/netns/$sta/hosts"
	spawn "$ap" 120 "$WORK/coaps-server.out" "$BUILD/bin/coaps-server" -A 10.78.0.1 -p 5684 \
		-c "$PKI/server.pem" -j "$PKI/server.key.pem" -C "$PKI/ca.pem" --mtu $COAPS_DGRAM --strict \
		--dtls-timeout 2000 --no-cookie --max-peers 16 -v 2
	COAPS_PID=$LAST_PID
	wait_log "$WORK/coaps-server.out" "serving coaps" 5 "$COAPS_PID" || fail "coaps-server did not start"
	U=coaps://aaa.example.com
	rm -f "$WORK/coaps-session" "$WORK/coaps-cert-cache"
	coaps_step discovery "$U/.well-known/core"
	rm -f "$WORK/coaps-session" # the session forgotten: a full handshake, but with cached_info
	coaps_step cached "$U/sensors/temp"
	coaps_step get "$U/sensors/temp"
	coaps_step observe -s 4 "$U/sensors/temp"
	python3 -c "import sys; sys.stdout.buffer.write(bytes(range(256)) * 4)" >"$WORK/upload.bin"
	coaps_step upload -m put -b 32 -f "$WORK/upload.bin" "$U/firmware"
	coaps_step readback -b 32 "$U/firmware"
	stop "$COAPS_PID"
	# what the steps showed
	grep -q '</sensors/temp>;rt="temperature-c"' "$WORK/coaps-discovery.out" || fail "coaps: no discovery"
	grep -Eqx '2[0-5]\.[0-9]' "$WORK/coaps-get.out" || fail "coaps: GET /sensors/temp gave no value"
	coaps_notes=$(sed -n 's/^coaps-client: \([0-9]*\) notifications, then deregistered$/\1/p' "$WORK/coaps-observe.err")
	[ "${coaps_notes:-0}" -ge 3 ] || fail "coaps: ${coaps_notes:-no} notifications in 4 s"
	head -c 1024 "$WORK/coaps-readback.out" | cmp -s - "$WORK/upload.bin" || fail "coaps: the upload did not come back"
	coaps_blocks=$(sed -n 's/.*1024 payload bytes in \([0-9]*\) blocks/\1/p' "$WORK/coaps-readback.err")
	grep -q "DTLS session new: full handshake" "$WORK/coaps-discovery.err" || fail "coaps: first handshake?"
	coaps_resumed=$(grep -c "DTLS session resumed" "$WORK"/coaps-*.err | awk -F: '{ s += $2 } END { print s }')
	coaps_ci=$(grep -c "DTLS session established (.*, cached_info" "$WORK/coaps-server.out")
	[ "$coaps_ci" = 1 ] || fail "coaps: the second full handshake did not use cached_info"
	coaps_suite=$(sed -n 's/.*DTLS session established (\(.*\))$/\1/p' "$WORK/coaps-server.out" | head -1)
	coaps_eui=$(sed -n 's/.*client certificate accepted, EUI-64 \([0-9A-Fa-f-]*\).*/\1/p' "$WORK/coaps-server.out" | head -1)
}

# The CoAPS rows of the summary.
coaps_summary() {
	echo
	echo "=== CoAPS from the joined device, same engine, same device certificate, datagrams <= $COAPS_DGRAM bytes ==="
	echo "device        EUI-64 ${coaps_eui:-?} (from its certificate, accepted by the application server)"
	echo "server        aaa.example.com:5684 (coaps-server; name checked by the device)"
	echo "suite         ${coaps_suite:-?}; the session kept between runs: $coaps_resumed of 6 handshakes resumed"
	echo "cached_info   the second full handshake got the hash of the server's chain, not the chain"
	echo
	printf '%-60s %11s %15s %8s\n' "" "datagrams" "UDP bytes" "time"
	printf '%-60s %11s %15s %8s\n' "" "out/in" "out/in" "ms"
	for _s in "discovery|GET /.well-known/core (full handshake)" \
		"cached|GET /sensors/temp (full handshake, cached_info)" \
		"get|GET /sensors/temp (resumed)" \
		"observe|observe /sensors/temp 4 s, $coaps_notes notifications (resumed)" \
		"upload|PUT /firmware 1024 bytes in 32-byte Block1 blocks (resumed)" \
		"readback|GET /firmware, $coaps_blocks Block2 blocks (resumed)"; do
		_n=${_s%%|*}
		eval "_o=\$coaps_${_n}_out _i=\$coaps_${_n}_in _ms=\$coaps_${_n}_ms"
		printf '%-60s %11s %15s %8s\n' "${_s#*|}" "${_o%/*}/${_i%/*}" "${_o#*/}/${_i#*/}" "$_ms"
	done
}
