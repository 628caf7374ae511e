#!/bin/sh
# iot-tls client, wrong --server-name -> openssl s_server: one failure line, bad_certificate sent.
. "$(dirname "$0")/lib.sh"
client_bad_name_vs_openssl tls
