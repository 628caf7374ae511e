#!/bin/sh
# iot-tls client with a raw public key -> gnutls-serv with an X.509 certificate (mixed), TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rpk.sh"
MIX=1
client_rpk_vs_gnutls tls
