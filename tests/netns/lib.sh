# tests/netns/lib.sh — shared helpers of the namespace tests (sourced, POSIX sh): a private work
# directory, uniquely named network namespaces, daemons started under `timeout` in them, config
# rendering from configs/, and a trap that stops only our PIDs and deletes only our namespaces.
#
# Environment (set by tests/netns/run.sh, or by hand):
#   BUILD          build directory (default build): PKI in $BUILD/pki, our supplicant in
#                  $BUILD/supplicant/{bin,plugin}
#   VARIANT        stock | static | plugin: which wpa_supplicant/eapol_test to use
#   KEEP_WORK=1    keep the work directory (logs) after the run
#   SAVE_LOGS=DIR  copy the logs and rendered configs there at exit

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
PKI=$BUILD/pki
VARIANT=${VARIANT:-stock}
SECRET=testing123
CCM8=ECDHE-ECDSA-AES128-CCM8

RUN_ID=$$$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
WORK=$(mktemp -d "/tmp/eiot-netns.XXXXXX")
OUR_PIDS=""
OUR_NS=""

say() { echo "[$(basename "$0" .sh)] $*"; }
fail() { say "FAIL: $*"; exit 1; }

cleanup() {
	for _p in $OUR_PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $OUR_PIDS; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 20 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -9 "$_p" 2>/dev/null
	done
	for _ns in $OUR_NS; do
		ip netns del "$_ns" 2>/dev/null
		rm -rf "/etc/netns/$_ns" # ip netns exec's per-namespace /etc files, when a test made some
	done
	if [ -n "${SAVE_LOGS:-}" ]; then
		rm -rf "$SAVE_LOGS" && mkdir -p "$SAVE_LOGS"
		(cd "$WORK" && find . \( -name '*.out' -o -name '*.conf' \) -exec cp --parents {} "$SAVE_LOGS" \;)
	fi
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need() {
	for _p in "$@"; do
		[ -x "$_p" ] || command -v "$_p" >/dev/null 2>&1 || fail "missing program: $_p"
	done
}

# Binaries of the chosen variant: WPAS, WPA_CLI, EAPOL_TEST, and GLOBAL_CONF (plugin loading),
# NET_CONF (profile knob), OURS (1 when eap_iot's method must show in the log).
PHASE1_STRICT=${PHASE1_STRICT:-eiot_strict=1}
select_variant() {
	case $VARIANT in
	stock)
		WPAS=/usr/sbin/wpa_supplicant WPA_CLI=/usr/sbin/wpa_cli EAPOL_TEST=/usr/bin/eapol_test
		GLOBAL_CONF="" NET_CONF="openssl_ciphers=\"$CCM8\"" OURS=0 ;;
	static)
		WPAS=$BUILD/supplicant/bin/wpa_supplicant WPA_CLI=$BUILD/supplicant/bin/wpa_cli
		EAPOL_TEST=$BUILD/supplicant/bin/eapol_test
		GLOBAL_CONF="" NET_CONF="phase1=\"$PHASE1_STRICT\"" OURS=1 ;;
	plugin)
		WPAS=$BUILD/supplicant/plugin/wpa_supplicant WPA_CLI=$BUILD/supplicant/bin/wpa_cli
		EAPOL_TEST=$BUILD/supplicant/plugin/eapol_test
		[ -f "$BUILD/supplicant/plugin/eap_iot.so" ] ||
			fail "missing program: $BUILD/supplicant/plugin/eap_iot.so"
		GLOBAL_CONF="load_dynamic_eap=$BUILD/supplicant/plugin/eap_iot.so"
		NET_CONF="phase1=\"$PHASE1_STRICT\"" OURS=1 ;;
	*) fail "unknown VARIANT $VARIANT" ;;
	esac
	need "$WPAS" "$WPA_CLI" "$EAPOL_TEST"
}

