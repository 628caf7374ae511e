#!/bin/sh
# The same over DTLS: a handshake failure is fatal there too, with the alert sent.
. "$(dirname "$0")/lib.sh"
client_bad_name_vs_openssl dtls
