# device/cross_deps.sh — sourced by device/build.sh and bench/flash.sh (which define ROOT, BUILD,
# LOG, run and die): the Cortex-M toolchain from Debian's packages, and mbedTLS's source of the
# installed libmbedtls-dev version in $BUILD/cross/src/mbedtls (fetched once, shared).

# cross_toolchain [PACKAGE...]: gcc-arm-none-eabi, newlib, libmbedtls-dev and dpkg-dev, and the
# caller's extra packages, installed when missing.
cross_toolchain() {
	export DEBIAN_FRONTEND=noninteractive
	missing=""
	for p in gcc-arm-none-eabi libnewlib-arm-none-eabi libmbedtls-dev dpkg-dev "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		run timeout 600 apt-get update -qq
		# shellcheck disable=SC2086 # one package per word
		run timeout 600 apt-get install -y -qq $missing
	fi
}

# mbedtls_source: M is the source tree of the installed mbedTLS 2.28.
mbedtls_source() {
	MBED_VER=$(dpkg-query -W -f='${Version}' libmbedtls-dev)
	case $MBED_VER in
	2.28.*) ;;
	*) die "libmbedtls-dev is $MBED_VER; eap_iot is written for 2.28" ;;
	esac
	src=$BUILD/cross/src
	if [ "$(cat "$src/.stamp-source" 2>/dev/null)" != "$MBED_VER" ]; then
		rm -rf "$src"
		mkdir -p "$src/dl"
		if ! (cd "$src/dl" && timeout 300 apt-get source -qq "mbedtls=$MBED_VER") >>"$LOG" 2>&1; then
			# Most likely no deb-src in the apt sources: supplicant_patch/deps.sh adds it (it
			# also installs the hostap build dependencies and fetches hostap, as `make` does).
			run sh "$ROOT/supplicant_patch/deps.sh" "$BUILD/supplicant/src"
			run timeout 600 apt-get update -qq
			(cd "$src/dl" && run timeout 300 apt-get source -qq "mbedtls=$MBED_VER")
		fi
		d=$(find "$src/dl" -mindepth 1 -maxdepth 1 -type d -name 'mbedtls-*' | head -n 1)
		[ -n "$d" ] && [ -f "$d/library/ecp.c" ] || die "apt-get source mbedtls gave no tree"
		mv "$d" "$src/mbedtls"
		rm -rf "$src/dl"
		echo "$MBED_VER" > "$src/.stamp-source"
	fi
	M=$src/mbedtls
}