# Log lines that prove eap_iot's EAP-TLS peer ran (the supplicant glue logs them).
OUR_MARK="EAP-TLS (eap_iot):"
OUR_RE='EAP-TLS \(eap_iot\):'
check_ours() {
	[ "$OURS" = 1 ] || return 0
	grep -qF "$OUR_MARK" "$1" || fail "no '$OUR_MARK' line in $1: eap_iot's method did not run"
}

# radius_rounds FILE: one line per authentication FreeRADIUS (-X log FILE) finished, in order:
# "ACCESS_REQUESTS RESUMED" — the Access-Requests of that authentication, the one carrying the
# EAP-Response/Identity included (= EAP round trips), and 1 when FreeRADIUS resumed the TLS
# session (stock logs EAP-Session-Resumed := 1, eap_iot's module := yes), else 0.
radius_rounds() {
	awk '/Received Access-Request/ { n++ }
	/EAP-Session-Resumed := (1|yes)/ { r = 1 }
	/Sent Access-(Accept|Reject)/ { print n, r + 0; n = r = 0 }' "$1"
}

# check_resumed RADIUS_LOG SUPPLICANT_LOG ROUND_TRIPS: the last authentication was resumed
# (FreeRADIUS says so and, for our builds and our AAA module, eap_iot's log lines do) in
# ROUND_TRIPS round trips.
check_resumed() {
	_last=$(radius_rounds "$1" | tail -1)
	say "last authentication: ${_last%% *} Access-Requests, resumed=${_last##* }"
	[ "${_last##* }" = 1 ] || fail "the re-authentication was not resumed (FreeRADIUS)"
	[ "${_last%% *}" = "$3" ] ||
		fail "the resumed re-authentication took ${_last%% *} round trips, expected $3"
	if [ "$RADIUS_IMPL" = eap_iot ]; then
		grep -qF "$OUR_MARK handshake complete (resumed)" "$1" ||
			fail "no '$OUR_MARK handshake complete (resumed)' line from our AAA module in $1"
	fi
	[ "$OURS" = 1 ] || return 0
	grep -qF "$OUR_MARK handshake complete (resumed)" "$2" ||
		fail "no '$OUR_MARK handshake complete (resumed)' line in $2"
}

# netns_new TAG: a namespace named eiot-TAG-RUN_ID with its loopback up, name in NS_NAME.
netns_new() {
	NS_NAME=eiot-$1-$RUN_ID
	ip netns add "$NS_NAME" || fail "cannot create namespace $NS_NAME"
	OUR_NS="$OUR_NS $NS_NAME"
	ip -n "$NS_NAME" link set lo up
}

# netns_pair SRV_IP CLI_IP: namespaces srv and cli ($srv, $cli) joined by a veth pair named
# after RUN_ID (at most 15 characters), addresses on a /24.
netns_pair() {
	netns_new srv
	srv=$NS_NAME
	netns_new cli
	cli=$NS_NAME
	ip -n "$cli" link add "vc$RUN_ID" type veth peer name "vs$RUN_ID" netns "$srv" || fail "veth"
	ip -n "$srv" addr add "$1/24" dev "vs$RUN_ID"
	ip -n "$cli" addr add "$2/24" dev "vc$RUN_ID"
	ip -n "$srv" link set "vs$RUN_ID" up
	ip -n "$cli" link set "vc$RUN_ID" up
}

# spawn NS SECONDS LOG CMD...: run CMD in NS under timeout, in the background; sets LAST_PID.
spawn() {
	_ns=$1 _secs=$2 _log=$3
	shift 3
	ip netns exec "$_ns" timeout "$_secs" "$@" >"$_log" 2>&1 &
	LAST_PID=$!
	OUR_PIDS="$OUR_PIDS $LAST_PID"
}

