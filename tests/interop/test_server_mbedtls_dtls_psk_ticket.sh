#!/bin/sh
# mbedTLS 2.28 client (mbedtls-peer) -> iot-tls server, DTLS psk, resumption by ticket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mbedtls.sh"
mbedtls_client_vs_server dtls psk ticket
