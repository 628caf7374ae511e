#!/bin/sh
# iot-tls (PSK) -> coap-server-openssl -k: CoAP GET /.well-known/core, 2.05 back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_coap.sh"
client_vs_coap_server openssl psk
