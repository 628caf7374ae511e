#!/bin/sh
# iot-tls --cert-url -> gnutls-serv requiring a client certificate, TLS: the offer is
# ignored, the Certificate is sent and verified (RFC 6066 §5 fallback).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_cert_url.sh"
cu_client_vs_gnutls tls
