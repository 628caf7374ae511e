#!/bin/sh
# iot-tls client, wrong --server-name -> openssl s_server: fails with one line, bad_certificate on the wire.
. "$(dirname "$0")/lib.sh"
client_bad_name_vs_openssl tls
