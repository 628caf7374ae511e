# bench/lib.sh — shell helpers the benchmark scripts source.
# shellcheck shell=sh

# stop PID: SIGTERM to a process started here, SIGKILL after 5 s.
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
