#!/bin/sh
# openssl s_client -> iot-tls server, DTLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
openssl_vs_server dtls psk
