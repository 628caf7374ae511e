#!/bin/sh
# bench/hs_rate.sh BUILD — DTLS handshakes per second per core of a server: openssl s_server,
# iot-tls on mbedTLS and iot-tls on OpenSSL's libcrypto, PSK and ECDHE-ECDSA certificates
# (mutual), all facing the same iot-tls client; only the server's CPU time counts.
# Extra arguments go to hs_rate.py: --n1 N, --n2 N (connections of the two runs of a pair,
# 10 and 310), --repeat R (pairs per row, 3).
# Owns the preconditions and the scratch directory; bench/hs_rate.py does the runs and writes
# $BUILD/bench/hs_rate.md (also printed). Bounded: the whole run is under `timeout`.
set -eu
BUILD=${1:-build}
[ $# -gt 0 ] && shift
HERE=$(cd "$(dirname "$0")" && pwd)

for t in openssl python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "hs_rate: $t is missing (make deps)" >&2; exit 1; }
done
[ -f "$BUILD/pki/ca.pem" ] || { echo "hs_rate: no $BUILD/pki (make pki)" >&2; exit 1; }
[ -x "$BUILD/mbedtls/bin/iot-tls" ] ||
	{ echo "hs_rate: no $BUILD/mbedtls/bin/iot-tls (make $BUILD/mbedtls/bin/iot-tls)" >&2; exit 1; }
[ -x "$BUILD/openssl/bin/iot-tls" ] ||
	echo "hs_rate: no $BUILD/openssl/bin/iot-tls (make $BUILD/openssl/bin/iot-tls):" \
		"its rows fail and the client is the mbedTLS one" >&2

mkdir -p "$BUILD/bench"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/eiot-hsrate.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
timeout 900 python3 -B "$HERE/hs_rate.py" --build "$BUILD" --work "$WORK" \
	--out "$BUILD/bench/hs_rate.md" "$@"
