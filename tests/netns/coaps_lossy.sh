#!/bin/sh
# tests/netns/coaps_lossy.sh — CoAPS over a path that really loses, duplicates and reorders.
# coaps-server (PSK) runs in namespace srv (10.77.0.1), the clients in namespace cli
# (10.77.0.2), a veth pair between them. Each of RUNS (50) runs has its own lossy_relay.py
# in srv (port 6000+i, seed i) in front of the server; a run is a download of /firmware
# (4096 bytes in 1024-byte Block2 blocks) followed by a 3 s observation of /sensors/temp, both
# through that relay (so the server sees both from the relay's one address), all runs at
# once. Short timers on both sides (DTLS 1000 ms, CoAP ACK_TIMEOUT 1000 ms); the clients keep
# MAX_RETRANSMIT 4 and ask again when CoAP gives up (GET is idempotent), as a device on a bad
# link would. Passes when every download is exact, every client
# exits 0, no exchange reached a server handler twice (the server's -v 1 lines, each ending
# in "[ADDR:PORT mid 0xNNNN token HEX]", are all distinct) and the relays did drop, duplicate
# and reorder. Ends with a summary line (datagrams, what the relays did, runs that asked
# again, DTLS connections, wall time). LOSS (0.3), DUP and REORDER (0.1 each) set the relays'
# odds, each way.
set -u
. "$(dirname "$0")/lib.sh"
BIN=$BUILD/bin
RUNS=${RUNS:-50}
LOSS=${LOSS:-0.3} DUP=${DUP:-0.1} REORDER=${REORDER:-0.1}
KEY=lossy-relay-secret
SRV=10.77.0.1
need "$BIN/coaps-server" "$BIN/coaps-client" python3
START=$(date +%s)

# At exit, before lib.sh's cleanup: the run shells, then whatever still runs in our namespaces
# (the clients they started), so that nothing outlives the test.
JOBS=""
teardown() {
	for _p in $JOBS; do kill "$_p" 2>/dev/null; done
	for _sig in TERM KILL; do
		for _ns in $OUR_NS; do
			ip netns pids "$_ns" 2>/dev/null | xargs -r kill -s $_sig 2>/dev/null
		done
		sleep 0.2
	done
	cleanup
}
trap teardown EXIT

# the topology: srv and cli joined by a veth pair
srv="" cli="" # set by netns_pair
netns_pair "$SRV" 10.77.0.2

# the server, stdout (the -v 1 request lines) apart from stderr
ip netns exec "$srv" timeout 460 "$BIN/coaps-server" -A "$SRV" -p 5684 -u device1 -k "$KEY" -v 1 \
	--dtls-timeout 1000 --ack-timeout 1000 --max-retransmit 8 --handshake-rate 1000 -B 450 \
	>"$WORK/server.out" 2>"$WORK/server-stderr.out" &
SERVER=$!
OUR_PIDS="$OUR_PIDS $SERVER"
wait_log "$WORK/server-stderr.out" "serving coaps on" 10 "$SERVER" ||
	{ cat "$WORK/server-stderr.out"; fail "coaps-server did not start"; }

# one relay per run, seed i
RELAYS=""
i=1
while [ $i -le "$RUNS" ]; do
	spawn "$srv" 460 "$WORK/relay$i.out" python3 "$TOP/tests/netns/lossy_relay.py" "$SRV" \
		$((6000 + i)) "$SRV" 5684 $i --loss "$LOSS" --dup "$DUP" --reorder "$REORDER" --lifetime 455
	RELAYS="$RELAYS $LAST_PID"
	i=$((i + 1))
done
i=1
for p in $RELAYS; do
	wait_log "$WORK/relay$i.out" "listening" 10 "$p" || { cat "$WORK/relay$i.out"; fail "relay $i did not start"; }
	i=$((i + 1))
done

# run N: the download, then the observation, through relay N; exit statuses in files
# -B 210: at 30 % loss each way a client now and then needs more than two minutes (a handshake
# given up after a third of -B and started over, then a CON lost five times: one run in 50 went
# past 120 s once in CI, and one observation past 150 s after a handshake started over and two
# requests lost five times each); the download and the observation each get 210 s.
OPTS="-u device1 -k $KEY --dtls-timeout 1000 --ack-timeout 1000 -B 210 -v 1"
run() {
	_url=coaps://$SRV:$((6000 + $1))
	# shellcheck disable=SC2086
	ip netns exec "$cli" timeout 215 "$BIN/coaps-client" $OPTS -b 1024 "$_url/firmware" \
		>"$WORK/get$1.body" 2>"$WORK/get$1.out"
	echo $? >"$WORK/get$1.rc"
	# shellcheck disable=SC2086
	ip netns exec "$cli" timeout 215 "$BIN/coaps-client" $OPTS -s 3 "$_url/sensors/temp" \
		>"$WORK/obs$1.values" 2>"$WORK/obs$1.out"
	echo $? >"$WORK/obs$1.rc"
}
T0=$(date +%s)
i=1
while [ $i -le "$RUNS" ]; do
	run $i &
	JOBS="$JOBS $!"
	i=$((i + 1))
