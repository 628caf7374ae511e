#!/bin/sh
# openssl s_client -> iot-tls --require-ems (server, DTLS, PSK): OpenSSL sends
# extended_master_secret (RFC 7627), so the handshake goes through.
. "$(dirname "$0")/lib.sh"
IOT_SRV_EXTRA="--require-ems"
openssl_vs_server dtls psk
