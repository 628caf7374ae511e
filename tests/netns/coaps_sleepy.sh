#!/bin/sh
# tests/netns/coaps_sleepy.sh CASE — a sleepy device that keeps its whole DTLS connection in a
# file (coaps-client --saved FILE, as a device keeps it in flash) and sends each request from a
# new process, behind a NAT. coaps-server (PSK) runs in namespace srv (10.78.0.1), the device in
# namespace cli (10.78.0.2), a veth pair between them; nat_relay.py in cli is the NAT: the device
# sends to it on 127.0.0.1:5684 and the server sees only the relay's one outgoing socket
# (10.78.0.2:PORT), whichever device process spoke; SIGUSR1 makes the relay rebind to a new port
# (a NAT that lost its mapping). Every run is a GET /sensors/temp that must end in 2.05, exit 0.
# CASE:
#   restore     runs 1..4: one full handshake, then three runs restored with no handshake (the
#               server saw one handshake, four requests); then F with one byte flipped, then F
#               cut to half its length: each time the client says "not usable" and does a full
#               handshake (from the same address the established session has); a last run is
#               restored again; run 8's state cannot be stored (its directory is a file): a
#               full handshake and a 2.05, then "not stored", a non-zero exit and no
#               close_notify (the save reserved numbers no file holds): 8 runs, 4 handshakes,
#               0 moved, no session closed at the server.
#   nat-cid     client --cid, server --cid 6: run 1 (handshake), the relay rebinds, run 2 is
#               restored and its request, from the new port, moves the session (RFC 9146 §6):
#               1 handshake, 2 requests (the second from the new port), 1 moved.
#   nat-no-cid  the same without connection IDs: after the rebind the server drops run 2's
#               request (an unknown address, not a ClientHello), CoAP gives up (short timers:
#               ACK_TIMEOUT 1 s, MAX_RETRANSMIT 1), the client asks again on a new connection
#               (a full handshake) and gets its 2.05; run 3 is restored from what run 2 saved:
#               2 handshakes, 3 requests, 0 moved; the server left the two datagrams from the
#               new port unanswered (the relay's counters).
# The server's handshakes are counted twice (its -v 2 "DTLS session established" lines and its
# final statistics line), as are its requests (its -v 1 request lines and the statistics). Ends
# with one summary line; FAIL names every check that failed.
set -u
. "$(dirname "$0")/lib.sh"
HERE=$TOP/tests/netns
BIN=$BUILD/bin
CASE=${1:-}
KEY=sleepy-device-secret
SRV=10.78.0.1
STATE=$WORK/device.state
case $CASE in
restore | nat-no-cid) SRV_CID="" CLI_CID="" ;;
nat-cid) SRV_CID="--cid 6" CLI_CID=--cid ;;
*) fail "usage: coaps_sleepy.sh restore|nat-cid|nat-no-cid (got '$CASE')" ;;
esac
need "$BIN/coaps-server" "$BIN/coaps-client" python3 od dd
START=$(date +%s)

# the topology: srv and cli joined by a veth pair
srv="" cli="" # set by netns_pair
netns_pair "$SRV" 10.78.0.2

# the server: request lines (-v 1) and DTLS events (-v 2) in one log, statistics at the end
# shellcheck disable=SC2086 # SRV_CID: no option or two words
spawn "$srv" 60 "$WORK/server.out" "$BIN/coaps-server" -A "$SRV" -p 5684 -u device1 -k "$KEY" -v 2 \
	--dtls-timeout 1000 --ack-timeout 1000 --max-retransmit 1 -B 55 $SRV_CID
SERVER=$LAST_PID
wait_log "$WORK/server.out" "serving coaps on" 10 "$SERVER" ||
	{ cat "$WORK/server.out"; fail "coaps-server did not start"; }

# the NAT, in front of the device; RELAY is timeout's PID, RELAY_PY the relay's own (signalled)
spawn "$cli" 60 "$WORK/relay.out" python3 "$HERE/nat_relay.py" 127.0.0.1 5684 "$SRV" 5684 --lifetime 55
RELAY=$LAST_PID
wait_log "$WORK/relay.out" "listening" 10 "$RELAY" || { cat "$WORK/relay.out"; fail "nat_relay did not start"; }
RELAY_PY=$(sed -n 's/^nat_relay: pid \([0-9]*\),.*/\1/p' "$WORK/relay.out")
PORT1=$(sed -n 's/^nat_relay: .* from port \([0-9]*\)$/\1/p' "$WORK/relay.out")

