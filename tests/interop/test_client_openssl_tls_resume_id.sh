#!/bin/sh
# iot-tls --reconnect -> openssl s_server, TLS, session-ID resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
client_resume_vs_openssl tls id
