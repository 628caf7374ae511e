#!/bin/sh
# tests/netns/extensions.sh mfl512|rsl|rpk|cert-url|cert-cache|bad-knobs — the size-saving extensions of our builds
# against stock FreeRADIUS 3.2 (OpenSSL 3.0), which knows some and ignores the others: the
# authentication must succeed either way (Access-Accept, "MPPE keys OK: 1  mismatch: 0", suite
# ECDHE-ECDSA-AES128-CCM8), the ClientHello is longer than the one of a run without the knob by
# exactly the offered extension (so it was sent), and eap_iot's log says what was negotiated:
#   mfl512    phase1 eiot_mfl=512: OpenSSL honours max_fragment_length (RFC 6066 §4), so eap_iot
#             logs "records at most 512 bytes out, 512 in"
#   rsl       phase1 eiot_rsl=256: OpenSSL 3.0 has no record_size_limit (RFC 8449) and ignores
#             it: no agreed record size, full-size records
#   rpk       phase1 eiot_rpk=1 eiot_peer_rpk=<server key>: FreeRADIUS ignores
#             server_certificate_type (RFC 7250), sends its X.509 chain, and eap_iot falls back to
#             ca_cert + domain_match (no "raw public key is pinned" line; the chain is verified)
#   cert-url  phase1 eiot_cert_url=file:///device.pem: FreeRADIUS ignores client_certificate_url
#             (RFC 6066 §5), so eap_iot sends its Certificate (no CertificateURL line) and
#             FreeRADIUS verifies the device's certificate (TLS-Client-Cert-Common-Name)
#   cert-cache phase1 eiot_cert_cache=FILE (cached_info, RFC 7924), three eapol_test runs (each
#             a restart) on one FILE: the first has nothing to offer (ClientHello as without
#             the knob) and stores the server's Certificate in FILE; the second offers its
#             hash (ClientHello longer by the 40-byte extension), FreeRADIUS ignores it and
#             sends its chain, which is verified and stored again; after FILE is overwritten
#             with garbage the third starts with a WARNING, has nothing to offer, succeeds and
#             writes a good FILE
#   bad-knobs each malformed knob makes eapol_test refuse the configuration at startup with a
#             line naming it (no AAA server involved)
set -u
. "$(dirname "$0")/lib.sh"
case=${1:-}
pin=$WORK/server.pub.pem
# knob and the bytes its extension adds to the ClientHello: type 2 + length 2 + body
case $case in
mfl512) knob="eiot_mfl=512" ext=5 ;;                     # one code byte
rsl) knob="eiot_rsl=256" ext=6 ;;                        # uint16 limit
rpk) knob="eiot_rpk=1 eiot_peer_rpk=$pin" ext=7 ;;       # server_certificate_type: list of 2
cert-url) knob="eiot_cert_url=file:///device.pem" ext=4 ;; # client_certificate_url: empty
cert-cache|bad-knobs) ;;
*) fail "usage: extensions.sh mfl512|rsl|rpk|cert-url|cert-cache|bad-knobs" ;;
esac
select_variant
[ "$OURS" = 1 ] || fail "extensions.sh is a test of our builds"
need openssl
openssl pkey -in "$PKI/server.key.pem" -pubout -out "$pin" 2>/dev/null ||
	fail "cannot extract the server's public key"

# refused PHASE1 PATTERN: eapol_test with this phase1 exits non-zero at startup, saying PATTERN
# (NO_CLIENT_CERT=1: the network block has no client_cert).
refused() {
	NET_CONF="phase1=\"$1\""
	render_supplicant "$WORK/bad.conf" 1398
	[ -z "${NO_CLIENT_CERT:-}" ] || sed -i '/client_cert=/d' "$WORK/bad.conf"
	timeout 20 "$EAPOL_TEST" -c "$WORK/bad.conf" -a 127.0.0.1 -s "$SECRET" -t 5 \
		>"$WORK/bad.out" 2>&1
	rc=$?
	[ $rc != 0 ] && [ $rc != 124 ] || fail "phase1 '$1' accepted (rc $rc)"
	grep -qF "$2" "$WORK/bad.out" || { tail -5 "$WORK/bad.out"; fail "phase1 '$1': no '$2' line"; }
	say "refused: phase1 '$1' ($2)"
}

