#!/bin/sh
# tests/netns/eapol.sh ccm8|default — eapol_test (VARIANT's build) against stock FreeRADIUS on
# the loopback of a private namespace: a full authentication and one re-authentication (-r 1)
# that must be resumed (RFC 5216 §2.1.3, FreeRADIUS's session cache): 3 round trips, the
# Identity included, and for our builds eap_iot's "handshake complete (resumed)" line.
# Asserts Access-Accept, "MPPE keys OK: 2  mismatch: 0" (the MSK
# eapol_test derived equals the one FreeRADIUS sent, both times) and the suite FreeRADIUS
# negotiated: ECDHE-ECDSA-AES128-CCM8 with `ccm8` (supplicant strict), something else with
# `default` (FreeRADIUS at cipher_list = DEFAULT, which has no CCM_8; supplicant not strict).
set -u
. "$(dirname "$0")/lib.sh"
select_variant
case ${1:-} in
ccm8) ciphers=$CCM8 ;;
default) ciphers=DEFAULT NET_CONF="" ;;
*) fail "usage: eapol.sh ccm8|default" ;;
esac

netns_new aaa
ns=$NS_NAME
render_radius "$WORK/radius" "$ciphers" 1408
start_radius "$ns" "$WORK/radius"
render_supplicant "$WORK/eapol.conf" 1398
ip netns exec "$ns" timeout 60 "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -s "$SECRET" \
	-r 1 -t 30 >"$WORK/eapol.out" 2>&1
rc=$?
stop "$RADIUS_PID"
suite=$(sed -n 's/.*TLS-Session-Cipher-Suite = "\(.*\)"/\1/p' "$WORK/radius/radius.out" | head -1)
say "$VARIANT eapol_test rc=$rc suite=${suite:-none}"
grep -F "MPPE keys OK" "$WORK/eapol.out"
[ $rc = 0 ] || { tail -30 "$WORK/eapol.out"; fail "eapol_test exited $rc"; }
grep -q "code=2 (Access-Accept)" "$WORK/eapol.out" || fail "no Access-Accept"
grep -q "^MPPE keys OK: 2  mismatch: 0" "$WORK/eapol.out" || fail "MSK mismatch"
check_ours "$WORK/eapol.out"
check_resumed "$WORK/radius/radius.out" "$WORK/eapol.out" 3
if [ "$1" = ccm8 ]; then
	[ "$suite" = "$CCM8" ] || fail "suite $suite, expected $CCM8"
else
	[ -n "$suite" ] && [ "$suite" != "$CCM8" ] || fail "suite '$suite' with cipher_list DEFAULT"
fi
say "PASS ($VARIANT, $1, $suite, second authentication resumed in 3 round trips)"
