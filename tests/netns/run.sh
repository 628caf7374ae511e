#!/bin/sh
# tests/netns/run.sh BUILD_DIR — every namespace test: eapol_test against stock FreeRADIUS
# (CCM_8 and cipher_list DEFAULT; re-authentication resumed; for our builds also with tickets
# offered and with resumption off; max_fragment_length, record_size_limit, raw public key,
# client certificate URL and cached_info offers with their fallbacks (the cached_info file
# across restarts), malformed knobs refused), the wired hostapd topology at MTU 1500
# and 127, and the negative cases; for Debian's stock supplicant (the baseline) and for our
# static and plugin builds; then the same against eap_iot's own EAP-TLS server inside
# FreeRADIUS (radius_module, tests aaa-*) and what only it does (tests/netns/aaa.sh); last,
# CoAPS downloads and observations through relays that drop, duplicate and reorder
# (coaps-lossy-relay, tests/netns/coaps_lossy.sh), and a sleepy device that keeps its DTLS
# connection in a file, behind a NAT that rebinds (coaps-sleepy-*, tests/netns/coaps_sleepy.sh). One
# PASS/FAIL line per test, logs in BUILD_DIR/netns/<test>.log and <test>/ (daemon logs,
# rendered configs), then "N passed, M failed". A missing program is a FAIL.
# VARIANTS="stock static plugin" (default) selects the builds against stock FreeRADIUS,
# AAA_VARIANTS (same default) those against our module; an empty value skips the group.
# COAPS_LOSSY=0 leaves out the lossy CoAPS test.
set -u
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
VARIANTS=${VARIANTS-stock static plugin}
AAA_VARIANTS=${AAA_VARIANTS-stock static plugin}
LOGS=$BUILD/netns
mkdir -p "$LOGS"
sh "$TOP/.ci/deps.sh" || echo "warning: .ci/deps.sh failed; missing programs will FAIL"

passed=0 failed=0
t() {
	name=$1
	shift
	if BUILD=$BUILD VARIANT=${variant:-stock} SAVE_LOGS=$LOGS/$name timeout "${LIMIT:-180}" sh "$HERE/$1.sh" "${2:-}" \
		>"$LOGS/$name.log" 2>&1
	then
		passed=$((passed + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name ($(grep -h 'FAIL:' "$LOGS/$name.log" | tail -1 | sed 's/.*FAIL: //'))"
	fi
}
for variant in $VARIANTS; do
	t "$variant-eapol-ccm8" eapol ccm8
	t "$variant-eapol-default" eapol default
	if [ "$variant" != stock ]; then
		t "$variant-eapol-tickets" eapol tickets
		t "$variant-eapol-noresume" eapol noresume
		for c in mfl512 rsl rpk cert-url cert-cache bad-knobs; do
			t "$variant-extensions-$c" extensions "$c"
		done
	fi
	t "$variant-topology-mtu1500" topology 1500
	t "$variant-topology-mtu127" topology 127
	t "$variant-topology-mtu127-framed-mtu" topology 127fm
	for c in untrusted-ca wrong-name expired-device key-mismatch no-suite; do
		t "$variant-negative-$c" negative "$c"
	done
done
# eap_iot's EAP-TLS server inside FreeRADIUS (radius_module): the same eapol, topology and
# negative tests with our module in place of rlm_eap_tls, then what only our server does.
if [ -n "$AAA_VARIANTS" ]; then
	RADIUS_IMPL=eap_iot
	export RADIUS_IMPL
	for variant in $AAA_VARIANTS; do
		v=aaa-$variant
		case $variant in
		stock)
			t "$v-eapol-ccm8" eapol ccm8
			t "$v-topology-mtu1500" topology 1500
			t "$v-aaa-stock-peer" aaa stock-peer ;;
		static)
			for c in ccm8 tickets noresume; do t "$v-eapol-$c" eapol "$c"; done
			for m in 1500 127 127fm; do t "$v-topology-mtu$m" topology "$m"; done
			for c in untrusted-ca wrong-name expired-device no-suite; do
				t "$v-negative-$c" negative "$c"
			done
			for c in bad-options example-config other-methods cached-info tickets cert-url rpk device-rpk \
				device-rpk-not-pinned wrong-cache-hash untrusted-device-ca \
				expired-device eui64-policy oversize-chain cert-url-hash-mismatch \
				cert-url-missing cert-url-http cert-url-http-unreachable cert-url-http-slow \
				cert-url-http-outside-prefix cert-url-http-too-big cert-url-http-hash-mismatch \
				garbage truncated length-over-bound cached-info-malformed; do
				t "$v-aaa-$c" aaa "$c"
			done
			t "$v-rejoin-mtu127-cached-info" rejoin
			t "$v-aaa-abandoned-valgrind" aaa abandoned
			t "$v-aaa-load" aaa load
			t "$v-pool-shared-ticket-keys" pool ;;
		plugin)
			t "$v-topology-mtu1500" topology 1500
			t "$v-aaa-cached-info" aaa cached-info ;;
		esac
	done
fi
# CoAPS over lossy relays: our tools only, no variant (COAPS_LOSSY=0 skips it)
if [ "${COAPS_LOSSY:-1}" = 1 ]; then
	LIMIT=480 # its own bound is 440 s for the slowest run
	t coaps-lossy-relay coaps_lossy
fi
# a sleepy device's DTLS connection kept in a file, behind a NAT that rebinds (coaps_sleepy.sh)
LIMIT=90
t coaps-sleepy-restore coaps_sleepy restore
t coaps-sleepy-nat-cid coaps_sleepy nat-cid
t coaps-sleepy-nat-no-cid coaps_sleepy nat-no-cid
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
