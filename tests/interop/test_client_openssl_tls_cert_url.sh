#!/bin/sh
# iot-tls --cert-url: taken by iot-tls --cert-url-dir, ignored by openssl s_server (TLS), which
# gets the client certificate and succeeds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cert_url.sh"
cu_client_vs_openssl tls
