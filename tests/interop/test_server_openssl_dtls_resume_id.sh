#!/bin/sh
# s_client -sess_out/-sess_in -> iot-tls --session-cache, DTLS, session-ID resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
openssl_resume_vs_server dtls id
