#!/bin/sh
# iot-tls client -> mbedTLS 2.28 server (mbedtls-peer --listen), TLS cert, resumption by ticket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_mbedtls.sh"
client_vs_mbedtls tls cert ticket
