# tests/interop/lib.sh — shared by the interop tests (sourced; not a test itself).
#
# A test is `sh test_<name>.sh BUILD_DIR INDEX` and runs one exchange between build/bin/iot-tls and
# a real peer (openssl s_server/s_client, gnutls-serv/gnutls-cli) over 127.0.0.1, or inside a
# private network namespace for gnutls-serv (it cannot bind one address). It passes only when the
# handshake succeeded, both sides name the expected suite, data crossed both ways and iot-tls
# exited 0. A missing peer program is a failure, never a skip.
#
# Hygiene: every peer runs under `timeout`; ports come from 24000 + 10*INDEX (below the kernel's
# ephemeral range, 32768 up, where any outgoing socket of the machine may hold one) and are checked free;
# only the PIDs started here are stopped; the temp folder and the namespace go in the EXIT trap.
# The stdin of each side is a fifo held open by this shell (fds 7 and 8), so data is written only
# after the handshake and EOF comes exactly when the test closes it.
set -u

BUILD=$(cd "${1:?usage: test.sh BUILD_DIR [INDEX]}" && pwd)
IDX=${2:-0}
IOT=$BUILD/bin/iot-tls
PKI=$BUILD/pki
PSK_ID=device1
PSK_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
LIMIT=30                      # seconds any peer may live
T=$(mktemp -d "${TMPDIR:-/tmp}/eiot-interop.XXXXXX")
PIDS=""
NS=""
IN_NS=""                      # "ip netns exec NS" when the peers live in the namespace

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Print why, then every log of this test, and fail.
fail() {
	echo "FAIL: $*"
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f")"
		tail -n 25 "$f"
	done
	exit 1
}

need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || fail "required program '$t' is not installed"
	done
	[ -x "$IOT" ] || fail "$IOT was not built"
	[ -f "$PKI/ca.pem" ] || fail "no test PKI in $PKI"
}

# PORT := a free TCP and UDP port on the loopback, from this test's own range.
pick_port() {
	PORT=$((24000 + 10 * IDX))
	while [ -n "$(ss -Hantu "sport = :$PORT" 2>/dev/null)" ]; do
		PORT=$((PORT + 1))
		[ "$PORT" -lt $((24010 + 10 * IDX)) ] || fail "no free port for test $IDX"
	done
}

# wait_port tcp|udp [CHECK]: until something listens on $PORT (in the namespace if any);
# CHECK, a command, runs each round and may fail the test at once (a peer that died first).
wait_port() {
	flag=-Hltn
	[ "$1" = udp ] && flag=-Hlun
	i=0
	while [ -z "$($IN_NS ss $flag "sport = :$PORT" 2>/dev/null)" ]; do
		[ -z "${2:-}" ] || "$2"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "nothing listens on $1 port $PORT"
		sleep 0.1
	done
}

# wait_for FILE PATTERN [SECONDS]: until FILE holds the fixed string PATTERN.
wait_for() {
	i=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt $((${3:-10} * 10)) ] || fail "'$2' never appeared in $(basename "$1")"
		sleep 0.1
	done
}

# Private namespace with only lo up; the peers of this test run inside it.
make_ns() {
	NS=eiot-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	ip netns add "$NS" || { NS=""; fail "cannot create a network namespace"; }
	ip netns exec "$NS" ip link set lo up || fail "cannot bring lo up in $NS"
	IN_NS="ip netns exec $NS"
}

# Fifos for the two stdins: fd 7 feeds the server, fd 8 the client.
open_stdins() {
	mkfifo "$T/srv.in" "$T/cli.in"
	exec 7<>"$T/srv.in" 8<>"$T/cli.in"
}

# start NAME CMD...: run CMD under timeout (in the namespace if any), stdin from NAME's fifo,
# stdout to NAME.out, stderr to NAME.log. NAME is srv or cli; PID of the last one in LAST.
start() {
	name=$1
	shift
	timeout $LIMIT $IN_NS "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.log" 7>&- 8>&- &
	LAST=$!
	PIDS="$PIDS $LAST"
}

# finish PID WHAT: wait for PID (bounded by its timeout) and require exit status 0.
finish() {
	wait "$1"
	rc=$?
	[ $rc -eq 0 ] || fail "$2 exited with status $rc"
}

