#!/bin/sh
# iot-tls --cert-cache holding the server's chain -> openssl s_server, DTLS: the cached_info offer is
# ignored, the handshake succeeds, the entry is refreshed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cached_info.sh"
ci_client_vs_openssl dtls
