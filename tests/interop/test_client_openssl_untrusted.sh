#!/bin/sh
# openssl s_server with a certificate from another CA -> iot-tls client (DTLS): unknown_ca (48).
. "$(dirname "$0")/lib.sh"
client_bad_cert_vs_openssl dtls server-untrusted \
	"^iot-tls: handshake failed: .*\\(alert unknown_ca sent\\)$" "SSL alert number 48"
