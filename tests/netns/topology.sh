#!/bin/sh
# tests/netns/topology.sh 1500|127|127fm — the wired 802.1X topology (TEST_BED.md): netns sta runs
# VARIANT's `wpa_supplicant -D wired -i veth-sta`, netns ap runs stock hostapd (driver=wired) on
# veth-ap and stock FreeRADIUS on its own loopback; the veth pair is created inside the two
# namespaces. Asserts CTRL-EVENT-EAP-SUCCESS and hostapd's "authorizing port", then that
# `wpa_cli reauthenticate` succeeds a second time, resumed (RFC 5216 §2.1.3: FreeRADIUS logs
# EAP-Session-Resumed := 1, our builds log "handshake complete (resumed)") in R round trips
# (RADIUS Access-Requests of that authentication, the Identity included). Per link MTU:
#   1500: ours 1398 (EAP 1408), FreeRADIUS 1408; R = 3
#   127:  ours 113 (EAP 123 + EAPOL 4 = 127), FreeRADIUS 123 (whole EAP packet); R = 5 (the
#         ClientHello, 139 B with the session ID, and the ServerHello/ChangeCipherSpec/Finished
#         flight, 133 B, take two fragments each)
# Our builds at 1500 then change the network block (wpa_cli set_network, same value) and
# re-authenticate once more: the session is forgotten, the authentication is a full one.
#   127fm: ours 113; FreeRADIUS left at 1408 and told the link size by hostapd instead:
#          Framed-MTU = 113 (RADIUS attribute 12), which FreeRADIUS reads as TLS bytes per
#          fragment — the same number as our fragment_size
# With TOPO_KEEP_UP=1 the summary files stay in $WORK for demo/eap.sh.
set -u
. "$(dirname "$0")/lib.sh"
select_variant
attr=""
case ${1:-} in
1500) mtu=1500 ours=1398 fr=1408 rounds=3 ;;
127) mtu=127 ours=113 fr=123 rounds=5 ;;
127fm) mtu=127 ours=113 fr=1408 attr="radius_auth_req_attr=12:d:113" rounds=5 ;;
*) fail "usage: topology.sh 1500|127|127fm" ;;
esac
need hostapd

topology_up "$mtu"
render_radius "$WORK/radius" "$CCM8" "$fr"
start_radius "$ap" "$WORK/radius"
render_hostapd "$WORK/hostapd.conf" "$attr"
start_hostapd "$WORK/hostapd.conf"
render_supplicant "$WORK/wpas.conf" "$ours"
start_wpas "$WORK/wpas.conf"
say "MTU $mtu: first authentication succeeded"
reauth
check_resumed "$WORK/radius/radius.out" "$WORK/wpas.out" "$rounds"
if [ "$OURS" = 1 ] && [ "$mtu" = 1500 ]; then
	# a changed network block forgets the session: the next authentication is a full one
	ip netns exec "$sta" timeout 10 "$WPA_CLI" -p "$WORK/ctrl" -i veth-sta set_network 0 \
		fragment_size "$ours" >"$WORK/wpa_cli.out" 2>&1
	grep -q OK "$WORK/wpa_cli.out" || { cat "$WORK/wpa_cli.out"; fail "wpa_cli set_network"; }
	reauth
	last=$(radius_rounds "$WORK/radius/radius.out" | tail -1)
	[ "$last" = "4 0" ] || fail "after set_network: authentication '$last', expected '4 0' (full)"
	say "after set_network: a full authentication ($last)"
fi
if grep -q "Message too long" "$WORK/wpas.out" "$WORK/hostapd.out"; then
	fail "a frame did not fit MTU $mtu"
fi
check_ours "$WORK/wpas.out"
stop "$WPAS_PID"
stop "$HOSTAPD_PID"
stop "$RADIUS_PID"
up=$(sed -n 's/^TX EAPOL - hexdump(len=\([0-9]*\)).*/\1/p' "$WORK/wpas.out" | sort -n | tail -1)
down=$(sed -n 's/^l2_packet_receive: src=.* len=\([0-9]*\).*/\1/p' "$WORK/wpas.out" | sort -n | tail -1)
[ -n "$up" ] && [ -n "$down" ] || fail "no EAPOL frame sizes in the wpa_supplicant log"
[ "$up" -le "$mtu" ] && [ "$down" -le "$mtu" ] || fail "EAPOL frames $up/$down B exceed MTU $mtu"
say "PASS ($VARIANT, MTU $mtu, fragment $ours/$fr, largest EAPOL frames sta->ap $up B, ap->sta $down B," \
	"re-authentication resumed in $rounds round trips)"
