#!/bin/sh
# bench/wake.sh [BUILD_DIR] — what a sleepy device pays to wake and send one CoAP request (GET
# /sensors/temp, PSK, TLS_PSK_WITH_AES_128_CCM_8) with our coaps-client, one new process per
# wake, against our coaps-server on 127.0.0.1:
#   restored        --saved FILE: the whole DTLS connection kept in FILE, no handshake
#   restored, CID   the same with --cid (the server gives 6-byte connection IDs): what the CIDs
#                   that survive a NAT rebinding cost on the wire
#   resumed, ID     --session FILE: an abbreviated handshake, session ID (the server's cache)
#   resumed, ticket --session FILE --tickets: an abbreviated handshake, session ticket
#   full            no state kept: a full handshake (with the server's cookie exchange)
# and, as a baseline, start-up only: coaps-client with no arguments (loads, prints its usage).
# Each state is first made by one run that is not measured; then N wakes of each (20), the
# modes in turn. Every wake goes through tests/netns/nat_relay.py (one per mode, not rebinding:
# the address the server sees stays that mode's, as a device's behind a NAT), which counts UDP
# payload bytes (no IP/UDP headers) and datagrams each way, and round trips (a datagram from the
# server after one from the client; the server's answer to a close_notify not counted); its
# trace gives the time on the wire (from the client's first datagram to the last answer it
# waited for). The restored wakes send no close_notify (the session stays open); the others send
# one, and its bytes are counted. Wall time: the client process from start to exit as the shell
# sees it (reading the state and writing it back with fsync, in TMPDIR: --saved twice, --session
# once), and that minus the start-up baseline's. Medians over the N wakes; a wake whose exit
# status or DTLS outcome ("coaps-client: DTLS session ...") is not the expected one is counted
# in "as expected" (and said on stderr), still measured, and makes the exit status 1.
# Instructions: CG_N (5) more wakes of each under valgrind --tool=callgrind (if installed;
# CG_N=0 skips): the client process's whole count (dynamic loading included) and main's
# inclusive count (from main on: configuration, state file, socket, DTLS and CoAP), medians.
# perf stat is not used: it needs hardware counters, which virtual machines often lack.
# The table is printed and written to BUILD_DIR/bench/wake.md. Every process runs under
# timeout; only the server and relay started here are stopped (by PID).
set -u
BUILD=${1:-build}
BIN=$BUILD/bin
HERE=$(cd "$(dirname "$0")" && pwd)
RELAY=$HERE/../tests/netns/nat_relay.py
N=${N:-20} CG_N=${CG_N:-5}
PSK_ID=device1 PSK_KEY=wake-bench-secret-0123456789
GET=/sensors/temp
for t in python3 ss timeout awk sort date; do
	command -v "$t" >/dev/null || { echo "wake: $t missing (make deps)" >&2; exit 1; }
done
for f in "$BIN/coaps-client" "$BIN/coaps-server" "$RELAY"; do
	[ -e "$f" ] || { echo "wake: $f missing (make tools)" >&2; exit 1; }
done
if [ "$CG_N" -gt 0 ] && { ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; }; then
	echo "wake: no valgrind/callgrind_annotate: no instruction counts" >&2
	CG_N=0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eiot-wake.XXXXXX")
SRV_PID="" RELAY_PIDS=""
trap 'for p in $RELAY_PIDS; do stop "$p"; done; stop "$SRV_PID"; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

# the server on a free port
PORT=25801
while [ -n "$(ss -Hantu "sport = :$PORT" 2>/dev/null)" ]; do PORT=$((PORT + 1)); done
timeout 1800 "$BIN/coaps-server" -A 127.0.0.1 -p "$PORT" -u "$PSK_ID" -k "$PSK_KEY" --cid 6 -v 1 \
	--handshake-rate 1000 -B 1790 >"$tmp/server.out" 2>&1 &
SRV_PID=$!

# relay MODE: a relay of its own in front of the server (its outgoing port is that device's
# address, which a restored session needs to keep; other devices' handshakes from it would
# replace the session); its listening port in MODE.port
relay() {
	timeout 1800 python3 "$RELAY" 127.0.0.1 0 127.0.0.1 "$PORT" --source 127.0.0.1 --trace \
		--counters "$tmp/$1.counters" --lifetime 1790 >"$tmp/$1.relay" 2>"$tmp/$1.trace" &
	RELAY_PIDS="$RELAY_PIDS $!"
	_i=0
	until grep -q listening "$tmp/$1.relay"; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || { cat "$tmp/$1.relay" >&2; echo "wake: the relay did not start" >&2; exit 1; }
		sleep 0.1
	done
	sed -n 's/^nat_relay: .* listening on [0-9.]*:\([0-9]*\),.*/\1/p' "$tmp/$1.relay" >"$tmp/$1.port"
}
i=0
until grep -q "serving coaps" "$tmp/server.out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$tmp/server.out" >&2; echo "wake: coaps-server did not start" >&2; exit 1; }
	sleep 0.1
