#!/bin/sh
# coaps-client (eap_iot CoAP over DTLS) -> libcoap coap-server-openssl, observe (RFC 7641).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
. "$(dirname "$0")/lib_coaps_client.sh"
coaps_client_vs_libcoap openssl observe
