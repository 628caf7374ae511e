#!/bin/sh
# openssl s_client -maxfraglen 512 -> iot-tls, TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_records.sh"
openssl_mfl_vs_server
