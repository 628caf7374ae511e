#!/bin/sh
# make demo: a device (iot-tls client) and a server (iot-tls server) do a DTLS 1.2 handshake with
# mutual ECDSA P-256 certificates and TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 on 127.0.0.1, exchange one
# message, and the summary says who authenticated to whom. (Grows into the EAP + CoAPS demo.)
set -eu
BUILD=${1:-build}
BIN=$BUILD/bin/iot-tls
PKI=$BUILD/pki
tmp=$(mktemp -d)
srv_pid=""
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "reply from the server" | timeout 30 "$BIN" --listen "127.0.0.1:$port" --dtls \
	--cert "$PKI/server.pem" --key "$PKI/server.key.pem" --ca "$PKI/ca.pem" \
	--verify-client required --suites ECDHE-ECDSA-AES128-CCM8 --mtu 1280 \
	>"$tmp/server.out" 2>"$tmp/server.err" &
srv_pid=$!
sleep 0.3

echo "hello from the device" | timeout 30 "$BIN" --connect "127.0.0.1:$port" --dtls \
	--cert "$PKI/device.pem" --key "$PKI/device.key.pem" --ca "$PKI/ca.pem" \
	--server-name aaa.example.com --suites ECDHE-ECDSA-AES128-CCM8 --mtu 1280 \
	>"$tmp/client.out" 2>"$tmp/client.err" && rc=0 || rc=$?
wait "$srv_pid" 2>/dev/null && src=0 || src=$?
srv_pid=""

echo "== eap_iot demo: DTLS 1.2, mutual certificates, 127.0.0.1:$port =="
echo "device  -> $(grep 'iot-tls:' "$tmp/client.err" | tail -n 1)"
echo "server  -> $(grep 'iot-tls:' "$tmp/server.err" | tail -n 1)"
echo "server received: $(cat "$tmp/server.out")"
echo "device received: $(cat "$tmp/client.out")"
if [ "$rc" -eq 0 ] && [ "$src" -eq 0 ]; then
	echo "result: OK"
else
	echo "result: FAILED (client exit $rc, server exit $src)"
	exit 1
fi
