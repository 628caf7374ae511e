#!/bin/sh
# iot-tls --max-fragment 512 -> openssl s_server, TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_records.sh"
client_mfl_vs_openssl
