#!/bin/sh
# iot-tls client -> openssl s_server, DTLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
client_vs_openssl dtls psk
