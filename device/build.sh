#!/bin/sh
# device/build.sh [BUILD_DIR] — the DTLS PSK device program for QEMU mps2-an386 (Cortex-M4):
# eap_iot on its psk-client profile and mbedTLS 2.28 (Debian's source, the profile's mbedTLS
# configuration) cross-compiled with arm-none-eabi-gcc -Os, newlib nano, --gc-sections, linked
# with device/mps2 (startup, linker script, UART0, counter, semihosting, syscalls) into
# BUILD_DIR/device/psk_client.elf (and .map). The toolchain and the mbedTLS source come from
# device/cross_deps.sh (BUILD_DIR/cross/src, shared with bench/flash.sh). Quiet on success; the log's tail on failure
# (BUILD_DIR/device/build.log); every long step runs under `timeout`.
set -eu
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$BUILD/device"
BUILD=$(cd "$BUILD" && pwd)
D=$BUILD/device
LOG=$D/build.log
JOBS=$(nproc 2>/dev/null || echo 2)
: > "$LOG"

die() {
	echo "device/build: $*" >&2
	[ -s "$LOG" ] && tail -n 40 "$LOG" >&2
	exit 1
}
run() {
	"$@" >>"$LOG" 2>&1 || die "failed: $*"
}

# ---- toolchain and mbedTLS source (device/cross_deps.sh, shared with bench/flash.sh) ----
. "$ROOT/device/cross_deps.sh"
cross_toolchain
mbedtls_source

# ---- cross build ----
ARCH="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections"
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
PCFG=$ROOT/eap_iot/include/eap_iot/profiles/mbedtls
MBED_FLAGS="-I$M/include -I$PCFG -DMBEDTLS_CONFIG_FILE=\"psk-client.h\""
EIOT_FLAGS="-DEIOT_FEATURES_FILE=\"eap_iot/profiles/psk-client.h\" -I$ROOT/eap_iot/include -I$ROOT/eap_iot/src"
# compile OUTDIR FLAGS SRC...: one object per source, $JOBS at a time
compile() {
	out=$1 flags=$2
	shift 2
	rm -rf "$out"
	mkdir -p "$out"
	# shellcheck disable=SC2016 # expanded by the inner sh
	printf '%s\n' "$@" | timeout 600 xargs -P "$JOBS" -I{} sh -c \
		'exec arm-none-eabi-gcc $3 -c "$2" -o "$1/$(basename "$2" | sed "s/\.[cS]$//").o"' \
		sh "$out" {} "$flags" >>"$LOG" 2>&1 || die "cross compile failed ($out)"
}
# eap_iot: the common sources and the mbedTLS backend, but the host-only CoAPS server endpoint
EIOT_SRC=""
for f in "$ROOT"/eap_iot/src/*/*.c "$ROOT"/eap_iot/src/crypto/mbedtls/*.c; do
	[ "${f##*/}" = coaps_server.c ] || EIOT_SRC="$EIOT_SRC $f"
done
compile "$D/obj/mbedtls" "$ARCH -std=c99 $MBED_FLAGS" "$M"/library/*.c
# shellcheck disable=SC2086 # one path per word
compile "$D/obj/eap_iot" "$ARCH -std=c11 -D_DEFAULT_SOURCE $WARN $MBED_FLAGS $EIOT_FLAGS" $EIOT_SRC
compile "$D/obj/app" "$ARCH -std=c11 $WARN -Werror -g $EIOT_FLAGS -I$HERE/mps2" \
	"$HERE/psk_client.c" "$HERE"/mps2/*.c "$HERE"/mps2/*.S
rm -f "$D/libmbedtls.a" "$D/libeap_iot.a"
run arm-none-eabi-ar rcs "$D/libmbedtls.a" "$D"/obj/mbedtls/*.o
run arm-none-eabi-ar rcs "$D/libeap_iot.a" "$D"/obj/eap_iot/*.o
run timeout 300 arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostartfiles --specs=nano.specs \
	-T "$HERE/mps2/link.ld" -Wl,--gc-sections -Wl,-Map="$D/psk_client.map" \
	-o "$D/psk_client.elf" "$D"/obj/app/*.o "$D/libeap_iot.a" "$D/libmbedtls.a"
