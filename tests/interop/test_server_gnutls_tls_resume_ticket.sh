#!/bin/sh
# gnutls-cli --resume -> iot-tls --session-cache, TLS, RFC 5077 ticket resumption.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_resume.sh"
gnutls_resume_vs_server tls ticket
