#!/bin/sh
# openssl s_client with the wrong PSK -> iot-tls server (TLS): one line, bad_record_mac on the wire.
. "$(dirname "$0")/lib.sh"
wrong_psk_vs_server
