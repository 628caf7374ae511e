#!/bin/sh
# iot-tls client -> gnutls-serv (own netns), DTLS 1.2, ECDHE-ECDSA-AES128-CCM8, mutual certs.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls dtls ccm8
