#!/bin/sh
# demo/eap.sh [BUILD_DIR] — a device joins a wired 802.1X network at an 802.15.4 frame budget
# (veth at MTU 127): our wpa_supplicant (eap_iot's EAP-TLS, static build; DEMO_VARIANT=plugin
# to change) in netns sta, stock hostapd (driver=wired) and Debian's FreeRADIUS in netns ap.
# The same device joins twice against each AAA server:
#   stock FreeRADIUS (rlm_eap_tls, OpenSSL): it knows no cached_info, so both joins carry the
#     AAA server's chain;
#   FreeRADIUS + eap_iot's rlm_eap_tls7925: the first join stores the chain in the device's
#     cache file (phase1 eiot_cert_cache), the second (a restarted device) gets the 33-byte
#     hash instead (RFC 7924); then `wpa_cli reauthenticate` resumes the session; a last join
#     also sends a URL instead of the device's certificate (RFC 6066 §5).
# Prints who authenticated to whom, the suite, and for each join the EAP round trips and EAP
# bytes each way on the wire (EAPOL frames, Identity and Success included) and its time, side
# by side; and checks the MSK end to end (eapol_test against our module). Then, joined, the
# device talks CoAPS over the same link (demo/coaps.sh). Cleans up only what it started.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
VARIANT=${DEMO_VARIANT:-static}
export TOP BUILD VARIANT
. "$TOP/tests/netns/lib.sh"
. "$TOP/demo/coaps.sh"
cache=$WORK/device-cert-cache
PHASE1_STRICT="eiot_strict=1 eiot_cert_cache=$cache"
select_variant
need hostapd freeradius openssl

topology_up 127
say "namespaces $sta (device) and $ap (authenticator + AAA), veth at MTU 127"
render_hostapd "$WORK/hostapd.conf"

# join NAME: a fresh wpa_supplicant process (a device that restarted) authenticates; its log
# is WORK/NAME.out. The EAP frames it exchanged go to NAME.rt / .out / .in.
join() {
	render_supplicant "$WORK/$1.conf" 113
	_t0=$(date +%s%N)
	spawn "$sta" 60 "$WORK/$1.out" "$WPAS" -D wired -i veth-sta -c "$WORK/$1.conf" -dd
	WPAS_PID=$LAST_PID
	wait_log "$WORK/$1.out" "CTRL-EVENT-EAP-SUCCESS|CTRL-EVENT-EAP-FAILURE" 30 "$WPAS_PID"
	grep -q CTRL-EVENT-EAP-SUCCESS "$WORK/$1.out" ||
		{ grep -E "FAIL|$OUR_MARK" "$WORK/$1.out" | tail -5; fail "$1: the device was not authenticated"; }
	eval "$1_ms=$((($(date +%s%N) - _t0) / 1000000))"
	count "$1" "$WORK/$1.out"
}

# count NAME LOG [FIRST_LINE]: EAP-Packet frames (EAPOL type 0) in a wpa_supplicant log from
# FIRST_LINE on, EAPOL header (4 B) left out: round trips (frames sent) and bytes each way.
count() {
	_from=${3:-1}
	tail -n +"$_from" "$2" >"$WORK/$1.part"
	eval "$1_rt=\$(frames TX \"\$WORK/\$1.part\" | wc -l)"
	eval "$1_out=\$(frames TX \"\$WORK/\$1.part\" | awk '{ s += \$1 - 4 } END { print s + 0 }')"
	eval "$1_in=\$(frames RX \"\$WORK/\$1.part\" | awk '{ s += \$1 - 4 } END { print s + 0 }')"
}
frames() { sed -n "s/^$1 EAPOL - hexdump(len=\\([0-9]*\\)): [0-9a-f][0-9a-f] 00 .*/\\1/p" "$2"; }

# 1. stock FreeRADIUS
RADIUS_IMPL=stock render_radius "$WORK/stock" "$CCM8" 123
start_radius "$ap" "$WORK/stock"
start_hostapd "$WORK/hostapd.conf"
for n in stock1 stock2; do
	join $n
	stop "$WPAS_PID"
done
stop "$RADIUS_PID"