# Every check runs and says what it found; one FAIL line at the end names those that failed.
failed=""
problem() {
	say "problem: $*"
	failed="$failed; $*"
}

# run N: the device wakes, sends its GET through the NAT, sleeps; said N: how its DTLS went
# ("new: full handshake", "restored: no handshake", ...)
runs=0
run() {
	runs=$1
	# shellcheck disable=SC2086 # CLI_CID: no option or one word
	ip netns exec "$cli" timeout 30 "$BIN/coaps-client" -u device1 -k "$KEY" -v 1 --saved "$STATE" \
		--dtls-timeout 1000 --ack-timeout 1000 --max-retransmit 1 -B 20 $CLI_CID \
		coaps://127.0.0.1:5684/sensors/temp >"$WORK/run$1.body" 2>"$WORK/run$1.out"
	echo $? >"$WORK/run$1.rc"
	say "run $1: exit $(cat "$WORK/run$1.rc"), DTLS session $(said "$1"), $(grep -c . "$WORK/run$1.body") value(s)"
}
said() { sed -n 's/^coaps-client: DTLS session //p' "$WORK/run$1.out" | tail -1; }

# expect_run N HOW [PATTERN]: run N exited 0 with a 2.05 and a value, its DTLS session went HOW,
# and its log has a line matching PATTERN (extended regex)
expect_run() {
	[ "$(cat "$WORK/run$1.rc")" = 0 ] ||
		problem "run $1 exited $(cat "$WORK/run$1.rc"): $(grep -v 'DTLS session' "$WORK/run$1.out" | tail -1)"
	grep -q '^coaps-client: response 2\.05' "$WORK/run$1.out" || problem "run $1: no 2.05"
	grep -q . "$WORK/run$1.body" || problem "run $1: no value on stdout"
	[ "$(said "$1")" = "$2" ] || problem "run $1: DTLS session '$(said "$1")', expected '$2'"
	[ -z "${3:-}" ] || grep -Eq -e "$3" "$WORK/run$1.out" || problem "run $1: no line matching '$3'"
}

# handshakes N WHEN: the server logged N established DTLS sessions so far
handshakes() {
	_n=$(count_log "$WORK/server.out" ': DTLS session established')
	[ "$_n" = "$1" ] || problem "$2: the server established $_n DTLS sessions, expected $1"
}

# rebind: the NAT loses its mapping; waits until the relay says it has a new port (PORT2)
rebind() {
	kill -USR1 "$RELAY_PY" || fail "cannot signal nat_relay (pid $RELAY_PY)"
	wait_log "$WORK/relay.out" "^nat_relay: rebind 1: " 5 "$RELAY" || fail "nat_relay did not rebind"
	PORT2=$(sed -n 's/^nat_relay: rebind 1: port [0-9]* -> \([0-9]*\)$/\1/p' "$WORK/relay.out")
	say "the NAT rebound: port $PORT1 -> $PORT2"
}

# flip_byte FILE OFFSET: its byte there inverted, in place
flip_byte() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the octal escape of the byte
	printf "\\$(printf %o $((_b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

T0=$(date +%s)
case $CASE in
restore)
	run 1
	expect_run 1 "new: full handshake"
	handshakes 1 "after run 1"
	for i in 2 3 4; do
		run $i
		expect_run $i "restored: no handshake" "restored from .*: no handshake"
	done
	handshakes 1 "after runs 2..4"
	[ -n "$(find "$STATE" -perm 0600)" ] || problem "the state file's mode is not 0600"
	size=$(wc -c <"$STATE")
	flip_byte "$STATE" $((size / 2))
	run 5
	expect_run 5 "new: full handshake" "--saved .*: not usable \(.*\): a full handshake"
	handshakes 2 "after run 5 (a byte of the state flipped)"
	size=$(wc -c <"$STATE")
	dd if="$STATE" of="$WORK/cut.state" bs=1 count=$((size / 2)) 2>/dev/null && mv "$WORK/cut.state" "$STATE"
	run 6
	expect_run 6 "new: full handshake" "--saved .*: not usable \(.*\): a full handshake"
	handshakes 3 "after run 6 (the state cut to $((size / 2)) of its $size bytes)"
	run 7
	expect_run 7 "restored: no handshake"
	: >"$WORK/not-a-dir"
	STATE=$WORK/not-a-dir/device.state
	run 8
	[ "$(cat "$WORK/run8.rc")" != 0 ] || problem "run 8 exited 0 with a state it could not store"
	grep -q '^coaps-client: response 2\.05' "$WORK/run8.out" || problem "run 8: no 2.05"
	grep -q -e "--saved .*: not stored: this connection sends nothing more" "$WORK/run8.out" ||
		problem "run 8: no 'not stored' line"
	[ "$(count_log "$WORK/server.out" ': session closed')" = 0 ] ||
		problem "a session was closed at the server (run 8 sent close_notify?)"
	want="4 0 8 0" ;;
