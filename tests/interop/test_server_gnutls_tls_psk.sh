#!/bin/sh
# gnutls-cli -> iot-tls server, TLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
gnutls_vs_server tls psk
