#!/bin/sh
# radius_module/build.sh BUILD [CRYPTO] — rlm_eap_tls7925.so, eap_iot's EAP-TLS server as an rlm_eap
# submodule, for Debian's installed FreeRADIUS (not rebuilt, not patched):
#   BUILD/radius/rlm_eap_tls7925.so
#   BUILD/radius/include/   the headers it is compiled against: FreeRADIUS's public headers from
#                           `apt-get source freeradius=<the installed version>` (Debian's
#                           libfreeradius-dev lacks some, and rlm_eap's eap.h / eap_types.h),
#                           overlaid with libfreeradius-dev's generated ones (autoconf.h,
#                           features.h, ...: the options Debian built the binary with, which
#                           decide struct layouts).
# Needs BUILD/CRYPTO/libeap_iot.a (CRYPTO: openssl, the default, or mbedtls). Quiet and quick
# when nothing changed.
set -e
B=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$B"
B=$(cd "$B" && pwd)
R=$B/radius
CRYPTO=${2:-openssl}
LIB=$B/$CRYPTO/libeap_iot.a
case $CRYPTO in
mbedtls) CRYPTO_LIBS="-lmbedx509 -lmbedcrypto" ;;
openssl) CRYPTO_LIBS="" ;; # -lcrypto is linked anyway (FreeRADIUS's and curl's)
*) echo "radius_module: unknown crypto backend '$CRYPTO'" >&2; exit 2 ;;
esac
[ -f "$LIB" ] || { echo "radius_module: $LIB is missing (run make lib first)" >&2; exit 1; }

PKGS="freeradius libfreeradius-dev libtalloc-dev libpcre3-dev libssl-dev libcurl4-openssl-dev libmbedtls-dev dpkg-dev"
sh "$ROOT/.ci/apt_install.sh" radius_module $PKGS

# The headers must be those of the very FreeRADIUS that will load the module.
ver=$(dpkg-query -W -f='${Version}' freeradius)
dev=$(dpkg-query -W -f='${Version}' libfreeradius-dev)
[ "$ver" = "$dev" ] || { echo "radius_module: freeradius $ver but libfreeradius-dev $dev" >&2; exit 1; }
if [ "$(cat "$R/include/.version" 2>/dev/null)" != "$ver" ]; then
	rm -rf "$R/include" "$R/src"
	mkdir -p "$R/include/freeradius"
	sh "$ROOT/.ci/apt_source.sh" "freeradius=$ver" "$R/src"
	s=$R/src/src
	cp "$s"/include/*.h "$R/include/freeradius/"
	cp /usr/include/freeradius/*.h "$R/include/freeradius/"
	cp "$s/modules/rlm_eap/eap.h" "$s/modules/rlm_eap/libeap/eap_types.h" "$R/include/"
	ln -s freeradius "$R/include/freeradius-devel"
	rm -rf "$R/src"
	echo "$ver" > "$R/include/.version"
	echo "radius_module: headers of FreeRADIUS $ver"
fi

SO=$R/rlm_eap_tls7925.so
SRC=$(ls "$HERE"/src/*.c "$HERE"/src/*.h)
stale=0
[ -f "$SO" ] || stale=1
[ "$(cat "$R/.crypto" 2>/dev/null)" = "$CRYPTO" ] || stale=1
for f in $SRC "$LIB" "$HERE/build.sh" "$HERE/rlm_eap_tls7925.map" "$R/include/.version"; do
	[ "$f" -nt "$SO" ] && stale=1
done
[ $stale = 1 ] || exit 0
# -include build.h: FreeRADIUS's own build puts it before everything (RCSID, attributes).
${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -fPIC -shared \
	-DIS_MODULE -include freeradius-devel/build.h -I"$R/include" -I"$ROOT/eap_iot/include" \
	"$HERE"/src/*.c -o "$SO.tmp" "$LIB" $CRYPTO_LIBS -lcrypto -lcurl -lpthread \
	-Wl,--version-script="$HERE/rlm_eap_tls7925.map" 2>"$R/build.log" || {
	cat "$R/build.log" >&2
	echo "radius_module: the build failed" >&2
	exit 1
}
mv "$SO.tmp" "$SO"
echo "$CRYPTO" > "$R/.crypto"
echo "radius_module: built $SO"
