#!/bin/sh
# demo/eap.sh [BUILD_DIR] — a device joins a wired 802.1X network: our wpa_supplicant (eap_iot's
# EAP-TLS, static build; DEMO_VARIANT=plugin|stock to change) in netns sta, stock hostapd
# (driver=wired) and stock FreeRADIUS in netns ap, a veth pair between them at MTU 1500. Prints
# who authenticated to whom, the suite, EAP round trips, EAP bytes each way and whether the MSK
# matches FreeRADIUS's; then `wpa_cli reauthenticate` and the same counts for the resumed
# re-authentication (RFC 5216 §2.1.3); then cleans up (only our processes and namespaces).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
VARIANT=${DEMO_VARIANT:-static}
export TOP BUILD VARIANT
. "$TOP/tests/netns/lib.sh"
select_variant
need hostapd freeradius openssl

netns_new sta
sta=$NS_NAME
netns_new ap
ap=$NS_NAME
ip -n "$sta" link add veth-sta type veth peer name veth-ap netns "$ap" || fail "veth"
ip -n "$sta" link set veth-sta up
ip -n "$ap" link set veth-ap up
say "namespaces $sta (device) and $ap (authenticator + AAA), veth at MTU 1500"

render_radius "$WORK/radius" "$CCM8" 1408
start_radius "$ap" "$WORK/radius"
render_hostapd "$WORK/hostapd.conf"
spawn "$ap" 60 "$WORK/hostapd.out" hostapd -d -K "$WORK/hostapd.conf"
HOSTAPD_PID=$LAST_PID
wait_log "$WORK/hostapd.out" "AP-ENABLED|interface state .*->ENABLED" 10 "$HOSTAPD_PID" ||
	fail "hostapd did not start"
render_supplicant "$WORK/wpas.conf" 1398
spawn "$sta" 60 "$WORK/wpas.out" "$WPAS" -D wired -i veth-sta -c "$WORK/wpas.conf" -dd
WPAS_PID=$LAST_PID
wait_log "$WORK/wpas.out" "CTRL-EVENT-EAP-SUCCESS|CTRL-EVENT-EAP-FAILURE" 30 "$WPAS_PID"
grep -q CTRL-EVENT-EAP-SUCCESS "$WORK/wpas.out" ||
	{ grep -E "FAIL|$OUR_MARK" "$WORK/wpas.out" | tail -5; fail "the device was not authenticated"; }
wait_log "$WORK/hostapd.out" "authorizing port" 10 "$HOSTAPD_PID" || fail "port not authorized"
first_lines=$(wc -l <"$WORK/wpas.out")
ip netns exec "$sta" timeout 10 "$WPA_CLI" -p "$WORK/ctrl" -i veth-sta reauthenticate \
	>"$WORK/wpa_cli.out" 2>&1 || fail "wpa_cli reauthenticate"
i=0
while [ "$(count_log "$WORK/wpas.out" CTRL-EVENT-EAP-SUCCESS)" -lt 2 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(count_log "$WORK/wpas.out" CTRL-EVENT-EAP-SUCCESS)" -ge 2 ] || fail "re-authentication failed"
stop "$WPAS_PID"
stop "$HOSTAPD_PID"

# The MSK, checked end to end: our eapol_test against the same FreeRADIUS compares the MSK it
# derived with the MS-MPPE keys in the Access-Accept.
render_supplicant "$WORK/eapol.conf" 1398
ip netns exec "$ap" timeout 30 "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -s "$SECRET" \
	-t 20 >"$WORK/eapol.out" 2>&1
stop "$RADIUS_PID"

device=$(sed -n 's/.*TLS-Client-Cert-Common-Name := "\(.*\)"/\1/p' "$WORK/radius/radius.out" | head -1)
aaa=$(openssl x509 -in "$PKI/server.pem" -noout -ext subjectAltName 2>/dev/null |
	sed -n 's/^ *DNS://p')
suite=$(sed -n 's/.*TLS-Session-Cipher-Suite = "\(.*\)"/\1/p' "$WORK/radius/radius.out" | head -1)
# EAP-Packet frames (EAPOL type 0) on the device's interface, EAPOL header (4 B) left out, of
# the first authentication (first) or the re-authentication (second).
frames() {
	if [ "$2" = first ]; then head -n "$first_lines" "$WORK/wpas.out"
	else tail -n +"$((first_lines + 1))" "$WORK/wpas.out"; fi |
		sed -n "s/^$1 EAPOL - hexdump(len=\\([0-9]*\\)): [0-9a-f][0-9a-f] 00 .*/\\1/p"
}
rt=$(frames TX first | wc -l)
out=$(frames TX first | awk '{ s += $1 - 4 } END { print s + 0 }')
in=$(frames RX first | awk '{ s += $1 - 4 } END { print s + 0 }')
rt2=$(frames TX second | wc -l)
out2=$(frames TX second | awk '{ s += $1 - 4 } END { print s + 0 }')
in2=$(frames RX second | awk '{ s += $1 - 4 } END { print s + 0 }')
resumed=$(radius_rounds "$WORK/radius/radius.out" | sed -n 2p | cut -d' ' -f2)
mppe=$(grep -c "MS-MPPE-Recv-Key" "$WORK/hostapd.out")
if grep -q "^MPPE keys OK: 1  mismatch: 0" "$WORK/eapol.out"; then msk=yes; else msk=NO; fi
ours=$(grep -F "$OUR_MARK" "$WORK/wpas.out" | grep "round trips" | sed "s/.*$OUR_MARK *//" | head -1)
ours2=$(grep -F "$OUR_MARK" "$WORK/wpas.out" | grep "round trips" | sed "s/.*$OUR_MARK *//" | sed -n 2p)

echo
echo "=== EAP-TLS join ($VARIANT wpa_supplicant: $WPAS) ==="
echo "device        ${device:-?} (certificate accepted by FreeRADIUS)"
echo "AAA server    ${aaa:-?} (certificate accepted by the device, domain_match)"
echo "authenticator hostapd driver=wired: IEEE 802.1X port authorized, MSK received: $([ "$mppe" -gt 0 ] && echo yes || echo no)"
echo "suite         ${suite:-?} (TLS 1.2, P-256)"
echo "EAP exchange  $rt round trips; EAP bytes device->AAA $out, AAA->device $in" \
	"(on the wire, EAP-Identity and EAP-Success included)"
[ -n "$ours" ] && echo "eap_iot says  $ours (EAP-TLS method only)"
echo "re-auth       wpa_cli reauthenticate: $([ "$resumed" = 1 ] && echo "resumed (FreeRADIUS: EAP-Session-Resumed)" ||
	echo "NOT resumed"); $rt2 round trips; EAP bytes device->AAA $out2, AAA->device $in2"
[ -n "$ours2" ] && echo "eap_iot says  $ours2"
echo "MSK match     $msk (eapol_test's MSK vs FreeRADIUS's MS-MPPE keys)"
[ "$msk" = yes ] || fail "MSK mismatch"
