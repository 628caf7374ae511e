#!/bin/sh
# iot-tls client -> gnutls-serv (own netns), TLS 1.2, ECDHE-ECDSA-AES128-CCM8, mutual certs.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls tls ccm8
