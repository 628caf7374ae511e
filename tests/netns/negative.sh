#!/bin/sh
# tests/netns/negative.sh CASE — one fault, and the refusal it must cause: EAP-Failure (or the
# peer's abort), no Access-Accept, and the log line that explains it. eapol_test of VARIANT
# against stock FreeRADIUS (RADIUS_IMPL=stock: rlm_eap_tls; eap_iot: our rlm_eap_tls7925) in a
# private namespace; CASE is one of
#   untrusted-ca    the AAA certificate is issued by another root (server-untrusted.pem)
#   wrong-name      the AAA certificate names other.example.com, not domain_match
#   expired-device  the device certificate has expired: FreeRADIUS rejects it
#   key-mismatch    the device key does not belong to its certificate: wpa_supplicant refuses at
#                   startup (ours); Debian's build fails when EAP-TLS starts
#   no-suite        FreeRADIUS offers only ECDHE-ECDSA-AES256-GCM-SHA384 (our module:
#                   ...-AES128-GCM-SHA256), the supplicant is CCM_8-only (ours: phase1 strict;
#                   Debian's: openssl_ciphers)
set -u
. "$(dirname "$0")/lib.sh"
select_variant
case=${1:-}
server=server ciphers=$CCM8 device=device devkey=device.key.pem
# Explanations: $why_peer in the supplicant's output or $why_aaa in FreeRADIUS's.
why_peer="" why_aaa=""
case $case in
untrusted-ca)
	server=server-untrusted
	if [ "$OURS" = 1 ]; then why_peer="$OUR_RE.*server certificate rejected.*trust anchor"
	else why_peer="unable to get local issuer certificate"; fi ;;
wrong-name)
	server=server-wrongname
	if [ "$OURS" = 1 ]; then why_peer="$OUR_RE.*name 'other.example.com' does not match 'aaa.example.com'"
	else why_peer="Domain (suffix )?match.*(mismatch|not found)|Domain mismatch"; fi ;;
expired-device)
	device=device-expired devkey=device-expired.key.pem
	if [ "$RADIUS_IMPL" = eap_iot ]; then why_aaa="client certificate rejected: .* expired at"
	else why_aaa="certificate has expired"; fi ;;
key-mismatch)
	devkey=device-expired.key.pem
	if [ "$OURS" = 1 ]; then why_peer="private_key.*device-expired.key.pem|device-expired.key.pem.*private_key"
	else why_peer="Failed to load private key '.*device-expired.key.pem'"; fi ;;
no-suite)
	if [ "$RADIUS_IMPL" = eap_iot ]; then
		ciphers=ECDHE-ECDSA-AES128-GCM-SHA256 why_aaa="none of the client's 1 suites"
	else ciphers=ECDHE-ECDSA-AES256-GCM-SHA384 why_aaa="no shared cipher"; fi ;;
*) fail "usage: negative.sh untrusted-ca|wrong-name|expired-device|key-mismatch|no-suite" ;;
esac

if [ "$case" = key-mismatch ] && [ "$OURS" = 1 ]; then
	# Startup: wpa_supplicant must exit with an error naming the option and the file.
	netns_new sta
	ip -n "$NS_NAME" link add veth-sta type veth peer name veth-x || fail "veth"
	ip -n "$NS_NAME" link set veth-sta up
	render_supplicant "$WORK/wpas.conf" 1398 "$device" "$devkey"
	ip netns exec "$NS_NAME" timeout 20 "$WPAS" -D wired -i veth-sta -c "$WORK/wpas.conf" \
		>"$WORK/wpas.out" 2>&1
	rc=$?
	grep -E "$why_peer" "$WORK/wpas.out" | head -2
	[ $rc != 0 ] && [ $rc != 124 ] || { tail -20 "$WORK/wpas.out"; fail "wpa_supplicant did not refuse to start (rc $rc)"; }
	grep -Eq "$why_peer" "$WORK/wpas.out" || { tail -20 "$WORK/wpas.out"; fail "no line naming private_key and the file"; }
	say "PASS ($VARIANT, $case: startup refused, rc $rc)"
	exit 0
fi

netns_new aaa
ns=$NS_NAME
render_radius "$WORK/radius" "$ciphers" 1408 "$server"
start_radius "$ns" "$WORK/radius"
render_supplicant "$WORK/eapol.conf" 1398 "$device" "$devkey"
ip netns exec "$ns" timeout 60 "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -s "$SECRET" \
	-t 10 >"$WORK/eapol.out" 2>&1
rc=$?
stop "$RADIUS_PID"
failed="CTRL-EVENT-EAP-FAILURE|EAP entering state FAILURE|code=3 \(Access-Reject\)"
failed="$failed|Failed to initialize EAP method"
[ $rc != 0 ] || fail "eapol_test succeeded"
[ $rc != 124 ] || fail "eapol_test hung"
grep -q "code=2 (Access-Accept)" "$WORK/eapol.out" && fail "Access-Accept"
grep -Eq "$failed" \
	"$WORK/eapol.out" || { tail -20 "$WORK/eapol.out"; fail "no EAP-Failure or peer abort"; }
if [ -n "$why_peer" ]; then
	grep -E "$why_peer" "$WORK/eapol.out" | head -2
	grep -Eq "$why_peer" "$WORK/eapol.out" || { tail -30 "$WORK/eapol.out"; fail "no explanation /$why_peer/"; }
fi
if [ -n "$why_aaa" ]; then
	grep -E "$why_aaa" "$WORK/radius/radius.out" | head -2
	grep -Eq "$why_aaa" "$WORK/radius/radius.out" || fail "FreeRADIUS did not say /$why_aaa/"
fi
check_ours "$WORK/eapol.out"
say "PASS ($VARIANT, $case)"
