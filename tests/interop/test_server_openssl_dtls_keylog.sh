#!/bin/sh
# iot-tls --keylog (server, DTLS, PSK): the line equals openssl s_client -keylogfile's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_keylog.sh"
IOT_SRV_EXTRA="--keylog $KEYS_OURS" OSSL_CLI_EXTRA="-keylogfile $KEYS_PEER"
openssl_vs_server dtls psk
kl_check "$T/srv.log"
