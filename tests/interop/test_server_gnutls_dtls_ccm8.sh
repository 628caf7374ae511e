#!/bin/sh
# gnutls-cli -> iot-tls server, DTLS 1.2, ECDHE-ECDSA-AES128-CCM8, mutual certificates.
. "$(dirname "$0")/lib.sh"
gnutls_vs_server dtls ccm8
