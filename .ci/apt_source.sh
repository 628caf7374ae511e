#!/bin/sh
# .ci/apt_source.sh PACKAGE DEST — Debian's source of PACKAGE (`apt-get source`) unpacked as the
# directory DEST (replaced). Adds deb-src to the apt sources first when they have none (deb822
# "Types: deb" -> "Types: deb deb-src", or deb-src lines beside a one-line sources.list).
set -e
PKG=$1 DEST=$2
[ -n "$PKG" ] && [ -n "$DEST" ] || { echo "usage: apt_source.sh PACKAGE DEST" >&2; exit 2; }

have_src() {
	grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 0
	grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
	return 1
}
if ! have_src; then
	echo "apt_source: adding deb-src to the apt sources"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -q 'debian' "$f" && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
	done
	if [ -f /etc/apt/sources.list ] && grep -q '^deb .*debian' /etc/apt/sources.list; then
		grep '^deb .*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' >> /etc/apt/sources.list
	fi
	have_src || { echo "apt_source: found no Debian apt source to add deb-src to" >&2; exit 1; }
	apt-get update -qq
fi
command -v dpkg-source >/dev/null 2>&1 || {
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq dpkg-dev >/dev/null
}

dl=$DEST.dl
rm -rf "$DEST" "$dl"
mkdir -p "$dl"
(cd "$dl" && apt-get source -qq "$PKG" >/dev/null 2>&1) || {
	apt-get update -qq
	(cd "$dl" && apt-get source -qq "$PKG" >/dev/null)
}
tree=$(find "$dl" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$tree" ] || { echo "apt_source: apt-get source $PKG gave no tree" >&2; exit 1; }
mv "$tree" "$DEST"
rm -rf "$dl"