# stop PID: stop one daemon we started and wait for it.
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# wait_log FILE PATTERN SECONDS [PID]: until an extended-regex PATTERN appears in FILE
# (false on timeout, or as soon as PID has exited without printing it).
wait_log() {
	_i=0
	while [ $_i -lt $(($3 * 10)) ]; do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
			grep -Eq "$2" "$1" 2>/dev/null
			return
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# count_log FILE PATTERN: number of lines matching an extended regex.
count_log() { grep -Ec "$2" "$1" 2>/dev/null || true; }

# render_radius DIR CIPHERS FRAGMENT [CERT]: a private FreeRADIUS directory from
# configs/freeradius/radiusd.conf (CERT = base name in the PKI, default server).
# RADIUS_IMPL picks who serves EAP-TLS: stock (rlm_eap_tls, the default) or eap_iot
# (radius_module's rlm_eap_tls7925.so, bound to type 13 by radius_dict); for eap_iot,
# TLS7925_EXTRA and TLS7925_CACHE_EXTRA are option lines added to its subsection. POST_AUTH is
# unlang run in post-auth (default: nothing); RADIUS_PORT the port (default 1812).
RADIUS_IMPL=${RADIUS_IMPL:-stock}
render_radius() {
	_d=$1 _cert=${4:-server}
	mkdir -p "$_d/tlscache" && chmod 700 "$_d/tlscache"
	case $RADIUS_IMPL in
	stock) _type=tls _method=eap-tls-stock.conf _libdir=/usr/lib/freeradius ;;
	eap_iot)
		_type=tls7925 _method=eap-tls7925.conf _libdir=/usr/lib/freeradius:$BUILD/radius
		[ -f "$BUILD/radius/rlm_eap_tls7925.so" ] ||
			fail "missing program: $BUILD/radius/rlm_eap_tls7925.so"
		echo "\$INCLUDE $TOP/radius_dict/dictionary.eap_iot" >"$_d/dictionary" ;;
	*) fail "unknown RADIUS_IMPL $RADIUS_IMPL" ;;
	esac
	for _f in radiusd.conf:radiusd.conf "$_method":eap-method.conf; do
		sed -e "s|@RUNDIR@|$_d|g" -e "s|@CERT@|$PKI/$_cert.pem|" -e "s|@KEY@|$PKI/$_cert.key.pem|" \
			-e "s|@CA@|$PKI/ca.pem|" -e "s|@CIPHERS@|$2|" -e "s|@FRAGMENT@|$3|" \
			-e "s|@LIBDIR@|$_libdir|" -e "s|@EAP_TYPE@|$_type|" -e "s|@PORT@|${RADIUS_PORT:-1812}|" \
			-e "s|@EXTRA@|${TLS7925_EXTRA:-}|" -e "s|@CACHE_EXTRA@|${TLS7925_CACHE_EXTRA:-}|" \
			"$TOP/configs/freeradius/${_f%%:*}" >"$_d/${_f##*:}"
	done
	printf '%s\n' "${POST_AUTH:-}" >"$_d/post-auth.conf"
}

# start_radius NS DIR: FreeRADIUS in debug mode (log DIR/radius.out); waits until it is ready.
# RADIUS_FLAGS replaces -X (e.g. "-fxx -l stdout": the same log with the thread pool on);
# RADIUS_WRAP runs it under a tool (valgrind ...). RADIUS_PID is timeout's; the daemon is its
# child (radius_daemon_pid).
start_radius() {
	need freeradius
	# shellcheck disable=SC2086
	spawn "$1" 170 "$2/radius.out" ${RADIUS_WRAP:-} freeradius ${RADIUS_FLAGS:--X} -d "$2"
	RADIUS_PID=$LAST_PID
	wait_log "$2/radius.out" "Ready to process requests" $((${RADIUS_WRAP:+60}+15)) "$RADIUS_PID" ||
		{ tail -20 "$2/radius.out"; fail "FreeRADIUS did not start (see above)"; }
}

radius_daemon_pid() { pgrep -P "$RADIUS_PID" | head -1; }

# render_supplicant OUT FRAGMENT [DEVICE [DEVICE_KEY_FILE]]: wpa_supplicant/eapol_test config
# from configs/wpa_supplicant/wired.conf for the selected variant.
render_supplicant() {
	_dev=${3:-device} _devkey=${4:-${3:-device}.key.pem}
	sed -e "s|@CTRL@|$WORK/ctrl|" -e "s|@GLOBAL@|$GLOBAL_CONF|" -e "s|@PKI@|$PKI|g" \
		-e "s|@DEVICE@|$_dev|" -e "s|@DEVICE_KEY@|$_devkey|" -e "s|@FRAGMENT@|$2|" \
		-e "s|@NETWORK@|$NET_CONF|" "$TOP/configs/wpa_supplicant/wired.conf" >"$1"
}

