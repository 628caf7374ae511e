#!/bin/sh
# gnutls-cli (raw public key) -> iot-tls server (raw public key, client key pinned), DTLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_rpk.sh"
gnutls_rpk_vs_server dtls