# 2. FreeRADIUS with eap_iot's module (which also takes certificate URLs, from a directory of
# device certificates); a fresh cache for the device
rm -f "$cache"
mkdir -p "$WORK/certs"
cp "$PKI/device.der" "$WORK/certs/"
RADIUS_IMPL=eap_iot TLS7925_EXTRA="cert_url_dir = $WORK/certs" render_radius "$WORK/ours" "$CCM8" 123
start_radius "$ap" "$WORK/ours"
join ours1
stop "$WPAS_PID"
join ours2
lines=$(wc -l <"$WORK/ours2.out")
WPAS_LOG=$WORK/ours2.out reauth 30
count ours3 "$WORK/ours2.out" $((lines + 1))
stop "$WPAS_PID"
# the device also sends the URL of its certificate instead of the certificate (RFC 6066 §5)
PHASE1_STRICT="$PHASE1_STRICT eiot_cert_url=http://certs.example.com/device.der" select_variant
join ours4
# joined: the device's application traffic, CoAPS, over the same link
coaps_half
stop "$WPAS_PID"
stop "$HOSTAPD_PID"

# The MSK, end to end: our eapol_test against the same server compares the MSK it derived with
# the MS-MPPE keys in the Access-Accept.
render_supplicant "$WORK/eapol.conf" 113
ip netns exec "$ap" timeout 30 "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -s "$SECRET" \
	-t 20 >"$WORK/eapol.out" 2>&1
stop "$RADIUS_PID"

R=$WORK/ours/radius.out
device=$(sed -n 's/.*EAP-IoT-Device-EUI64 := "\(.*\)"/\1/p' "$R" | head -1)
aaa=$(openssl x509 -in "$PKI/server.pem" -noout -ext subjectAltName 2>/dev/null | sed -n 's/^ *DNS://p')
suite=$(sed -n 's/.*TLS-Session-Cipher-Suite := "\(.*\)"/\1/p' "$R" | head -1)
hit=$(grep -F "$OUR_MARK handshake complete" "$R" | sed -n 2p | grep -c "cached_info used")
cert2=$(grep "hs: sending Certificate, body" "$R" | sed -n 2p | sed 's/.*body \([0-9]*\) bytes.*/\1/')
url=$(grep -F "$OUR_MARK handshake complete" "$R" | sed -n 4p | grep -c "certificate URL used")
resumed=$(radius_rounds "$R" | sed -n 3p | cut -d' ' -f2)
if grep -q "^MPPE keys OK: 1  mismatch: 0" "$WORK/eapol.out"; then msk=yes; else msk=NO; fi

echo
echo "=== EAP-TLS join at MTU 127 ($VARIANT wpa_supplicant: $WPAS) ==="
echo "device        ${device:-?} (EUI-64 from its certificate, accepted by the AAA server)"
echo "AAA server    ${aaa:-?} (certificate accepted by the device, domain_match)"
echo "authenticator hostapd driver=wired, every EAPOL frame <= 127 bytes"
echo "suite         ${suite:-?} (TLS 1.2, P-256)"
echo
row() { printf '%-60s %11s %13s %8s\n' "$1" "$2" "$3" "$4"; }
row "" "round trips" "EAP bytes" "time"
row "" "" "dev->AAA/back" "ms"
row "stock FreeRADIUS (OpenSSL), first join" "$stock1_rt" "$stock1_out / $stock1_in" "$stock1_ms"
row "stock FreeRADIUS, join again (it has no cached_info)" "$stock2_rt" "$stock2_out / $stock2_in" "$stock2_ms"
row "FreeRADIUS + eap_iot module, first join (chain)" "$ours1_rt" "$ours1_out / $ours1_in" "$ours1_ms"
row "FreeRADIUS + eap_iot module, join again (cached_info)" "$ours2_rt" "$ours2_out / $ours2_in" "$ours2_ms"
row "FreeRADIUS + eap_iot module, re-authentication (resumed)" "$ours3_rt" "$ours3_out / $ours3_in" "-"
row "FreeRADIUS + eap_iot module, join (cached_info + cert URL)" "$ours4_rt" "$ours4_out / $ours4_in" "$ours4_ms"
echo
echo "cached_info   second join: $([ "$hit" = 1 ] && echo "the AAA server sent the hash of its chain (Certificate body $cert2 bytes)" || echo "NOT used")"
echo "cert URL      last join: $([ "$url" = 1 ] && echo "the AAA server took the device's certificate from its URL" || echo "NOT used")"
echo "re-auth       $([ "$resumed" = 1 ] && echo "resumed (EAP-Session-Resumed)" || echo "NOT resumed")"
echo "MSK match     $msk (eapol_test's MSK vs the module's MS-MPPE keys)"
[ "$msk" = yes ] || fail "MSK mismatch"
[ "$hit" = 1 ] && [ "$cert2" = 33 ] || fail "cached_info was not used on the second join (Certificate body ${cert2:-?} bytes)"
[ "$resumed" = 1 ] || fail "the re-authentication was not resumed"
[ "$url" = 1 ] || fail "the certificate URL was not used"
coaps_summary
