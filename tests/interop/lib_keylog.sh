# tests/interop/lib_keylog.sh — the opt-in NSS key log (sourced after lib.sh; not a test itself).
#
# iot-tls --keylog and the OpenSSL peer's -keylogfile each write "CLIENT_RANDOM <client random>
# <master secret>" for the same handshake. The two lines must be identical: then our master
# secret (extended master secret included) is the one OpenSSL derived, and Wireshark can decrypt
# the capture with our file. The file must be private (0600) and iot-tls must have said loudly
# that it writes secrets.
KEYS_OURS=$T/iot.keys
KEYS_PEER=$T/ossl.keys

# kl_check LOG: LOG is iot-tls's stderr.
kl_check() {
	ours=$(grep '^CLIENT_RANDOM ' "$KEYS_OURS" 2>/dev/null)
	peer=$(awk '$1 == "CLIENT_RANDOM" { print $1, tolower($2), tolower($3) }' "$KEYS_PEER" 2>/dev/null)
	[ -n "$ours" ] || fail "iot-tls wrote no CLIENT_RANDOM line"
	[ -n "$peer" ] || fail "openssl wrote no CLIENT_RANDOM line"
	[ "$(printf '%s\n' "$ours" | wc -l)" -eq 1 ] || fail "iot-tls logged one handshake twice"
	printf '%s\n' "$ours" | grep -Eqx 'CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}' ||
		fail "malformed key log line: $ours"
	[ "$ours" = "$peer" ] || fail "key log lines differ: iot-tls '$ours', openssl '$peer'"
	[ "$(stat -c %a "$KEYS_OURS")" = 600 ] || fail "key log file mode $(stat -c %a "$KEYS_OURS")"
	grep -qF "anyone with this file can decrypt the traffic" "$1" ||
		fail "iot-tls did not warn that it writes session secrets"
}
