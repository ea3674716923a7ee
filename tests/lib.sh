# shellcheck shell=bash
# tests/lib.sh: helpers for shell test suites. Each test prints one line that
# tests/run counts: "PASS name", "FAIL name: why" or "SKIP name: why".
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DNSWARD=${DNSWARD:-$BUILD/dnsward}
T_FAILED=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; T_FAILED=1; }
skip() { echo "SKIP $1: $2"; }

# check NAME CMD...: run CMD, PASS when it exits 0.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# Exit status for the suite: non-zero when any test failed.
finish() { exit "$T_FAILED"; }
