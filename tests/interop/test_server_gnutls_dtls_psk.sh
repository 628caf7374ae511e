#!/bin/sh
# gnutls-cli -> iot-tls server, DTLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
gnutls_vs_server dtls psk