if [ "$case" = bad-knobs ]; then
	refused "eiot_mfl=600" "phase1 eiot_mfl=600: expected 512, 1024, 2048 or 4096"
	refused "eiot_mfl=256" "phase1 eiot_mfl=256: expected a number from 512 to 4096"
	refused "eiot_rsl=63" "phase1 eiot_rsl=63: expected a number from 64 to 16384"
	refused "eiot_rsl=x" "phase1 eiot_rsl=x: expected a number"
	refused "eiot_require_ems=2" "phase1 eiot_require_ems=2: expected a number from 0 to 1"
	refused "eiot_rpk=1" "phase1 eiot_rpk=1: needs eiot_peer_rpk=FILE"
	refused "eiot_peer_rpk=$pin" "phase1 eiot_peer_rpk: needs eiot_rpk=1"
	refused "eiot_rpk=1 eiot_peer_rpk=$WORK/none.pem" "phase1 eiot_peer_rpk '$WORK/none.pem': cannot read"
	refused "eiot_rpk=1 eiot_peer_rpk=$PKI/ca.pem" "phase1 eiot_peer_rpk '$PKI/ca.pem'"
	refused "eiot_rpk=2 eiot_peer_rpk=$pin" "phase1 eiot_rpk=2: expected a number from 0 to 1"
	refused "eiot_cert_cache=/proc/x/certs" \
		"phase1 eiot_cert_cache '/proc/x/certs': cannot create a file there"
	refused "eiot_cert_cache=/proc/certs" \
		"phase1 eiot_cert_cache '/proc/certs': cannot create a file there"
	refused "eiot_cert_cache=$WORK/none/certs" \
		"phase1 eiot_cert_cache '$WORK/none/certs': cannot create a file there"
	refused "eiot_cert_cache=$WORK" "phase1 eiot_cert_cache '$WORK': not a regular file"
	refused "eiot_cert_cache=$WORK/c1 eiot_cert_cache=$WORK/c2" \
		"phase1 eiot_cert_cache '$WORK/c2': given twice"
	for u in ftp://h/device.pem file:/// file:////etc/x http://host http://host/ https:///x \
		device.pem; do
		refused "eiot_cert_url=$u" "phase1 eiot_cert_url=$u: expected file:///NAME or"
	done
	refused "eiot_own_rpk=1" "phase1 eiot_own_rpk=1: leave client_cert out (one own credential)"
	refused "eiot_own_rpk=3" "phase1 eiot_own_rpk=3: expected a number from 0 to 1"
	NO_CLIENT_CERT=1 refused "eiot_strict=1" \
		"client_cert: required (or phase1 eiot_own_rpk=1 to present private_key as a raw public key)"
	ls "$WORK"/c1* "$WORK"/c2* >/dev/null 2>&1 && fail "a refused configuration left files"
	say "PASS ($VARIANT, $case)"
	exit 0
fi

# auth NAME PHASE1: one authentication of eapol_test with this phase1 (log WORK/NAME.out),
# Access-Accept and matching MSKs required; HELLO := its ClientHello's length.
auth() {
	NET_CONF="phase1=\"$2\""
	render_supplicant "$WORK/$1.conf" 1398
	ip netns exec "$ns" timeout 60 "$EAPOL_TEST" -c "$WORK/$1.conf" -a 127.0.0.1 \
		-s "$SECRET" -t 30 >"$WORK/$1.out" 2>&1
	rc=$?
	[ $rc = 0 ] || { tail -30 "$WORK/$1.out"; fail "eapol_test ($2) exited $rc"; }
	grep -q "code=2 (Access-Accept)" "$WORK/$1.out" || fail "no Access-Accept ($2)"
	grep -q "^MPPE keys OK: 1  mismatch: 0" "$WORK/$1.out" || fail "MSK mismatch ($2)"
	check_ours "$WORK/$1.out"
	HELLO=$(sed -n '/eap-tls: Start (id [0-9]*): sending ClientHello/{n;s/.*sending \([0-9]*\) TLS bytes.*/\1/p;q}' \
		"$WORK/$1.out")
	[ -n "$HELLO" ] || fail "no ClientHello length in $1.out"
}

netns_new aaa
ns=$NS_NAME
render_radius "$WORK/radius" "$CCM8" 1408
start_radius "$ns" "$WORK/radius"
auth base "eiot_strict=1"
base=$HELLO

