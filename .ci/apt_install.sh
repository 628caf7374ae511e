#!/bin/sh
# .ci/apt_install.sh WHO PACKAGE... — install those of the Debian packages that are missing
# (one apt-get update first), saying "WHO: installing ..."; quiet when all are there.
set -e
who=$1
shift
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "$who: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
