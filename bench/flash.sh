#!/bin/sh
# bench/flash.sh [BUILD] — Cortex-M flash and static RAM of what a device links: three small
# programs (bench/flash_device.c: DTLS PSK client, DTLS certificate client, EAP-TLS peer) built
# with arm-none-eabi-gcc -Os for Cortex-M4 and Cortex-M0+ against eap_iot and mbedTLS 2.28
# (Debian's source, bench/flash_mbedtls_config.h), newlib nano, --gc-sections.
# Owns the preconditions (toolchain, mbedTLS source, credentials), the cross builds and the
# host build that gives the heap per connection; bench/flash_map.py reads the linker maps and
# writes $BUILD/bench/flash.md (also printed). Scratch: $BUILD/flash (build.log, maps, ELFs).
# Quiet on success but for the table; every long step runs under `timeout`.
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$BUILD/bench"
BUILD=$(cd "$BUILD" && pwd)
F=$BUILD/flash
LOG=$F/build.log
CPUS="cortex-m4 cortex-m0plus"
PROGS="dtls-psk:FLASH_DTLS_PSK dtls-cert:FLASH_DTLS_CERT eap-tls-peer:FLASH_EAP_PEER"
JOBS=$(nproc 2>/dev/null || echo 2)
mkdir -p "$F"
: > "$LOG"

die() {
	echo "flash: $*" >&2
	[ -s "$LOG" ] && tail -n 40 "$LOG" >&2
	exit 1
}
# run CMD...: output to the log, the log's tail on failure
run() {
	"$@" >>"$LOG" 2>&1 || die "failed: $*"
}

# ---- toolchain and mbedTLS source (device/cross_deps.sh) ----
. "$ROOT/device/cross_deps.sh"
cross_toolchain gcc libc6-dev python3 openssl
mbedtls_source
ver_of() {
	sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$1"
}
[ "$(ver_of "$M/include/mbedtls/version.h")" = "$(ver_of /usr/include/mbedtls/version.h)" ] ||
	die "mbedTLS source $(ver_of "$M/include/mbedtls/version.h") is not the installed $(ver_of /usr/include/mbedtls/version.h)"

# ---- credentials for the certificate programs: the test PKI as C arrays ----
PKI=$BUILD/pki
if [ ! -f "$PKI/device.der" ] || [ ! -f "$PKI/device.key.der" ] || [ ! -f "$PKI/ca.der" ]; then
	PKI=$F/pki
	[ -f "$PKI/device.der" ] || run timeout 300 sh "$ROOT/configs/pki/make_pki.sh" "$PKI"
fi
GEN=$F/gen
mkdir -p "$GEN"
{
	echo "/* made by bench/flash.sh from $PKI: device certificate and key, root CA (DER) */"
	for pair in cert:device.der key:device.key.der anchor:ca.der; do
		echo "static const uint8_t flash_${pair%%:*}[] = {"
		od -An -v -tx1 "$PKI/${pair#*:}" | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g; s/^/\t/'
		echo "};"
	done
} > "$GEN/flash_creds.h"

