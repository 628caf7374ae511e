#!/bin/sh
# supplicant_patch/deps.sh — what the hostap build needs: the build dependencies of our two
# .config files, and hostap 2.10 from `apt-get source wpa` (.ci/apt_source.sh) unpacked into
# $1/hostap (build/supplicant/src). Idempotent and quiet when everything is there already.
set -e
SRC_DIR=$1
[ -n "$SRC_DIR" ] || { echo "usage: deps.sh SRC_DIR" >&2; exit 2; }
PKGS="dpkg-dev build-essential pkg-config libssl-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libmbedtls-dev"
sh "$(dirname "$0")/../.ci/apt_install.sh" supplicant $PKGS

if [ ! -f "$SRC_DIR/.stamp-source" ]; then
	rm -rf "$SRC_DIR"
	mkdir -p "$SRC_DIR"
	sh "$(dirname "$0")/../.ci/apt_source.sh" wpa "$SRC_DIR/hostap"
	[ -f "$SRC_DIR/hostap/wpa_supplicant/Makefile" ] || { echo "supplicant: apt-get source wpa gave no tree" >&2; exit 1; }
	touch "$SRC_DIR/.stamp-source"
fi
