#!/bin/sh
# tests/netns/pool.sh — two AAA servers sharing one session ticket key file (RFC 5077: tickets
# are stateless, so any server holding the keys resumes any session). The wired topology
# (topology_up) with stock hostapd configured with both FreeRADIUS instances (127.0.0.1:1812
# then :1822, its failover order), each running eap_iot's rlm_eap_tls7925 with
# `ticket_key_file`, and our wpa_supplicant offering tickets (phase1 eiot_tickets=1):
#   1. the full authentication goes to the first server, which issues a ticket;
#   2. the first server stops and the key file is rotated (new current key, the old one as
#      previous); `wpa_cli reauthenticate`: hostapd fails over (after its retransmissions,
#      about 45 s) and the second server resumes the first one's ticket;
#   3. rotated again: the ticket the second server issued under the previous key still resumes;
#   4. rotated twice more: that key is gone, the second server says so and does a full
#      handshake, which succeeds.
set -u
VARIANT=${VARIANT:-static}
. "$(dirname "$0")/lib.sh"
RADIUS_IMPL=eap_iot
PHASE1_STRICT="eiot_strict=1 eiot_tickets=1"
select_variant
[ "$OURS" = 1 ] || fail "pool.sh needs one of our builds (tickets)"
need openssl

keys=$WORK/ticket.keys
# rotate CURRENT PREVIOUS: write the key file atomically, mode 0600 (each key 64 hex digits)
rotate() {
	umask 077
	printf '%s\n%s\n' "$1" "$2" >"$keys.new" && mv "$keys.new" "$keys"
	sleep 1.2 # the servers look at the file at most once a second
}
k() { openssl rand -hex 32; }
k1=$(k) k2=$(k) k3=$(k) k4=$(k) k5=$(k)
rotate "$k1" "$k2"

topology_up 1500
for n in 1 2; do
	RADIUS_PORT=$((1802 + 10 * n)) TLS7925_CACHE_EXTRA="ticket_key_file = $keys" \
		render_radius "$WORK/radius$n" "$CCM8" 1408
	start_radius "$ap" "$WORK/radius$n"
	eval "RADIUS$n=\$RADIUS_PID"
done
render_hostapd "$WORK/hostapd.conf" ""
printf 'auth_server_addr=127.0.0.1\nauth_server_port=1822\nauth_server_shared_secret=%s\n' \
	"$SECRET" >>"$WORK/hostapd.conf"
start_hostapd "$WORK/hostapd.conf"
render_supplicant "$WORK/wpas.conf" 1398
start_wpas "$WORK/wpas.conf"
R1=$WORK/radius1/radius.out R2=$WORK/radius2/radius.out
grep -q "hs: sending NewSessionTicket" "$R1" || fail "the first server issued no ticket"
grep -q "Received Access-Request" "$R2" && fail "the second server was used for the first join"
say "1. full authentication on the first server, ticket issued"

stop "$RADIUS1"
rotate "$k3" "$k1"
reauth 120
grep -q "ticket_key_file .* re-read: keys rotated" "$R2" || fail "the second server did not re-read the key file"
grep -q "ClientHello's ticket names a session to resume" "$R2" || fail "the second server did not open the ticket"
# the failover replays the Identity of an EAP session hostapd gave up on: one extra round trip
last=$(radius_rounds "$R2" | tail -1)
[ "${last##* }" = 1 ] || fail "the re-authentication on the second server was not resumed ($last)"
grep -qF "$OUR_MARK handshake complete (resumed)" "$R2" || fail "our module did not resume"
say "2. first server stopped, keys rotated: the second server resumed the first one's ticket ($last)"

rotate "$k4" "$k3"
reauth
check_resumed "$R2" "$WORK/wpas.out" 3
say "3. rotated again: the ticket sealed under the previous key resumed"

rotate "$k5" "$k4"
rotate "$(k)" "$k5"
reauth
last=$(radius_rounds "$R2" | tail -1)
[ "${last##* }" = 0 ] || fail "a ticket of a rotated-out key was resumed"
grep -q "not resuming by ticket (ticket sealed with a key rotated out)" "$R2" ||
	fail "no line saying the ticket's key is gone"
say "4. two more rotations: ticket refused (key rotated out), full handshake ($last)"
check_ours "$WORK/wpas.out"
stop "$WPAS_PID"
stop "$HOSTAPD_PID"
stop "$RADIUS2"
say "PASS (two AAA servers, one rotated ticket key file)"