done
# until every run wrote its last status, at most 440 s
while :; do
	left=0
	i=1
	while [ $i -le "$RUNS" ]; do
		[ -f "$WORK/obs$i.rc" ] || left=$((left + 1))
		i=$((i + 1))
	done
	[ $left = 0 ] && break
	[ $(($(date +%s) - T0)) -lt 440 ] || fail "$left of $RUNS runs still going after 440 s"
	sleep 0.5
done
for p in $JOBS; do wait "$p"; done
JOBS=""
WALL=$(($(date +%s) - T0))

# the relays print their counters when stopped, the server its statistics
for p in $RELAYS; do kill "$p" 2>/dev/null; done
for p in $RELAYS; do wait "$p"; done
stop "$SERVER"

# Every check runs and says what it found; one FAIL line at the end names those that failed.
failed=""
problem() { failed="$failed; $*"; }

# the downloads: exit 0 and the exact bytes (byte k is k % 251), plus the newline coaps-client
# adds when the payload does not end with one
python3 -c 'import sys
b = bytes(k % 251 for k in range(4096))
sys.stdout.buffer.write(b if b.endswith(b"\n") else b + b"\n")' >"$WORK/expected.body"
bad=""
i=1
while [ $i -le "$RUNS" ]; do
	rc=$(cat "$WORK/get$i.rc")
	if [ "$rc" != 0 ]; then
		bad="$bad $i"
		say "download $i: exit $rc: $(grep -v 'DTLS session' "$WORK/get$i.out" | tail -1)"
	elif ! cmp -s "$WORK/expected.body" "$WORK/get$i.body"; then
		bad="$bad $i"
		say "download $i: wrong bytes: $(cmp "$WORK/expected.body" "$WORK/get$i.body" 2>&1 | head -1)"
	fi
	i=$((i + 1))
done
[ -z "$bad" ] || problem "downloads failed or differ:$bad"

# the observations: exit 0, at least one value
bad=""
i=1
while [ $i -le "$RUNS" ]; do
	rc=$(cat "$WORK/obs$i.rc")
	n=$(grep -c . "$WORK/obs$i.values")
	if [ "$rc" != 0 ] || [ "$n" -lt 1 ]; then
		bad="$bad $i"
		say "observation $i: exit $rc, $n values: $(grep -v 'DTLS session' "$WORK/obs$i.out" | tail -1)"
	fi
	i=$((i + 1))
done
[ -z "$bad" ] || problem "observations failed:$bad"

# no exchange reached a handler twice: each "[ADDR:PORT mid M token T]" once
grep -oE '\[[^]]* mid 0x[0-9a-f]{4} token [0-9a-f]*\]$' "$WORK/server.out" | sort | uniq -d >"$WORK/twice.out"
if [ -s "$WORK/twice.out" ]; then
	while read -r ex; do grep -F "$ex" "$WORK/server.out"; done <"$WORK/twice.out" | head -20
	problem "$(wc -l <"$WORK/twice.out") exchanges reached a handler twice (above)"
fi
gets=$(count_log "$WORK/server.out" '^GET /firmware, ')
temps=$(count_log "$WORK/server.out" '^GET /sensors/temp, ')
say "the server's handlers saw $gets GET /firmware and $temps GET /sensors/temp, no exchange twice:" \
	"$([ -s "$WORK/twice.out" ] && echo no || echo yes)"

# what the relays did, summed over both directions
cat "$WORK"/relay*.out | awk '
	$1 == "c2s" || $1 == "s2c" { for (f = 2; f < NF; f += 2) n[$f] += $(f + 1); lines++ }
	END { print lines + 0, n["received"] + 0, n["dropped"] + 0, n["duplicated"] + 0, n["delayed"] + 0, n["overtaken"] + 0 }' \
	>"$WORK/sums.out"
read -r lines total dropped duplicated delayed overtaken <"$WORK/sums.out"
[ "$lines" = $((RUNS * 2)) ] || problem "$((RUNS * 2)) counter lines expected from the relays, got $lines"
[ "$dropped" -gt 0 ] || problem "the relays dropped nothing"
[ "$duplicated" -gt 0 ] || problem "the relays duplicated nothing"
[ "$overtaken" -gt 0 ] || problem "the relays reordered nothing ($delayed held back, none overtaken)"

# runs that asked again (coaps-client -v 1: "asked again N times, M DTLS connections"); the
# others used one connection each
again=0 conns=0
for f in "$WORK"/get*.out "$WORK"/obs*.out; do
	c=$(sed -n 's/.*asked again [0-9]* times, \([0-9]*\) DTLS connections.*/\1/p' "$f")
	if [ -n "$c" ]; then again=$((again + 1)) conns=$((conns + c)); else conns=$((conns + 1)); fi
done
say "server: $(sed -n 's/^coaps-server: \([0-9]* handshakes.*\)/\1/p' "$WORK/server-stderr.out")"
say "summary: $RUNS runs (download + observation) in ${WALL} s, $(($(date +%s) - START)) s in all;" \
	"$total datagrams relayed, $dropped dropped, $duplicated duplicated, $delayed delayed" \
	"($overtaken overtaken); $again client runs asked again; $conns DTLS connections"
[ -z "$failed" ] || fail "${failed#; }"
say "PASS"
