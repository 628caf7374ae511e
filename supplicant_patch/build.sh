#!/bin/sh
# supplicant_patch/build.sh BUILD [CRYPTO] — hostap 2.10 (Debian's `apt-get source wpa`) with eap_iot's
# EAP-TLS as EAP type 13 "TLS", in two variants:
#   BUILD/supplicant/bin/{wpa_supplicant,wpa_cli,eapol_test}          method linked in
#   BUILD/supplicant/plugin/{wpa_supplicant,wpa_cli,eapol_test,eap_iot.so}  method as a plugin
# Each variant gets its own copy of the source (BUILD/supplicant/<variant>-tree) with
# hostap-eap_iot.patch applied, the glue files copied into src/eap_peer/ and config.<variant> as
# .config. Needs BUILD/CRYPTO/libeap_iot.a (CRYPTO: mbedtls, the default, or openssl; the
# top-level Makefile builds it first). Quiet and quick when
# nothing changed; compiler output goes to <variant>-tree/build.log and is shown on failure.
set -e
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$B"
B=$(cd "$B" && pwd)
S=$B/supplicant
CRYPTO=${2:-mbedtls}
LIB=$B/$CRYPTO/libeap_iot.a
case $CRYPTO in
mbedtls) CRYPTO_LIBS="-lmbedx509 -lmbedcrypto" ;;
openssl) CRYPTO_LIBS="-lcrypto" ;;
*) echo "supplicant: unknown crypto backend '$CRYPTO'" >&2; exit 2 ;;
esac
INC=$ROOT/eap_iot/include
JOBS=$(nproc 2>/dev/null || echo 2)

[ -f "$LIB" ] || { echo "supplicant: $LIB is missing (run make lib first)" >&2; exit 1; }
sh "$HERE/deps.sh" "$S/src"

# Copy src to dst only when the content differs, so make sees only real changes.
sync_file() {
	cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

build_variant() {
	v=$1
	shift
	tree=$S/$v-tree
	stamp=$(cat "$HERE/hostap-eap_iot.patch" "$HERE/config.$v" | sha256sum | cut -c1-16)
	if [ "$(cat "$tree/.stamp-tree" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$tree"
		cp -a "$S/src/hostap" "$tree"
		patch -s -p1 -d "$tree" < "$HERE/hostap-eap_iot.patch"
		cp "$HERE/config.$v" "$tree/wpa_supplicant/.config"
		echo "$stamp" > "$tree/.stamp-tree"
	fi
	for f in "$HERE"/glue/*.c "$HERE"/glue/*.h; do
		sync_file "$f" "$tree/src/eap_peer/$(basename "$f")"
	done
	w=$tree/wpa_supplicant
	# hostap's link rules do not depend on LIBS: relink when libeap_iot.a is newer, or
	# another backend's library was linked last time.
	[ "$(cat "$tree/.stamp-crypto" 2>/dev/null)" = "$CRYPTO" ] || rm -f "$w/wpa_supplicant" "$w/eapol_test" "$w/eap_iot.so"
	echo "$CRYPTO" > "$tree/.stamp-crypto"
	for p in wpa_supplicant eapol_test; do
		[ ! -f "$w/$p" ] || [ ! "$LIB" -nt "$w/$p" ] || rm -f "$w/$p"
	done
	if ! (cd "$w" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u LDFLAGS CFLAGS="-MMD -O2 -Wall -g" \
		make -j"$JOBS" EIOT_LIB="$LIB" EIOT_INC="$INC" EIOT_LIBS="$LIB $CRYPTO_LIBS" \
		"$@" > "$tree/build.log" 2>&1); then
		tail -n 40 "$tree/build.log" >&2
		echo "supplicant: the $v build failed (log: $tree/build.log)" >&2
		exit 1
	fi
	grep -q ' LD \| CC \|CC/LD' "$tree/build.log" && echo "supplicant: built the $v variant" || true
}

install_to() {
	dir=$1
	shift
	mkdir -p "$dir"
	for f in "$@"; do
		sync_file "$f" "$dir/$(basename "$f")"
	done
}

build_variant static wpa_supplicant wpa_cli eapol_test
t=$S/static-tree/wpa_supplicant
install_to "$S/bin" "$t/wpa_supplicant" "$t/wpa_cli" "$t/eapol_test"

build_variant plugin wpa_supplicant wpa_cli eapol_test eap_iot.so
t=$S/plugin-tree/wpa_supplicant
install_to "$S/plugin" "$t/wpa_supplicant" "$t/wpa_cli" "$t/eapol_test" "$t/eap_iot.so"
