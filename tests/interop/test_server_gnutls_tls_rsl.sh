#!/bin/sh
# gnutls-cli --recordsize 512 -> iot-tls --record-size-limit 1024, TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_records.sh"
gnutls_rsl_vs_server
