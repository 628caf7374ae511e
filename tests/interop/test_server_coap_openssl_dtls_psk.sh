#!/bin/sh
# coap-client-openssl -u -k (PSK) -> iot-tls server (PSK): CoAP GET in, 2.05 out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
coap_client_vs_server openssl psk
