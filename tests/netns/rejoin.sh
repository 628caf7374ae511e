#!/bin/sh
# tests/netns/rejoin.sh — make demo's EAP half as a test (demo/eap.sh): through stock hostapd at
# MTU 127, the device joins stock FreeRADIUS twice, then FreeRADIUS with our module: a first
# join, a join again that must get the 33-byte hash of the chain (cached_info: the module's
# line and the size of its Certificate message), a resumed re-authentication, a join with
# cached_info + certificate URL; the MSK checked with eapol_test. VARIANT: static or plugin.
set -u
DEMO_VARIANT=${VARIANT:-static} exec sh "$(dirname "$0")/../../demo/eap.sh" "${BUILD:-build}"
