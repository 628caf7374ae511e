#!/bin/sh
# openssl s_client -> iot-tls server, DTLS PSK, with an IP literal as SNI (libcoap sends the
# URI host even when it is an address): the server must ignore it, not fail (RFC 6066 §3).
. "$(dirname "$0")/lib.sh"
OSSL_CLI_EXTRA="-servername 127.0.0.1 -msg"
openssl_vs_server dtls psk
# s_client -msg dumps the datagrams it sent: the ClientHello must really carry "127.0.0.1"
tr -d ' \n' <"$T/cli.out" | grep -q 3132372e302e302e31 ||
	fail "the ClientHello did not carry the IP-literal server_name"
