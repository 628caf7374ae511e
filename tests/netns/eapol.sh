#!/bin/sh
# tests/netns/eapol.sh ccm8|default|tickets|noresume — eapol_test (VARIANT's build) against stock
# FreeRADIUS (RADIUS_IMPL: its rlm_eap_tls, or eap_iot's rlm_eap_tls7925, which issues tickets)
# on the loopback of a private namespace: a full authentication and one
# re-authentication (-r 1) that must be resumed (RFC 5216 §2.1.3, FreeRADIUS's session cache):
# 3 round trips, the Identity included, and for our builds eap_iot's "handshake complete
# (resumed)" line. Asserts Access-Accept, "MPPE keys OK: 2  mismatch: 0" (the MSK eapol_test
# derived equals the one FreeRADIUS sent, both times) and the suite FreeRADIUS negotiated:
# ECDHE-ECDSA-AES128-CCM8 with `ccm8` (supplicant strict), something else with `default`
# (FreeRADIUS at cipher_list = DEFAULT, which has no CCM_8; supplicant not strict).
# Our builds only: `tickets` offers RFC 5077 tickets (phase1 eiot_tickets=1) and requires
# extended master secret (eiot_require_ems=1, which FreeRADIUS negotiates); FreeRADIUS 3.2
# issues no tickets, so the session is still resumed by its ID. `noresume` (eiot_resume=0): the
# second authentication is a full one again (4 round trips, not resumed).
set -u
. "$(dirname "$0")/lib.sh"
case ${1:-} in
tickets) PHASE1_STRICT="eiot_strict=1 eiot_tickets=1 eiot_require_ems=1" ;;
noresume) PHASE1_STRICT="eiot_strict=1 eiot_resume=0" ;;
esac
select_variant
case ${1:-} in
ccm8) ciphers=$CCM8 ;;
default) ciphers=DEFAULT NET_CONF="" ;;
tickets | noresume) ciphers=$CCM8 ;;
*) fail "usage: eapol.sh ccm8|default|tickets|noresume" ;;
esac
case $1 in tickets | noresume) [ "$OURS" = 1 ] || fail "$1 is a test of our builds" ;; esac

netns_new aaa
ns=$NS_NAME
render_radius "$WORK/radius" "$ciphers" 1408
start_radius "$ns" "$WORK/radius"
render_supplicant "$WORK/eapol.conf" 1398
ip netns exec "$ns" timeout 60 "$EAPOL_TEST" -c "$WORK/eapol.conf" -a 127.0.0.1 -s "$SECRET" \
	-r 1 -t 30 >"$WORK/eapol.out" 2>&1
rc=$?
stop "$RADIUS_PID"
suite=$(sed -n 's/.*TLS-Session-Cipher-Suite :*= "\(.*\)"/\1/p' "$WORK/radius/radius.out" | head -1)
say "$VARIANT eapol_test rc=$rc suite=${suite:-none}"
grep -F "MPPE keys OK" "$WORK/eapol.out"
[ $rc = 0 ] || { tail -30 "$WORK/eapol.out"; fail "eapol_test exited $rc"; }
grep -q "code=2 (Access-Accept)" "$WORK/eapol.out" || fail "no Access-Accept"
grep -q "^MPPE keys OK: 2  mismatch: 0" "$WORK/eapol.out" || fail "MSK mismatch"
check_ours "$WORK/eapol.out"
if [ "$1" = noresume ]; then
	last=$(radius_rounds "$WORK/radius/radius.out" | tail -1)
	[ "$last" = "4 0" ] || fail "eiot_resume=0: second authentication '$last', expected '4 0'"
	grep -qF "$OUR_MARK handshake complete (resumed)" "$WORK/eapol.out" &&
		fail "eiot_resume=0 but a handshake was resumed"
	say "PASS ($VARIANT, $1, $suite, second authentication full: $last)"
	exit 0
fi
check_resumed "$WORK/radius/radius.out" "$WORK/eapol.out" 3
if [ "$1" != default ]; then
	[ "$suite" = "$CCM8" ] || fail "suite $suite, expected $CCM8"
else
	[ -n "$suite" ] && [ "$suite" != "$CCM8" ] || fail "suite '$suite' with cipher_list DEFAULT"
fi
say "PASS ($VARIANT, $1, $suite, second authentication resumed in 3 round trips)"
