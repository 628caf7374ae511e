#!/bin/sh
# coap-client-gnutls -M (raw public key) -> iot-tls server (raw public key, client key pinned): CoAP GET in, 2.05 out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
coap_client_vs_server gnutls rpk