# Options of iot-tls and both peers for one case: MODE tls|dtls, KIND psk|ccm8|gcm. A test may
# set IOT_MTU / OSSL_MTU (DTLS datagram sizes of iot-tls and openssl) before calling.
case_opts() {
	MODE=$1
	KIND=$2
	case $KIND in
	psk) OSSL_SUITE=PSK-AES128-CCM8; IANA="TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8)"
	     GNUTLS_DESC="(PSK)-(AES-128-CCM-8)"; GNUTLS_CIPHER=AES-128-CCM-8; GNUTLS_KX=PSK
	     GNUTLS_SUITE=GNUTLS_PSK_AES_128_CCM_8 ;;
	ccm8) OSSL_SUITE=ECDHE-ECDSA-AES128-CCM8; IANA="TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (0xC0AE)"
	     GNUTLS_DESC="(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-128-CCM-8)"
	     GNUTLS_CIPHER=AES-128-CCM-8; GNUTLS_KX=ECDHE-ECDSA
	     GNUTLS_SUITE=GNUTLS_ECDHE_ECDSA_AES_128_CCM_8 ;;
	gcm) OSSL_SUITE=ECDHE-ECDSA-AES128-GCM-SHA256
	     IANA="TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xC02B)"
	     GNUTLS_DESC="(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-128-GCM)"
	     GNUTLS_CIPHER=AES-128-GCM; GNUTLS_KX=ECDHE-ECDSA
	     GNUTLS_SUITE=GNUTLS_ECDHE_ECDSA_AES_128_GCM_SHA256 ;;
	*) fail "unknown case kind $KIND" ;;
	esac
	if [ "$MODE" = dtls ]; then
		IOT_MODE="--dtls ${IOT_MTU:+--mtu $IOT_MTU}"; OSSL_MODE="-dtls1_2 -mtu ${OSSL_MTU:-1500}"
		GNUTLS_MODE=--udp; VERS=DTLS1.2; PROTO=udp
	else
		IOT_MODE=""; OSSL_MODE=-tls1_2; GNUTLS_MODE=""; VERS=TLS1.2; PROTO=tcp
	fi
	PRIO="NORMAL:-VERS-ALL:+VERS-$VERS:-CIPHER-ALL:+$GNUTLS_CIPHER:-MAC-ALL:+AEAD:-KX-ALL:+$GNUTLS_KX"
	PRIO="$PRIO:-GROUP-ALL:+GROUP-SECP256R1"
	if [ "$KIND" = psk ]; then
		IOT_CLI="--psk-identity $PSK_ID --psk $PSK_KEY --suites $OSSL_SUITE"
		IOT_SRV="--psk $PSK_ID:$PSK_KEY --suites $OSSL_SUITE"
		OSSL_SRV="-cipher $OSSL_SUITE -psk $PSK_KEY -psk_identity $PSK_ID -nocert"
		OSSL_CLI="-cipher $OSSL_SUITE -psk $PSK_KEY -psk_identity $PSK_ID"
		echo "$PSK_ID:$PSK_KEY" >"$T/psk.txt"
		GNUTLS_SRV="--pskpasswd $T/psk.txt"
		GNUTLS_CLI="--pskusername $PSK_ID --pskkey $PSK_KEY"
	else
		IOT_CLI="--cert $PKI/device.pem --key $PKI/device.key.pem --ca $PKI/ca.pem"
		IOT_CLI="$IOT_CLI --server-name aaa.example.com --suites $OSSL_SUITE"
		IOT_SRV="--cert $PKI/server.pem --key $PKI/server.key.pem --ca $PKI/ca.pem"
		IOT_SRV="$IOT_SRV --verify-client required --suites $OSSL_SUITE"
		OSSL_SRV="-cipher $OSSL_SUITE -cert $PKI/server.pem -key $PKI/server.key.pem"
		OSSL_SRV="$OSSL_SRV -CAfile $PKI/ca.pem -Verify 1 -verify_return_error -groups P-256"
		OSSL_CLI="-cipher $OSSL_SUITE -cert $PKI/device.pem -key $PKI/device.key.pem"
		OSSL_CLI="$OSSL_CLI -CAfile $PKI/ca.pem -verify_return_error -groups P-256"
		OSSL_CLI="$OSSL_CLI -servername aaa.example.com -verify_hostname aaa.example.com"
		GNUTLS_SRV="--x509certfile $PKI/server.pem --x509keyfile $PKI/server.key.pem"
		GNUTLS_SRV="$GNUTLS_SRV --x509cafile $PKI/ca.pem --require-client-cert --verify-client-cert"
		GNUTLS_CLI="--x509certfile $PKI/device.pem --x509keyfile $PKI/device.key.pem"
		GNUTLS_CLI="$GNUTLS_CLI --x509cafile $PKI/ca.pem --sni-hostname aaa.example.com"
		GNUTLS_CLI="$GNUTLS_CLI --verify-hostname aaa.example.com"
	fi
	CLI_DATA="iot-interop client data $$"
	SRV_DATA="iot-interop server data $$"
}

