#!/bin/sh
# iot-tls client -> gnutls-serv (private namespace), TLS 1.2, ECDHE-ECDSA-AES128-CCM8, mutual certificates.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls tls ccm8
