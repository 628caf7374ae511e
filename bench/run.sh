#!/bin/sh
# bench/run.sh BUILD — `make bench`: DTLS handshake bytes, instructions and peak heap of iot-tls
# next to openssl s_client/s_server, same machine, same certificates ($BUILD/pki).
# Extra arguments go to bench.py (e.g. --only iot-tls).
# Owns the preconditions and the scratch directory; bench/bench.py does the runs and writes
# $BUILD/bench/results.md (also printed). Bounded: the whole run is under `timeout`.
set -eu
BUILD=${1:-build}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)

for t in openssl valgrind python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: $t is missing (make deps)" >&2; exit 1; }
done
[ -f "$BUILD/pki/ca.pem" ] || { echo "bench: no $BUILD/pki (make pki)" >&2; exit 1; }

mkdir -p "$BUILD/bench"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/eiot-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
timeout 600 python3 -B "$HERE/bench.py" --build "$BUILD" --work "$WORK" \
	--out "$BUILD/bench/results.md" "$@"
