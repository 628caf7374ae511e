#!/bin/sh
# iot-tls client -> gnutls-serv (own netns), DTLS 1.2, PSK-AES128-CCM8.
. "$(dirname "$0")/lib.sh"
client_vs_gnutls dtls psk
