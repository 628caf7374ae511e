#!/bin/sh
# openssl s_client -> iot-tls server, DTLS 1.2, mutual certificates, 256-byte datagrams both ways.
. "$(dirname "$0")/lib.sh"
IOT_MTU=256
OSSL_MTU=256
openssl_vs_server dtls ccm8
