#!/bin/sh
# iot-tls client -> mbedTLS 2.28 server (mbedtls-peer --listen), DTLS cert, resumption by ticket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mbedtls.sh"
client_vs_mbedtls dtls cert ticket
