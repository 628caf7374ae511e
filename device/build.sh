#!/bin/sh
# device/build.sh [BUILD_DIR] [psk|cert|all] — the device programs for QEMU mps2-an386
# (Cortex-M4), each on its own features profile:
#   psk   device/psk_client.c, DTLS PSK, profile psk-client -> BUILD_DIR/device/psk_client.elf
#   cert  device/cert_client.c, DTLS ECDHE-ECDSA with X.509, profile cert-client, with the test
#         PKI's device certificate, key and root from BUILD_DIR/pki (`make pki`; read by
#         device/test_pki.S) -> BUILD_DIR/device/cert_client.elf
#   all   both (the default)
# A program is eap_iot on its profile and mbedTLS 2.28 (Debian's source, the profile's mbedTLS
# configuration) cross-compiled with arm-none-eabi-gcc -Os, newlib nano, --gc-sections, linked
# with device/app_common.c and device/mps2 (startup, linker script, UART0, counter,
# semihosting, syscalls) into BUILD_DIR/device/<program>_client.elf (and .map); its objects go
# to BUILD_DIR/device/<program>/. calloc and free in its libmbedtls.a are renamed to
# app_common.c's counting pair, so mbedTLS's heap is measured apart. The toolchain and the
# mbedTLS source come from device/cross_deps.sh (BUILD_DIR/cross/src, shared with
# bench/flash.sh). Quiet on success; the log's tail on failure (BUILD_DIR/device/build-<which>.log);
# every long step runs under `timeout`.
set -eu
BUILD=${1:-build}
WHICH=${2:-all}
case $WHICH in
psk | cert) PROGRAMS=$WHICH ;;
all) PROGRAMS="psk cert" ;;
*)
	echo "usage: device/build.sh [BUILD_DIR] [psk|cert|all]" >&2
	exit 2
	;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$BUILD/device"
BUILD=$(cd "$BUILD" && pwd)
D=$BUILD/device
LOG=$D/build-$WHICH.log
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
# shellcheck source-path=SCRIPTDIR source=cross_deps.sh
. "$ROOT/device/cross_deps.sh"
# shellcheck disable=SC2119 # no packages beyond the toolchain's
cross_toolchain
mbedtls_source

# ---- cross build ----
ARCH="-mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections"
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
PCFG=$ROOT/eap_iot/include/eap_iot/profiles/mbedtls
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

# build PROGRAM PROFILE APP_FLAGS APP_SRC...: BUILD/device/PROGRAM_client.elf on PROFILE
build() {
	prog=$1 profile=$2 app_flags=$3
	shift 3
	o=$D/$prog
	mbed_flags="-I$M/include -I$PCFG -DMBEDTLS_CONFIG_FILE=\"$profile.h\""
	eiot_flags="-DEIOT_FEATURES_FILE=\"eap_iot/profiles/$profile.h\" -I$ROOT/eap_iot/include -I$ROOT/eap_iot/src"
	compile "$o/obj/mbedtls" "$ARCH -std=c99 $mbed_flags" "$M"/library/*.c
	# shellcheck disable=SC2086 # one path per word
	compile "$o/obj/eap_iot" "$ARCH -std=c11 -D_DEFAULT_SOURCE $WARN $mbed_flags $eiot_flags" $EIOT_SRC
	compile "$o/obj/app" "$ARCH -std=c11 $WARN -Werror -g $eiot_flags -I$HERE -I$HERE/mps2 $app_flags" \
		"$HERE/app_common.c" "$HERE"/mps2/*.c "$HERE"/mps2/*.S "$@"
	rm -f "$o/libmbedtls.a" "$o/libeap_iot.a"
	run arm-none-eabi-ar rcs "$o/libmbedtls.a" "$o"/obj/mbedtls/*.o
	# mbedTLS's own allocations counted apart (app_common.c): its configuration has no
	# MBEDTLS_PLATFORM_MEMORY to give it an allocator, so its calls are renamed
	run arm-none-eabi-objcopy --redefine-sym calloc=dev_mbedtls_calloc \
		--redefine-sym free=dev_mbedtls_free "$o/libmbedtls.a"
	run arm-none-eabi-ar rcs "$o/libeap_iot.a" "$o"/obj/eap_iot/*.o
	run timeout 300 arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -nostartfiles --specs=nano.specs \
		-T "$HERE/mps2/link.ld" -Wl,--gc-sections -Wl,-Map="$D/${prog}_client.map" \
		-o "$D/${prog}_client.elf" "$o"/obj/app/*.o "$o/libeap_iot.a" "$o/libmbedtls.a"
}

for prog in $PROGRAMS; do
	case $prog in
	psk) build psk psk-client "" "$HERE/psk_client.c" ;;
	cert)
		for f in device.der device.key.der ca.der; do
			[ -s "$BUILD/pki/$f" ] || die "$BUILD/pki/$f is missing (make pki makes the test PKI)"
		done
		build cert cert-client "-Wa,-I$BUILD/pki" "$HERE/cert_client.c" "$HERE/test_pki.S"
		;;
	esac
done
