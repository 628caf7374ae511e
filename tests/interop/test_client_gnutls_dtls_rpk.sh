#!/bin/sh
# iot-tls (raw public key) -> gnutls-serv (raw public key), DTLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rpk.sh"
client_rpk_vs_gnutls dtls
