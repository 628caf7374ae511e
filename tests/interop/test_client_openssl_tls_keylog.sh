#!/bin/sh
# iot-tls --keylog (client, TLS, ECDHE mutual): the line equals openssl s_server -keylogfile's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_keylog.sh"
IOT_CLI_EXTRA="--keylog $KEYS_OURS" OSSL_SRV_EXTRA="-keylogfile $KEYS_PEER"
client_vs_openssl tls ccm8
kl_check "$T/cli.log"
