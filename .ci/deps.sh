#!/bin/sh
# Install what the build and the tests need (idempotent; quiet when all is there).
set -e
PKGS="build-essential clang libclang-rt-14-dev libmbedtls-dev libcmocka-dev openssl gnutls-bin valgrind pkg-config iproute2 python3 freeradius hostapd eapoltest wpasupplicant libcoap3-bin"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