# The client's stdin ends; the client closes with close_notify and must exit 0.
end_client() {
	exec 8>&-
	finish "$CLI_PID" "$1"
}

# iot-tls client -> openssl s_server: suite on both sides, data both ways, clean exit.
# A caller may set BEFORE_CLIENT (a function run once the port is chosen), IOT_CLI_EXTRA
# (more iot-tls options) and OSSL_SRV_EXTRA (more s_server options); the first two hold for
# client_vs_gnutls too.
client_vs_openssl() {
	need openssl timeout ss
	case_opts "$1" "$2"
	pick_port
	open_stdins
	listen=""
	[ "$MODE" = dtls ] && listen=-listen
	${BEFORE_CLIENT:-:}
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 1 $listen $OSSL_MODE $OSSL_SRV \
		${OSSL_SRV_EXTRA:-}
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI ${IOT_CLI_EXTRA:-} --timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	wait_for "$T/srv.out" "CIPHER is $OSSL_SUITE"
	grep -qF "suite $IANA" "$T/cli.log" || fail "iot-tls did not report $IANA"
	echo "$CLI_DATA" >&8
	echo "$SRV_DATA" >&7
	wait_for "$T/srv.out" "$CLI_DATA"
	wait_for "$T/cli.out" "$SRV_DATA"
	end_client "iot-tls client"
}

# iot-tls client -> gnutls-serv --echo in a private namespace (-d 4 logs the selected suite).
client_vs_gnutls() {
	need gnutls-serv timeout ss ip
	case_opts "$1" "$2"
	make_ns
	pick_port
	open_stdins
	${BEFORE_CLIENT:-:}
	start srv gnutls-serv --echo -d 4 --port $PORT $GNUTLS_MODE --priority "$PRIO" $GNUTLS_SRV
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI ${IOT_CLI_EXTRA:-} --timeout 25 --idle 500
	CLI_PID=$LAST
	wait_for "$T/cli.log" "handshake ok"
	grep -qF "suite $IANA" "$T/cli.log" || fail "iot-tls did not report $IANA"
	echo "$CLI_DATA" >&8
	wait_for "$T/cli.out" "$CLI_DATA"
	wait_for "$T/srv.log" "Selected cipher suite: $GNUTLS_SUITE"
	end_client "iot-tls client"
}

# openssl s_client -> iot-tls server; the client's close_notify ends the server with status 0.
# A caller may set OSSL_CLI_EXTRA and IOT_SRV_EXTRA (more options of each side).
openssl_vs_server() {
	need openssl timeout ss
	case_opts "$1" "$2"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE $IOT_SRV ${IOT_SRV_EXTRA:-} --timeout 25
	SRV_PID=$LAST
	wait_port $PROTO
	start cli openssl s_client -connect 127.0.0.1:$PORT $OSSL_MODE $OSSL_CLI ${OSSL_CLI_EXTRA:-}
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	wait_for "$T/cli.out" "Cipher is $OSSL_SUITE"
	grep -qF "suite $IANA" "$T/srv.log" || fail "iot-tls did not report $IANA"
	echo "$CLI_DATA" >&8
	echo "$SRV_DATA" >&7
	wait_for "$T/srv.out" "$CLI_DATA"
	wait_for "$T/cli.out" "$SRV_DATA"
	end_client "openssl s_client"
	finish "$SRV_PID" "iot-tls server"
}