done

# the modes: name, client arguments, the DTLS outcome the client must report
MODES="startup restored restored-cid resumed-id resumed-ticket full"
args() {
	case $1 in
	restored) echo "--saved $tmp/restored.state" ;;
	restored-cid) echo "--saved $tmp/restored-cid.state --cid" ;;
	resumed-id) echo "--session $tmp/resumed-id.session" ;;
	resumed-ticket) echo "--tickets --session $tmp/resumed-ticket.session" ;;
	full) echo "" ;;
	esac
}
expected() {
	case $1 in
	restored*) echo "restored: no handshake" ;;
	resumed*) echo "resumed (abbreviated handshake)" ;;
	full) echo "new: full handshake" ;;
	startup) echo "(none)" ;;
	esac
}
label() {
	case $1 in
	restored) echo "restored (--saved)" ;;
	restored-cid) echo "restored, CID (--saved --cid)" ;;
	resumed-id) echo "resumed, session ID (--session)" ;;
	resumed-ticket) echo "resumed, ticket (--session --tickets)" ;;
	full) echo "full handshake (no state)" ;;
	startup) echo "start-up only (no arguments: usage, exit 2)" ;;
	esac
}

# settled MODE: its relay's counters, once they have not changed for 0.1 s (at most 2 s)
settled() {
	_prev="" _i=0
	while [ $_i -lt 20 ]; do
		_cur=$(cat "$tmp/$1.counters")
		[ "$_cur" = "$_prev" ] && break
		_prev=$_cur
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "$_cur"
}

# run MODE PORT ARGS [WRAPPER...]: one wake through the relay listening on PORT, ARGS the
# client's mode arguments (stdout to MODE.body, stderr to MODE.err); for startup, the client with
# no arguments (exit 2)
run() {
	_m=$1 _p=$2 _a=$3
	shift 3
	if [ "$_m" = startup ]; then
		timeout 120 "$@" "$BIN/coaps-client" >"$tmp/$_m.body" 2>"$tmp/$_m.err"
		[ $? = 2 ]
		return
	fi
	# shellcheck disable=SC2086 # _a: words
	timeout 120 "$@" "$BIN/coaps-client" -u "$PSK_ID" -k "$PSK_KEY" -v 1 -B 15 $_a \
		"coaps://127.0.0.1:$_p$GET" >"$tmp/$_m.body" 2>"$tmp/$_m.err"
}

# client MODE [WRAPPER...]: run, its port and arguments looked up first
client() {
	_m=$1
	shift
	run "$_m" "$(cat "$tmp/$_m.port")" "$(args "$_m")" "$@"
}

