#!/bin/sh
# openssl s_server with a secp384r1 certificate -> iot-tls client. We offer secp256r1 only
# (RFC 7925 §4.4), so OpenSSL cannot use that certificate and refuses the handshake; our client
# fails with one line naming the handshake_failure it received.
. "$(dirname "$0")/lib.sh"
client_bad_cert_vs_openssl tls server-p384 \
	"^iot-tls: handshake failed: .*\\(alert handshake_failure received\\)$" "no shared cipher"
