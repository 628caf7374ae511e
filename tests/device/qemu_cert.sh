#!/bin/sh
# tests/device/qemu_cert.sh [BUILD_DIR] — the DTLS certificate device program
# (device/cert_client.c, cert-client profile) on an emulated Cortex-M4 (QEMU mps2-an386)
# against the host's real DTLS server, iot-tls --listen --dtls --echo: ECDHE-ECDSA with
# AES-128-CCM_8 and mutual authentication, both sides from the test PKI (BUILD_DIR/pki, `make
# pki`): the server presents server.pem (aaa.example.com), the device verifies it against
# ca.der and presents device.der, which the server requires and verifies against ca.pem. The
# run, the verdict and what it prints are tests/device/qemu_common.sh's. Passes (exit 0) on a
# full handshake, the device's 40-byte CoAP message echoed back and close_notify; at most about
# 100 s (a few seconds after the build).
#
# Records: 64-byte plaintext both ways at MTU 127, as in qemu_psk.sh, and for the same reason
# with the cookie exchange off (--no-cookie).
set -eu
DEVICE_TESTS=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=qemu_common.sh
. "$DEVICE_TESTS/qemu_common.sh"

device_prepare "${1:-build}" cert
PKI=$BUILD/pki
[ -s "$PKI/server.pem" ] || fail "$PKI/server.pem is missing (make pki makes the test PKI)"

# ---- the server: one connection, echoes what it receives and prints it on stdout ----
timeout 100 "$IOT_TLS" --listen "127.0.0.1:$UDP_PORT" --dtls --cert "$PKI/server.pem" \
	--key "$PKI/server.key.pem" --ca "$PKI/ca.pem" --verify-client required \
	--suites ECDHE-ECDSA-AES128-CCM8 --mtu 127 --max-record 64 --no-cookie --echo --timeout 90 \
	</dev/null >"$RUN/server.out" 2>"$RUN/server.err" &
SERVER_PID=$!

# the suite, and the server verified the device's certificate: it names its EUI-64 (device.pem)
device_run "suite TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE), EMS yes, resumed no, peer EUI-64 00-11-22-33-44-55-66-77"
echo "qemu_cert: PASS"