nat-cid)
	run 1
	expect_run 1 "new: full handshake"
	rebind
	run 2
	expect_run 2 "restored: no handshake" "restored from .*: no handshake"
	handshakes 1 "after run 2"
	grep -Eq ":$PORT1: moved to [0-9.]*:$PORT2 by its connection ID" "$WORK/server.out" ||
		problem "no 'moved to ...:$PORT2 by its connection ID' line from the server"
	want="1 0 2 1" ;;
nat-no-cid)
	run 1
	expect_run 1 "new: full handshake"
	rebind
	run 2
	expect_run 2 "new: full handshake" "asked again 1 times, 2 DTLS connections"
	handshakes 2 "after run 2"
	run 3
	expect_run 3 "restored: no handshake"
	want="2 0 3 0" ;;
esac
WALL=$(($(date +%s) - T0))

# the server's requests: the last one came from the NAT's last port, the first from its first
sed -n 's/^GET \/sensors\/temp, .* in \[[0-9.]*:\([0-9]*\) mid .*/\1/p' "$WORK/server.out" >"$WORK/ports"
first=$(head -n 1 "$WORK/ports") last=$(tail -n 1 "$WORK/ports")
[ "$first" = "$PORT1" ] || problem "the first request came from port $first, not the NAT's $PORT1"
[ "$last" = "${PORT2:-$PORT1}" ] || problem "the last request came from port $last, not the NAT's ${PORT2:-$PORT1}"

# the relay prints its counters when stopped, the server its statistics
stop "$RELAY"
stop "$SERVER"
# shellcheck disable=SC2046 # the counters line's words
set -- $(sed -n 's/^nat_relay: counters //p' "$WORK/relay.out")
[ $# = 14 ] || problem "no counters line from nat_relay"
relay="$2 datagrams / $4 B out, $6 / $8 B back, ${14} stray, ${12} rebinds"
[ "${12:-}" = "$([ "$CASE" = restore ] && echo 0 || echo 1)" ] || problem "nat_relay rebound ${12:-?} times"
# every datagram of ours was answered by one (no close_notify: the session stays open), but for
# nat-no-cid's request from the new port and its one retransmission, which the server ignored
unanswered=$(($2 - $6))
[ "$unanswered" = "$([ "$CASE" = nat-no-cid ] && echo 2 || echo 0)" ] ||
	problem "$unanswered datagrams to the server more than from it"
stats=$(sed -n 's/^coaps-server: \([0-9]* handshakes .*\)/\1/p' "$WORK/server.out")
got=$(echo "$stats" | sed -n 's/^\([0-9]*\) handshakes (\([0-9]*\) failed), \([0-9]*\) requests,.* \([0-9]*\) moved by connection ID$/\1 \2 \3 \4/p')
say "server: ${stats:-no statistics line}"
[ "$got" = "$want" ] || problem "server statistics (handshakes, failed, requests, moved): '$got', expected '$want'"
requests=$(count_log "$WORK/server.out" '^GET /sensors/temp, ')
[ "$requests" = "$runs" ] || problem "the server's handler saw $requests requests for $runs runs"

# shellcheck disable=SC2086 # its four numbers
set -- $got
say "summary: $CASE: $runs runs in ${WALL} s ($(($(date +%s) - START)) s in all): ${1:-?} handshakes," \
	"${3:-?} requests, ${4:-?} moved by connection ID; NAT: $relay"
[ -z "$failed" ] || fail "${failed#; }"
say "PASS"
