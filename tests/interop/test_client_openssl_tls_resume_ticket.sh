#!/bin/sh
# iot-tls --reconnect -> openssl s_server, TLS, RFC 5077 ticket resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
client_resume_vs_openssl tls ticket
