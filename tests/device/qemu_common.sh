# shellcheck shell=sh
# tests/device/qemu_common.sh — sourced by tests/device/qemu_psk.sh and qemu_cert.sh: a device
# program (device/<program>_client.c) on an emulated Cortex-M4 (QEMU mps2-an386, Debian's
# qemu-system-arm) against the host's real DTLS server, which the calling script starts
# between device_prepare and device_run (its own credentials and options): iot-tls --listen
# --dtls --echo on $UDP_PORT, QEMU's UART0 on a free TCP port, tests/device/uart_udp_relay.py
# between them. The test passes when the device exits 0 (full handshake, its 40-byte CoAP
# message echoed back, close_notify), iot-tls printed the message and ended cleanly, and the
# relay saw the device close its port; device_run then prints the device's measurements, the
# relay's counts and the ELF's sizes. Every wait is bounded: a test takes at most about 100 s
# (a passing run a few seconds after the build). Scratch: BUILD/device/run-<program>.

# the text of the device's message (device/app_common.c)
MESSAGE="qemu-m4 eap_iot t=21.5C ok!"
SERVER_PID="" QEMU_PID=""

fail() {
	echo "qemu_$PROG: FAIL: $*" >&2
	for f in qemu.out qemu.err server.err relay.out; do
		[ -s "$RUN/$f" ] && { echo "--- $f" >&2; tail -n 20 "$RUN/$f" >&2; }
	done
	exit 1
}

cleanup() {
	for p in $SERVER_PID $QEMU_PID; do
		kill "$p" 2>/dev/null || true
	done
}

# device_prepare BUILD_DIR PROGRAM: QEMU, the host's iot-tls and the device program PROGRAM
# (psk or cert, built now); sets BUILD, IOT_TLS, ELF, RUN, PROG and two free ports, UDP_PORT for
# the server and TCP_PORT for QEMU's serial port. The caller has set DEVICE_TESTS (this folder).
device_prepare() {
	PROG=$2
	mkdir -p "$1"
	BUILD=$(cd "$1" && pwd)
	IOT_TLS=$BUILD/bin/iot-tls
	ELF=$BUILD/device/${PROG}_client.elf
	RUN=$BUILD/device/run-$PROG
	if ! command -v qemu-system-arm >/dev/null 2>&1; then
		export DEBIAN_FRONTEND=noninteractive
		timeout 600 apt-get update -qq >/dev/null 2>&1 || true
		timeout 600 apt-get install -y -qq qemu-system-arm >/dev/null 2>&1 ||
			fail "apt-get install qemu-system-arm failed"
	fi
	[ -x "$IOT_TLS" ] || fail "$IOT_TLS is missing (make builds it)"
	rm -rf "$RUN"
	timeout 900 sh "$DEVICE_TESTS/../../device/build.sh" "$BUILD" "$PROG" ||
		fail "device/build.sh failed"
	mkdir -p "$RUN"
	trap cleanup EXIT INT TERM
	ports=$(timeout 10 python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
t = socket.socket(); t.bind(("127.0.0.1", 0))
print(u.getsockname()[1], t.getsockname()[1])')
	UDP_PORT=${ports% *}
	TCP_PORT=${ports#* }
}

# server_listening: wait (5 s at most) until the server started as SERVER_PID listens.
server_listening() {
	i=0
	until ss -Huln "sport = :$UDP_PORT" | grep -q .; do
		i=$((i + 1))
		[ $i -le 50 ] || fail "iot-tls does not listen on UDP $UDP_PORT"
		kill -0 "$SERVER_PID" 2>/dev/null || fail "iot-tls ended before listening"
		sleep 0.1
	done
}

# server_stopped: server_rc, the server's exit status once it ended by itself (it does after
# the device's close_notify; 5 s at most), else "still running (stopped)" after stopping it.
server_stopped() {
	i=0
	while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	server_rc=0
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		server_rc="still running (stopped)"
	else
		wait "$SERVER_PID" 2>/dev/null || server_rc=$?
	fi
	SERVER_PID=""
}

# device_run TEXT: with the server started (SERVER_PID), run the device through the relay, then
# the verdict, in which the server's stderr must hold TEXT (its handshake line: suite, peer);
# on success print the device's result line, the relay's counts and the ELF's sizes.
device_run() {
	server_listening
	# QEMU waits for the relay to connect before the CPU starts
	timeout 90 qemu-system-arm -M mps2-an386 -icount shift=0 \
		-semihosting-config enable=on,target=native \
		-serial "tcp:127.0.0.1:$TCP_PORT,server=on,wait=on" -display none -monitor none \
		-kernel "$ELF" >"$RUN/qemu.out" 2>"$RUN/qemu.err" &
	QEMU_PID=$!
	relay_rc=0
	timeout 95 python3 -B "$DEVICE_TESTS/uart_udp_relay.py" --serial "127.0.0.1:$TCP_PORT" \
		--udp "127.0.0.1:$UDP_PORT" --timeout 85 --connect-timeout 10 >"$RUN/relay.out" 2>&1 ||
		relay_rc=$?
	qemu_rc=0
	wait "$QEMU_PID" || qemu_rc=$?
	QEMU_PID=""
	server_stopped

	line=$(grep -h "^${PROG}_client: " "$RUN/qemu.out" "$RUN/qemu.err" | head -n 1 || true)
	[ "$qemu_rc" = 0 ] || fail "the device exited $qemu_rc: ${line:-no result line}"
	case $line in
	"${PROG}_client: handshake ok, echo ok "*) ;;
	*) fail "the device's result line: ${line:-none}" ;;
	esac
	grep -q "$MESSAGE" "$RUN/server.out" || fail "iot-tls did not print the device's message"
	[ "$server_rc" = 0 ] || fail "iot-tls ended with $server_rc"
	grep -qF "$1" "$RUN/server.err" || fail "iot-tls did not say '$1'"
	[ "$relay_rc" = 0 ] || fail "the relay ended with $relay_rc"

	echo "$line"
	cat "$RUN/relay.out"
	arm-none-eabi-size "$ELF" | awk 'NR == 2 { printf "elf: flash %d B (text %d + data %d), static RAM %d B (data %d + bss %d)\n", $1 + $2, $1, $2, $2 + $3, $2, $3 }'
}
