#!/bin/sh
# iot-tls --record-size-limit 512 -> gnutls-serv, TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_records.sh"
client_rsl_vs_gnutls
