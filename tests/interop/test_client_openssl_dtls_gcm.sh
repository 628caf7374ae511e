#!/bin/sh
# iot-tls client -> openssl s_server, DTLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, mutual certificates.
. "$(dirname "$0")/lib.sh"
client_vs_openssl dtls gcm
