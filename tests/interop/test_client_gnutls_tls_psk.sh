#!/bin/sh
# iot-tls client -> gnutls-serv (own netns), TLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls tls psk
