#!/bin/sh
# iot-tls client -> gnutls-serv (private namespace), TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, mutual certificates.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls tls gcm
