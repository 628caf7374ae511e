#!/bin/sh
# tests/device/qemu_psk.sh [BUILD_DIR] — the DTLS PSK device program (device/psk_client.c) on an
# emulated Cortex-M4 (QEMU mps2-an386) against the host's real DTLS server, iot-tls --listen
# --dtls --echo, with the device's pre-shared key; the run, the verdict and what it prints are
# tests/device/qemu_common.sh's. Passes (exit 0) on a full handshake, the device's 40-byte CoAP
# message echoed back and close_notify; at most about 100 s (a few seconds after the build).
set -eu
DEVICE_TESTS=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=qemu_common.sh
. "$DEVICE_TESTS/qemu_common.sh"
# the device's test credential (device/psk_client.c)
PSK_ID=qemu-m4
PSK_HEX=00112233445566778899aabbccddeeff

device_prepare "${1:-build}" psk

# ---- the server: one connection, echoes what it receives and prints it on stdout ----
timeout 100 "$IOT_TLS" --listen "127.0.0.1:$UDP_PORT" --dtls --psk "$PSK_ID:$PSK_HEX" \
	--suites PSK-AES128-CCM8 --mtu 127 --max-record 64 --echo --timeout 90 \
	</dev/null >"$RUN/server.out" 2>"$RUN/server.err" &
SERVER_PID=$!

device_run "suite TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8), EMS yes, resumed no, PSK identity $PSK_ID"
echo "qemu_psk: PASS"
