#!/bin/sh
# Install what the build and the tests need (idempotent; quiet when all is there).
set -e
PKGS="build-essential clang libclang-rt-14-dev libmbedtls-dev libssl-dev libcmocka-dev openssl gnutls-bin valgrind pkg-config iproute2 python3 bc freeradius hostapd eapoltest wpasupplicant libcoap3-bin"
sh "$(dirname "$0")/apt_install.sh" deps $PKGS
