#!/bin/sh
# libcoap coap-client-openssl -> coaps-server (eap_iot CoAP over DTLS), observe.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
. "$(dirname "$0")/lib_coaps_server.sh"
coap_client_vs_coaps_server openssl observe
