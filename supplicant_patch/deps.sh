#!/bin/sh
# supplicant_patch/deps.sh — what the hostap build needs: deb-src in the apt sources, the build
# dependencies of our two .config files, and hostap 2.10 from `apt-get source wpa` unpacked
# into $1 (build/supplicant/src). Idempotent and quiet when everything is there already.
set -e
SRC_DIR=$1
[ -n "$SRC_DIR" ] || { echo "usage: deps.sh SRC_DIR" >&2; exit 2; }
PKGS="dpkg-dev build-essential pkg-config libssl-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libmbedtls-dev"
export DEBIAN_FRONTEND=noninteractive

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

# deb-src: deb822 sources ("Types: deb" -> "Types: deb deb-src") or a one-line sources.list.
have_src() {
	grep -qs '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources && return 0
	grep -qs '^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
	return 1
}
need_update=0
if ! have_src; then
	echo "supplicant: adding deb-src to the apt sources"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -q 'debian' "$f" && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
	done
	if [ -f /etc/apt/sources.list ] && grep -q '^deb .*debian' /etc/apt/sources.list; then
		grep '^deb .*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' >> /etc/apt/sources.list
	fi
	have_src || { echo "supplicant: found no Debian apt source to add deb-src to" >&2; exit 1; }
	need_update=1
fi
if [ -n "$missing" ] || [ $need_update = 1 ]; then
	apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "supplicant: installing$missing"
	apt-get install -y -qq $missing >/dev/null
fi

if [ ! -f "$SRC_DIR/.stamp-source" ]; then
	rm -rf "$SRC_DIR"
	mkdir -p "$SRC_DIR/dl"
	(cd "$SRC_DIR/dl" && apt-get source -qq wpa >/dev/null 2>&1) || {
		apt-get update -qq
		(cd "$SRC_DIR/dl" && apt-get source -qq wpa >/dev/null)
	}
	d=$(find "$SRC_DIR/dl" -mindepth 1 -maxdepth 1 -type d -name 'wpa-*' | head -n 1)
	[ -n "$d" ] && [ -f "$d/wpa_supplicant/Makefile" ] || { echo "supplicant: apt-get source wpa gave no tree" >&2; exit 1; }
	mv "$d" "$SRC_DIR/hostap"
	rm -rf "$SRC_DIR/dl"
	touch "$SRC_DIR/.stamp-source"
fi
