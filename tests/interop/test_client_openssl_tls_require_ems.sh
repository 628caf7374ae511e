#!/bin/sh
# iot-tls --require-ems (client, TLS, ECDHE mutual) -> openssl s_server, which negotiates
# extended master secret (RFC 7627): the handshake goes through.
. "$(dirname "$0")/lib.sh"
IOT_CLI_EXTRA="--require-ems"
client_vs_openssl tls ccm8
