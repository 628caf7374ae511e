#!/bin/sh
# coaps-client (eap_iot CoAP over DTLS) -> libcoap coap-server-openssl, Block2 download and Block1 upload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
. "$(dirname "$0")/lib_coaps_client.sh"
coaps_client_vs_libcoap openssl blockwise
