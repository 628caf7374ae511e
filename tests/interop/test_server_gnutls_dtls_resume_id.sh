#!/bin/sh
# gnutls-cli --resume -> iot-tls --session-cache, DTLS, session-ID resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
gnutls_resume_vs_server dtls id
