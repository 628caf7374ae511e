#!/bin/sh
# tests/interop/run.sh BUILD_DIR — run every tests/interop/test_*.sh against BUILD_DIR's iot-tls.
#
# One line per test ("PASS name" / "FAIL name", a failure followed by its log), then exactly
# "N passed, M failed". Exit status 1 when any test failed. Each test gets its index (for its
# port range) and runs under a timeout of its own.
set -u
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD_DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
pass=0
failed=0
idx=0
for t in "$HERE"/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	name=${name#test_}
	idx=$((idx + 1))
	out=$(timeout 90 sh "$t" "$BUILD_DIR" "$idx" 2>&1)
	if [ $? -eq 0 ]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "$pass passed, $failed failed"
[ $failed -eq 0 ]
