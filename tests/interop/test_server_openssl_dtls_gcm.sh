#!/bin/sh
# openssl s_client -> iot-tls server, DTLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, mutual certificates.
. "$(dirname "$0")/lib.sh"
openssl_vs_server dtls gcm