# wake MODE: one measured wake; appends "OK C2S_DG C2S_B S2C_DG S2C_B ROUND_TRIPS WALL_US SPAN_US"
# to MODE.wakes (OK: 1 when it exited 0 with the expected DTLS outcome; SPAN: from the relay's
# first datagram from the client to the last answer from the server, the answer to close_notify
# not counted)
wake() {
	_before=$(settled "$1")
	_n0=$(wc -l <"$tmp/$1.trace")
	_port=$(cat "$tmp/$1.port") _args=$(args "$1") # not in the time measured
	_t0=$(date +%s%N)
	run "$1" "$_port" "$_args"
	_rc=$?
	_t1=$(date +%s%N)
	_after=$(settled "$1")
	_span=$(sed -n "$((_n0 + 1)),\$p" "$tmp/$1.trace" | awk '$2 == "c2s" && first == "" { first = $1 }
		$2 == "s2c" && !/ alerts$/ { last = $1 }
		END { if (first == "" || last == "") print 0; else printf "%d", (last - first) * 1000000 }')
	_ok=0
	[ $_rc = 0 ] && { [ "$1" = startup ] || grep -qxF "coaps-client: DTLS session $(expected "$1")" "$tmp/$1.err"; } &&
		_ok=1
	[ $_ok = 1 ] || echo "wake: $1: exit $_rc: $(tail -1 "$tmp/$1.err")" >&2
	echo "$_before $_after" | awk -v ok=$_ok -v us=$(((_t1 - _t0) / 1000)) -v span="$_span" '
		{ for (i = 2; i <= 14; i += 2) { b[$i] = $(i + 1); a[$(i + 15)] = $(i + 16) } }
		END { printf "%d %d %d %d %d %d %d %d\n", ok, a["c2s_datagrams"] - b["c2s_datagrams"],
			a["c2s_bytes"] - b["c2s_bytes"], a["s2c_datagrams"] - b["s2c_datagrams"],
			a["s2c_bytes"] - b["s2c_bytes"], a["round_trips"] - b["round_trips"], us, span }' \
		>>"$tmp/$1.wakes"
}

# median FILE COLUMN
median() {
	cut -d' ' -f"$2" "$1" | sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# thousands: 1234567 as 1,234,567
thousands() {
	awk '{ s = sprintf("%d", $1); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# the states the wakes start from, each made by one run that is not measured
for m in $MODES; do
	relay "$m"
	[ "$m" = full ] || [ "$m" = startup ] || client "$m" || echo "wake: $m: the first run failed: $(tail -1 "$tmp/$m.err")" >&2
done
i=0
while [ $i -lt "$N" ]; do
	for m in $MODES; do wake "$m"; done
	i=$((i + 1))
done

# instructions: CG_N wakes of each under callgrind, "PROCESS MAIN" per line in MODE.ir
if [ "$CG_N" -gt 0 ]; then
	for m in $MODES; do
		i=0
		while [ $i -lt "$CG_N" ]; do
			client "$m" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" ||
				echo "wake: $m under callgrind: $(tail -1 "$tmp/$m.err")" >&2
			total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
			main=$(callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" 2>/dev/null |
				awk '/coaps-client\.c:main \[/ { gsub(",", "", $1); print $1; exit }')
			echo "${total:-0} ${main:-0}" >>"$tmp/$m.ir"
			rm -f "$tmp/cg.out"
			i=$((i + 1))
		done
	done
fi

for p in $RELAY_PIDS; do stop "$p"; done
RELAY_PIDS=""
stop "$SRV_PID"
SRV_PID=""

mkdir -p "$BUILD/bench"
{
	echo "### Wake and send one CoAP request (GET $GET, PSK, CCM_8): medians of $N wakes"
	echo
	echo "| wake | as expected | datagrams c→s / s→c | bytes c→s / s→c | bytes total | round trips | on the wire ms | wall ms | wall ms above start-up | client Ir, process | client Ir, from main |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	base=$(median "$tmp/startup.wakes" 7)
	for m in $MODES; do
		f=$tmp/$m.wakes
		ok=$(awk '$1 == 1' "$f" | wc -l)
		cs=$(median "$f" 3) sc=$(median "$f" 5)
		wall=$(median "$f" 7 | awk '{ printf "%.1f", $1 / 1000 }')
		above=$(median "$f" 7 | awk -v b="$base" '{ printf "%.1f", ($1 - b) / 1000 }')
		span=$(median "$f" 8 | awk '{ printf "%.2f", $1 / 1000 }')
		if [ -s "$tmp/$m.ir" ]; then
			irp=$(median "$tmp/$m.ir" 1 | thousands)
			irm=$(median "$tmp/$m.ir" 2 | thousands)
		else
			irp=- irm=-
		fi
		if [ "$m" = startup ]; then
			echo "| $(label "$m") | $((ok))/$N | - | - | - | - | - | $wall | - | $irp | $irm |"
			continue
		fi
		echo "| $(label "$m") | $((ok))/$N | $(median "$f" 2) / $(median "$f" 4) | $cs / $sc |" \
			"$(echo "$cs $sc" | awk '{ print $1 + $2 }') | $(median "$f" 6) | $span | $wall | $above | $irp | $irm |"
	done
	echo
	echo "Bytes: UDP payload (DTLS records with their headers), IP and UDP headers not included."
	echo "Round trips: turns from client to server datagrams, at the relay (the server's answer to a"
	echo "close_notify not counted). On the wire: at the relay, from the client's first datagram to the"
	echo "last answer it waited for. Wall: the client process from start to exit as the shell sees it"
	echo "(state files in ${TMPDIR:-/tmp}, fsync'd), on 127.0.0.1 through a Python relay; above start-up:"
	echo "minus the median of the client started with no arguments. Ir: callgrind, medians of $CG_N wakes ($([ "$CG_N" -gt 0 ] && echo "valgrind $(valgrind --version | sed 's/valgrind-//')" || echo "not measured")); perf stat not used."
	echo "Server: $(sed -n 's/^coaps-server: \([0-9]* handshakes.*\)/\1/p' "$tmp/server.out")"
} | tee "$BUILD/bench/wake.md"
bad=$(cat "$tmp"/*.wakes | awk '$1 != 1' | wc -l)
[ "$bad" -eq 0 ] || { echo "wake: $bad wakes not as expected (above)" >&2; exit 1; }