# ---- cross builds, one directory per CPU ----
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
MBED_CFG="-I$M/include -I$HERE -DMBEDTLS_CONFIG_FILE=\"flash_mbedtls_config.h\""
# compile OUTDIR FLAGS SRC...: one object per source, $JOBS at a time
compile() {
	out=$1 flags=$2
	shift 2
	mkdir -p "$out"
	printf '%s\n' "$@" | timeout 600 xargs -P "$JOBS" -I{} sh -c \
		'o="$1/$(basename "$2" .c).o"; x=""; case "$2" in */x509_crt.c) x=-DEIOT_FLASH_NO_FS_IO ;; esac
		 exec arm-none-eabi-gcc $3 $x -c "$2" -o "$o"' sh "$out" {} "$flags" >>"$LOG" 2>&1 ||
		die "cross compile failed ($out)"
}
# eap_iot's sources for the mbedTLS backend (the device side): the common ones and crypto/mbedtls/,
# but the CoAPS server endpoint, a host component keyed by BSD socket addresses (newlib has no
# <arpa/inet.h>)
HOST_ONLY="coaps_server.c"
EIOT_SRC="$(ls "$ROOT"/eap_iot/src/*/*.c "$ROOT"/eap_iot/src/crypto/mbedtls/*.c | grep -v "/$HOST_ONLY\$")"
# Device profiles (eap_iot/profiles/<name>.h with its mbedTLS configuration
# eap_iot/profiles/mbedtls/<name>.h), each with the program that stands for it.
PROFILE_PROGS="psk-client:FLASH_DTLS_PSK cert-client:FLASH_DTLS_CERT eap-peer:FLASH_EAP_PEER"
PCFG_DIR=$ROOT/eap_iot/include/eap_iot/profiles/mbedtls
# build_libs DIR MBEDTLS_FLAGS EIOT_FLAGS: DIR/libmbedtls.a and DIR/libeap_iot.a for $ARCH
build_libs() {
	compile "$1/mbedtls" "$ARCH -std=c99 $2" "$M"/library/*.c
	# shellcheck disable=SC2086 # one path per word
	compile "$1/eap_iot" "$ARCH -std=c11 -D_DEFAULT_SOURCE $WARN -Werror $2 $3 -I$ROOT/eap_iot/include -I$ROOT/eap_iot/src" \
		$EIOT_SRC
	run arm-none-eabi-ar rcs "$1/libmbedtls.a" "$1"/mbedtls/*.o
	run arm-none-eabi-ar rcs "$1/libeap_iot.a" "$1"/eap_iot/*.o
}
# link_prog DIR NAME DEFINE FLAGS: DIR/NAME.elf and .map from bench/flash_device.c
link_prog() {
	run arm-none-eabi-gcc $ARCH -std=c11 $WARN $4 -I"$ROOT/eap_iot/include" -I"$GEN" \
		-D"$3" -c "$HERE/flash_device.c" -o "$1/flash_device-$2.o"
	run timeout 300 arm-none-eabi-gcc -mcpu="$cpu" -mthumb --specs=nano.specs \
		--specs=nosys.specs -Wl,--gc-sections -Wl,-Map="$1/$2.map" -o "$1/$2.elf" \
		"$1/flash_device-$2.o" "$1/libeap_iot.a" "$1/libmbedtls.a"
}
for cpu in $CPUS; do
	B=$F/$cpu
	ARCH="-mcpu=$cpu -mthumb -Os -ffunction-sections -fdata-sections"
	rm -rf "$B"
	# the default build: every feature, one mbedTLS configuration for all three programs
	build_libs "$B" "$MBED_CFG" ""
	for prog in $PROGS; do
		link_prog "$B" "${prog%%:*}" "${prog#*:}" "$MBED_CFG"
	done
	for prog in $PROFILE_PROGS; do
		p=${prog%%:*}
		flags="-I$M/include -I$PCFG_DIR -DMBEDTLS_CONFIG_FILE=\"$p.h\" -DEIOT_FEATURES_FILE=\"eap_iot/profiles/$p.h\""
		build_libs "$B/profile-$p" "$flags" ""
		link_prog "$B/profile-$p" "$p" "${prog#*:}" "$flags"
	done
done

# ---- heap per connection: the same configurations on the host (x86-64, Debian's mbedTLS) ----
H=$F/host
rm -rf "$H"
# host_lib DIR EXTRA_FLAGS: DIR/libeap_iot.a on the host
host_lib() {
	mkdir -p "$1"
	printf '%s\n' $EIOT_SRC | timeout 600 xargs -P "$JOBS" -I{} sh -c \
		'exec cc -std=c11 -D_DEFAULT_SOURCE -O1 $4 -I"$2/eap_iot/include" -I"$2/eap_iot/src" -c "$3" \
		 -o "$1/$(basename "$3" .c).o"' sh "$1" "$ROOT" {} "$2" >>"$LOG" 2>&1 || die "host compile failed"
	run ar rcs "$1/libeap_iot.a" "$1"/*.o
}
# host_heap DIR NAME DEFINE EXTRA_FLAGS: "device default" bytes per connection
host_heap() {
	run cc -std=c11 -O1 -DFLASH_HOST $4 -D"$3" -I"$ROOT/eap_iot/include" \
		-I"$ROOT/eap_iot/src" -I"$GEN" "$HERE/flash_device.c" -o "$1/$2" \
		"$1/libeap_iot.a" -lmbedx509 -lmbedcrypto
	timeout 30 "$1/$2" || die "$1/$2 failed"
}
host_lib "$H" ""
ROWS=""
for prog in $PROGS; do
	name=${prog%%:*}
	heap=$(host_heap "$H" "$name" "${prog#*:}" "")
	for cpu in $CPUS; do
		ROWS="$ROWS $name|$cpu|$F/$cpu/$name.map|$F/$cpu/$name.elf|${heap#* }|${heap% *}"
	done
done
for prog in $PROFILE_PROGS; do
	p=${prog%%:*}
	feat="-DEIOT_FEATURES_FILE=\"eap_iot/profiles/$p.h\""
	host_lib "$H/profile-$p" "$feat"
	heap=$(host_heap "$H/profile-$p" "$p" "${prog#*:}" "$feat")
	for cpu in $CPUS; do
		ROWS="$ROWS $p|$cpu|$F/$cpu/profile-$p/$p.map|$F/$cpu/profile-$p/$p.elf|${heap#* }|${heap% *}"
	done
done

# eap_iot objects no program links (all are compiled: none is left out of the build): the
# members with a non-empty section in the memory map part of some map
sed -n '/^Linker script and memory map/,$p' "$F"/cortex-m4/*.map |
	grep -E '0x[0-9a-f]+ +0x0*[1-9a-f][0-9a-f]* +.*libeap_iot\.a\(' |
	sed 's/.*libeap_iot\.a(\([^)]*\)\.o).*/\1/' | sort -u > "$F/linked.txt"
UNLINKED=""
for f in $EIOT_SRC; do
	b=$(basename "$f" .c)
	grep -qx "$b" "$F/linked.txt" || UNLINKED="$UNLINKED $b.c"
done

# shellcheck disable=SC2086 # ROWS holds no spaces inside a row
timeout 60 python3 -B "$HERE/flash_map.py" --out "$BUILD/bench/flash.md" --objects "$F" \
	--note "mbedTLS $(ver_of "$M/include/mbedtls/version.h") ($MBED_VER), $(arm-none-eabi-gcc --version | head -n 1), newlib nano; -Os -mthumb -ffunction-sections -fdata-sections, --gc-sections." \
	--note "Heap/conn: bytes one connection allocates (eiot_conn_size; EAP-TLS adds its reassembly buffers), measured on the x86-64 host build; device = records and max_fragment_length 1024, handshake and EAP messages 4096, MTU 1280; defaults = the library's." \
	--note "dtls-psk, dtls-cert, eap-tls-peer: the default build (every feature, bench/flash_mbedtls_config.h). psk-client, cert-client, eap-peer (profile): the same programs on a device profile (eap_iot/profiles/<name>.h) and its mbedTLS configuration (eap_iot/profiles/mbedtls/<name>.h); the stack column (eap_iot + mbedTLS) is what the targets count." \
	--note "Every eap_iot source of the mbedTLS backend is cross-compiled but the host-only $HOST_ONLY; linked by none of these programs:${UNLINKED:- -}. mbedTLS's x509_crt.c is built without MBEDTLS_FS_IO (newlib has no <dirent.h>)." \
	$ROWS
