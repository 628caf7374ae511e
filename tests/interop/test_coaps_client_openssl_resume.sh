#!/bin/sh
# coaps-client (eap_iot CoAP over DTLS) -> libcoap coap-server-openssl, session kept in a file and offered again (ID, ticket).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
. "$(dirname "$0")/lib_coaps_client.sh"
coaps_client_vs_libcoap openssl resume
