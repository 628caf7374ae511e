#!/bin/sh
# s_client -sess_out/-sess_in -> iot-tls --session-cache, TLS, RFC 5077 ticket resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
openssl_resume_vs_server tls ticket
