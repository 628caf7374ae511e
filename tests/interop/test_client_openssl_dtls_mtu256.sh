#!/bin/sh
# iot-tls client -> openssl s_server, DTLS 1.2, mutual certificates, both sides at 256-byte
# datagrams: handshake messages are fragmented in both directions (RFC 6347 §4.2.3).
. "$(dirname "$0")/lib.sh"
IOT_MTU=256
OSSL_MTU=256
client_vs_openssl dtls ccm8