# cached RUN: the server's Certificate was verified and stored in the cache file.
cached() {
	grep -qF "$OUR_MARK creds: server certificate accepted" "$WORK/$1.out" ||
		fail "$1: the server certificate was not verified"
	grep -qE "$OUR_RE cached_info: stored the [0-9]+-byte Certificate for aaa.example.com" \
		"$WORK/$1.out" || fail "$1: the server's Certificate was not cached"
	[ -s "$cache" ] || fail "$1: no cache file $cache"
}
if [ "$case" = cert-cache ]; then
	cache=$WORK/cache/certs
	mkdir -p "$WORK/cache"
	auth first "eiot_strict=1 eiot_cert_cache=$cache"
	grep -qF "$OUR_MARK cached_info: nothing cached for aaa.example.com" "$WORK/first.out" ||
		fail "first run: no 'nothing cached' line"
	[ "$HELLO" = "$base" ] || fail "first run: ClientHello $HELLO bytes, $base without the knob"
	cached first
	say "first run: nothing offered, Certificate cached ($(wc -c <"$cache") bytes in $cache)"
	auth second "eiot_strict=1 eiot_cert_cache=$cache"
	grep -qE "$OUR_RE cached_info: offering the [0-9]+-byte Certificate cached for aaa.example.com" \
		"$WORK/second.out" || fail "second run (restart): cached_info not offered"
	# type 2 + length 2 + list length 2 + CachedObject type 1 + hash length 1 + SHA-256 32
	[ "$HELLO" = $((base + 40)) ] ||
		fail "second run: ClientHello $HELLO bytes, $base without: no 40-byte cached_info"
	grep -qF "cached_info: server sent the hash" "$WORK/second.out" &&
		fail "second run: FreeRADIUS answered cached_info?"
	cached second
	say "second run (restart): cached_info offered (ClientHello $HELLO bytes, $base without), ignored, chain verified and cached again"
	echo "not a cache" >"$cache"
	auth third "eiot_strict=1 eiot_cert_cache=$cache"
	grep -qF "eiot_cert_cache '$cache': WARNING: the file does not verify" "$WORK/third.out" ||
		fail "third run: no WARNING for a cache file that does not verify"
	[ "$HELLO" = "$base" ] || fail "third run: ClientHello $HELLO bytes, $base without the knob"
	cached third
	[ "$(wc -c <"$cache")" -gt 40 ] || fail "third run: the garbage file was not replaced"
	stop "$RADIUS_PID"
	[ "$(radius_rounds "$WORK/radius/radius.out" | grep -c .)" = 4 ] ||
		fail "FreeRADIUS did not finish four authentications"
	say "third run: garbage cache file -> WARNING, nothing offered, success, file rewritten"
	say "PASS ($VARIANT, $case)"
	exit 0
fi
auth eapol "eiot_strict=1 $knob"
stop "$RADIUS_PID"
suite=$(sed -n 's/.*TLS-Session-Cipher-Suite = "\(.*\)"/\1/p' "$WORK/radius/radius.out" | tail -1)
say "$VARIANT $knob: suite=${suite:-none}, ClientHello $HELLO bytes (without: $base)"
[ "$suite" = "$CCM8" ] || fail "suite $suite, expected $CCM8"
[ "$HELLO" = $((base + ext)) ] ||
	fail "ClientHello $HELLO bytes with $knob, $base without: the extension ($ext bytes) was not sent"
agreed=$(grep -o "records at most [0-9]* bytes out, [0-9]* in" "$WORK/eapol.out" | head -1)
case $case in
mfl512)
	[ "$agreed" = "records at most 512 bytes out, 512 in" ] ||
		fail "max_fragment_length 512 not agreed with FreeRADIUS ('${agreed:-nothing}')" ;;
rsl)
	[ -z "$agreed" ] || fail "FreeRADIUS (OpenSSL 3.0) agreed a record size: '$agreed'" ;;
rpk)
	grep -qF "raw public key is pinned" "$WORK/eapol.out" &&
		fail "FreeRADIUS sent a raw public key?"
	grep -qF "$OUR_MARK creds: server certificate accepted" "$WORK/eapol.out" ||
		fail "no X.509 fallback: the server certificate was not checked"
	;;
cert-url)
	grep -qF "cert_url: sending CertificateURL" "$WORK/eapol.out" &&
		fail "a CertificateURL was sent to FreeRADIUS"
	grep -qF 'TLS-Client-Cert-Common-Name := "00-11-22-33-44-55-66-77"' \
		"$WORK/radius/radius.out" || fail "FreeRADIUS did not get the device's certificate"
	;;
esac
say "PASS ($VARIANT, $case, $suite, ${agreed:-no record size agreed})"
