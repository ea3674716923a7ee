# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# tests/kernels/lib.sh: what the kernel-matrix scripts share: paths, the suites every kernel
# runs, and how one suite's output becomes lines tests/run counts.
KROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$KROOT/$BUILD ;; esac
KBUILD=$BUILD/kernels
KLOGS=$KBUILD/logs
KLIST=${KLIST:-$KROOT/tests/kernels/kernels.list}

# The suites each kernel runs, in this order: the load test first, since nothing else can
# pass where the verifier rejects the programs; the attach test last, as it is the only one
# that changes the (guest's) network.
KSUITES=(test_load test_datapath test_budget test_query test_tcpflow test_digest_diff test_attach test_encap)

# Bounds. A suite takes a second or two natively and 1-10 s under TCG, a whole guest about
# 20-40 s; the guest bound covers boot plus every suite. tests/run stops a suite after
# 600 s, so the host run (60 s) and two guests stay well below it even when all hang.
KHOST_TIMEOUT=${KHOST_TIMEOUT:-60}
KSUITE_TIMEOUT=${KSUITE_TIMEOUT:-90}
KGUEST_TIMEOUT=${KGUEST_TIMEOUT:-210}

kdie() {
	echo "FAIL kernel-matrix: $*"
	exit 1
}

# kpins: the "package version" pairs of kernels.list, comments and blank lines left out.
kpins() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$KLIST"
}

# kemit KERNEL SUITE RC SECS < OUTPUT: re-emits the suite's PASS/FAIL/SKIP lines as
# "PASS KERNEL/SUITE/test ...", so one count covers every kernel, and turns a non-zero exit
# without a FAIL line (a crash, a sanitizer report, a timeout) into a failure of its own.
kemit() {
	local kernel=$1 suite=$2 rc=$3 secs=$4 line fails=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		PASS\ * | SKIP\ *) echo "${line%% *} $kernel/$suite/${line#* }" ;;
		FAIL\ *)
			echo "FAIL $kernel/$suite/${line#FAIL }"
			fails=$((fails + 1))
			;;
		esac
	done
	echo "  $kernel/$suite: exit $rc after ${secs}s"
	if [ "$rc" -ne 0 ] && [ "$fails" -eq 0 ]; then
		case "$rc" in
		124 | 143) echo "FAIL $kernel/$suite: exited $rc (stopped by its timeout)" ;;
		*) echo "FAIL $kernel/$suite: exited $rc" ;;
		esac
	fi
}
