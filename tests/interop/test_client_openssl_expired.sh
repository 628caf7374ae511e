#!/bin/sh
# openssl s_server with an expired certificate -> iot-tls client: certificate_expired (45).
. "$(dirname "$0")/lib.sh"
client_bad_cert_vs_openssl tls server-expired \
	"^iot-tls: handshake failed: .*\\(alert certificate_expired sent\\)$" "SSL alert number 45"