# gnutls-cli -> iot-tls server --echo.
gnutls_vs_server() {
	need gnutls-cli timeout ss
	case_opts "$1" "$2"
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_MODE $IOT_SRV --echo --timeout 25
	SRV_PID=$LAST
	wait_port $PROTO
	start cli gnutls-cli --port $PORT 127.0.0.1 $GNUTLS_MODE --priority "$PRIO" $GNUTLS_CLI
	CLI_PID=$LAST
	wait_for "$T/srv.log" "handshake ok"
	wait_for "$T/cli.out" "Description: ($VERS-X.509)-$GNUTLS_DESC"
	grep -qF "suite $IANA" "$T/srv.log" || fail "iot-tls did not report $IANA"
	echo "$CLI_DATA" >&8
	wait_for "$T/srv.out" "$CLI_DATA"
	wait_for "$T/cli.out" "$CLI_DATA"
	end_client "gnutls-cli"
	finish "$SRV_PID" "iot-tls server"
}

# expect_one_line FILE PATTERN: iot-tls failed with exactly one stderr line matching PATTERN (ERE).
expect_one_line() {
	[ "$(wc -l <"$1")" -eq 1 ] || fail "expected exactly one line in $(basename "$1")"
	grep -qE -- "$2" "$1" || fail "$(basename "$1") does not match '$2'"
}

# iot-tls client with the wrong reference name -> openssl s_server: status 1, one line, and the
# server received the bad_certificate alert (RFC 7925 §4.4.1, RFC 5246 §7.2.2).
client_bad_name_vs_openssl() {
	need openssl timeout ss
	case_opts "$1" ccm8
	pick_port
	open_stdins
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 1 $OSSL_MODE $OSSL_SRV
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI --server-name bbb.example.com \
		--timeout 25
	wait "$LAST"
	rc=$?
	[ $rc -eq 1 ] || fail "iot-tls client exited with status $rc, expected 1"
	expect_one_line "$T/cli.log" "^iot-tls: handshake failed: .*\\(alert bad_certificate sent\\)$"
	wait_for "$T/srv.log" "SSL alert number 42"
}

# openssl s_client with the wrong PSK -> iot-tls server (TLS): the client's Finished fails record
# authentication; status 1, one line naming bad_record_mac, and the client received alert 20.
wrong_psk_vs_server() {
	need openssl timeout ss
	case_opts tls psk
	pick_port
	open_stdins
	start srv "$IOT" --listen 127.0.0.1:$PORT $IOT_SRV --timeout 25
	SRV_PID=$LAST
	wait_port tcp
	start cli openssl s_client -connect 127.0.0.1:$PORT $OSSL_MODE -cipher $OSSL_SUITE \
		-psk "ff$PSK_KEY" -psk_identity $PSK_ID
	wait "$SRV_PID"
	rc=$?
	[ $rc -eq 1 ] || fail "iot-tls server exited with status $rc, expected 1"
	expect_one_line "$T/srv.log" "^iot-tls: handshake failed: .*\\(alert bad_record_mac sent\\)$"
	wait_for "$T/cli.log" "SSL alert number 20"
}

# openssl s_server with the certificate CERT (a broken one from the PKI) -> iot-tls client:
# status 1, exactly one line matching CLI_PATTERN, and SRV_PATTERN in s_server's log.
client_bad_cert_vs_openssl() {
	need openssl timeout ss
	case_opts "$1" ccm8
	cert=$2 cli_pattern=$3 srv_pattern=$4
	pick_port
	open_stdins
	start srv openssl s_server -accept 127.0.0.1:$PORT -naccept 1 $OSSL_MODE \
		-cipher $OSSL_SUITE -cert $PKI/$cert.pem -key $PKI/$cert.key.pem
	wait_port $PROTO
	start cli "$IOT" --connect 127.0.0.1:$PORT $IOT_MODE $IOT_CLI --timeout 25
	wait "$LAST"
	rc=$?
	[ $rc -eq 1 ] || fail "iot-tls client exited with status $rc, expected 1"
	expect_one_line "$T/cli.log" "$cli_pattern"
	wait_for "$T/srv.log" "$srv_pattern"
}