# render_hostapd OUT [EXTRA_LINE]
render_hostapd() {
	sed -e "s|@RADIUS_ATTR@|${2:-}|" "$TOP/configs/hostapd/wired.conf" >"$1"
}

# topology_up MTU: netns sta and ap (names in $sta, $ap) joined by veth-sta / veth-ap at MTU.
topology_up() {
	netns_new sta
	sta=$NS_NAME
	netns_new ap
	ap=$NS_NAME
	ip -n "$sta" link add veth-sta type veth peer name veth-ap netns "$ap" || fail "veth"
	ip -n "$sta" link set veth-sta mtu "$1" up
	ip -n "$ap" link set veth-ap mtu "$1" up
}

# start_hostapd CONF: stock hostapd in $ap (log WORK/hostapd.out, HOSTAPD_PID), up and enabled.
start_hostapd() {
	need hostapd
	spawn "$ap" 170 "$WORK/hostapd.out" hostapd -d -K "$1"
	HOSTAPD_PID=$LAST_PID
	wait_log "$WORK/hostapd.out" "veth-ap: AP-ENABLED|interface state .*->ENABLED" 10 "$HOSTAPD_PID" ||
		{ tail -20 "$WORK/hostapd.out"; fail "hostapd did not start"; }
}

# start_wpas CONF: VARIANT's wpa_supplicant in $sta (log WORK/wpas.out, WPAS_PID) until its
# first EAP success and hostapd's port authorization.
start_wpas() {
	spawn "$sta" 170 "$WORK/wpas.out" "$WPAS" -D wired -i veth-sta -c "$1" -dd -K
	WPAS_PID=$LAST_PID
	wait_log "$WORK/wpas.out" "CTRL-EVENT-EAP-SUCCESS" 30 "$WPAS_PID" ||
		{ tail -30 "$WORK/wpas.out"; fail "no CTRL-EVENT-EAP-SUCCESS"; }
	wait_log "$WORK/hostapd.out" "authorizing port" 10 "$HOSTAPD_PID" ||
		fail "hostapd did not authorize the port"
}

# reauth [SECONDS]: `wpa_cli reauthenticate`, then wait (default 30 s) for one more EAP success
# in the supplicant's log (WPAS_LOG, default WORK/wpas.out) and one more port authorization.
reauth() {
	_log=${WPAS_LOG:-$WORK/wpas.out}
	_ok=$(($(count_log "$_log" CTRL-EVENT-EAP-SUCCESS) + 1))
	_port=$(($(count_log "$WORK/hostapd.out" "authorizing port") + 1))
	ip netns exec "$sta" timeout 10 "$WPA_CLI" -p "$WORK/ctrl" -i veth-sta reauthenticate \
		>"$WORK/wpa_cli.out" 2>&1
	grep -q OK "$WORK/wpa_cli.out" || { cat "$WORK/wpa_cli.out"; fail "wpa_cli reauthenticate"; }
	_i=0
	while [ "$(count_log "$_log" CTRL-EVENT-EAP-SUCCESS)" -lt "$_ok" ] && [ $_i -lt $((${1:-30} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(count_log "$_log" CTRL-EVENT-EAP-SUCCESS)" -ge "$_ok" ] ||
		{ tail -30 "$_log"; fail "the re-authentication did not succeed"; }
	_i=0
	while [ "$(count_log "$WORK/hostapd.out" "authorizing port")" -lt "$_port" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(count_log "$WORK/hostapd.out" "authorizing port")" -ge "$_port" ] ||
		fail "hostapd did not authorize the port again"
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
[ -f "$PKI/ca.pem" ] || fail "no PKI in $PKI (make pki)"
need ip timeout
