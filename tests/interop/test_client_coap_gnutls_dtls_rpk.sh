#!/bin/sh
# iot-tls (raw public key) -> coap-server-gnutls -M (raw public key): CoAP GET /.well-known/core, 2.05 back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
client_vs_coap_server gnutls rpk
