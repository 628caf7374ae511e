#!/bin/sh
# bench/eap_ext.sh BUILD — EAP-TLS with and without the size-saving extensions (bench/eap_ext.c):
# round trips and bytes per fragment size, then callgrind instructions of one full handshake per
# role and set-up (collection limited to that role's eiot_eap_tls_process calls).
set -eu
BUILD=${1:-build}
BIN=$BUILD/bin/eap_ext
PKI=$BUILD/pki
command -v valgrind >/dev/null || { echo "eap_ext: valgrind missing" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/eiot-eapext.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "## EAP-TLS, our peer against our server (in memory), mutual authentication, C0AE"
echo
"$BIN" "$PKI"
echo
echo "| set-up | peer Ir per handshake | server Ir per handshake |"
echo "|---|---|---|"
mode=0
for name in "X.509 chains (no extension)" "cached_info (warm cache)" \
	"cached_info + client certificate URL" "raw public keys"; do
	ir=""
	for role in peer server; do
		timeout 300 valgrind --tool=callgrind --collect-atstart=no \
			--callgrind-out-file="$tmp/cg.$mode.$role" "$BIN" "$PKI" "$mode" "$role" \
			>/dev/null 2>&1
		n=$(sed -n 's/^summary: *//p' "$tmp/cg.$mode.$role")
		ir="$ir | $(awk -v n="$n" 'BEGIN { printf "%.2f M", n / 1e6 }')"
	done
	echo "| $name$ir |"
	mode=$((mode + 1))
done
