#!/bin/sh
# openssl s_client -> iot-tls server, TLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
openssl_vs_server tls psk
