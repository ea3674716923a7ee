#!/usr/bin/env bash
# What the user sees when the kernel's verifier refuses a program, through
# the real load path: build/dnsward-san's test-only DNSWARD_TEST_REJECT_PROG
# (user/daemon/test_reject_prog.h) swaps the named program for an invalid one just
# before libbpf hands it to the kernel, so the real verifier refuses it.
# A refused query hook (dnsward_tc_query): the daemon runs without prefetch,
# says so once with the clear report, removes the query hook an earlier run
# left, still validates and enforces, and `status` says why. A refused
# dnsward_tc or dnsward_xdp: `dnsward run` exits non-zero with a few lines
# naming the program, the kernel release, the verifier's last lines and the
# file with its whole log, and leaves a running install's pins as they were.
. "$(dirname "$0")/../lib.sh"
[ -x "$BUILD/dnsward-san" ] || { skip load_failure "build/dnsward-san not built"; finish; }
RELEASE_BINARY=$DNSWARD
DNSWARD=$BUILD/dnsward-san
. "$(dirname "$0")/daemon_lib.sh"

# The hook is test-only: the binary users run has no trace of it.
if [ -x "$RELEASE_BINARY" ] && ! grep -q DNSWARD_TEST_REJECT_PROG "$RELEASE_BINARY" &&
	grep -q DNSWARD_TEST_REJECT_PROG "$DNSWARD"; then
	pass test_hook_only_in_sanitizer_build
else
	fail test_hook_only_in_sanitizer_build "$RELEASE_BINARY must not know DNSWARD_TEST_REJECT_PROG, $DNSWARD must"
fi

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/f.yaml" "{pattern: \"wl*\", hook: tc, direction: egress}" "
  - {name: idp.test}
  - {name: bogus.test}"
KERNEL=$(uname -r)

query_hook_on() { # DEV DIRECTION
	ip netns exec "$NS_NODE" tc filter show dev "$1" "$2" 2>/dev/null | grep -q "handle 0xd5b"
}
status() { "$DNSWARD" status --socket "$DW_TMP/control.sock" 2>&1; }

# 1. An earlier run with the query hook, left attached and pinned (as for an upgrade).
dw_start "$DW_TMP/f.yaml" --keep-pinned || { fail first_run_starts "see above"; finish; }
if query_hook_on "$NODE_WL_IF" ingress && [ -e "$DW_PIN/dnsward_prog_tc_query" ] &&
	status | grep -qx 'query_hook loaded (prefetch on)'; then
	pass first_run_has_query_hook
else
	fail first_run_has_query_hook "$(status | grep query_hook)"
fi
dw_stop

# 2. The verifier refuses the query hook: the daemon runs without it.
export DNSWARD_TEST_REJECT_PROG=dnsward_tc_query
dw_start "$DW_TMP/f.yaml" || { fail daemon_runs_without_query_hook "see above"; finish; }
unset DNSWARD_TEST_REJECT_PROG
pass daemon_runs_without_query_hook
qlog=$DW_TMP/verifier-dnsward_tc_query.log
if grep -q "warning: program dnsward_tc_query did not load on kernel $KERNEL (bpf() returned EACCES); the verifier's last lines:" "$DW_LOG" &&
	grep -q "warning:   R0 invalid mem access 'scalar'" "$DW_LOG" &&
	grep -q "warning: the verifier's whole log of dnsward_tc_query: $qlog\$" "$DW_LOG" &&
	grep -q "warning: running without the query hook dnsward_tc_query: prefetch is off" "$DW_LOG" &&
	grep -q "R0 invalid mem access 'scalar'" "$qlog" &&
	grep -q 'running: .*prefetch off (no query hook)' "$DW_LOG"; then
	pass query_hook_refusal_reported
else
	fail query_hook_refusal_reported "$(tr '\n' '|' <"$DW_LOG")"
fi
# Once, and without libbpf's own account of the same failure.
n=$(grep -c 'did not load' "$DW_LOG")
if [ "$n" = 1 ] && ! grep -Eq "libbpf: (prog 'dnsward_tc_query'|failed to load)|LOAD LOG" "$DW_LOG"; then
	pass query_hook_refusal_said_once
else
	fail query_hook_refusal_said_once "$n reports; $(grep libbpf "$DW_LOG" | head -3 | tr '\n' '|')"
fi
want="query_hook not loaded (prefetch off): dnsward_tc_query did not load on kernel $KERNEL: R0 invalid mem access 'scalar' (verifier log $qlog)"
got=$(status | grep '^query_hook')
[ "$got" = "$want" ] && pass status_says_query_hook_not_loaded ||
	fail status_says_query_hook_not_loaded "got '$got'"
[ "$(dw_stat query_hook_loaded)" = 0 ] && pass stat_query_hook_loaded_0 ||
	fail stat_query_hook_loaded_0 "query_hook_loaded=$(dw_stat query_hook_loaded)"
if ! query_hook_on "$NODE_WL_IF" ingress && [ ! -e "$DW_PIN/dnsward_prog_tc_query" ]; then
	pass earlier_query_hook_removed
else
	fail earlier_query_hook_removed "filter or pin of the earlier run's query hook still there"
fi

# Still enforcing: a secure answer arrives exactly, a bogus one never; nothing is prefetched.
q0=$(dw_stat datapath_query_prefetch) s0=$(dw_stat prefetch_started)
got=$(dw_answer idp.test A) want=$(dw_auth_answer idp.test A)
bogus=$(dw_answer www.bogus.test A)
q1=$(dw_stat datapath_query_prefetch) s1=$(dw_stat prefetch_started)
if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$bogus" = TIMEOUT ] && [ "$q1" = "$q0" ] &&
	[ "$s1" = "$s0" ] && [ "$(dw_stat verdicts_allow)" -ge 1 ]; then
	pass enforces_without_prefetch
else
	fail enforces_without_prefetch "got '$got' want '$want' bogus '$bogus' query_prefetch $q0->$q1 started $s0->$s1"
fi
dw_stop

# 3. A program the data plane needs is refused: `dnsward run` stops with the report.
# run_refused PROGRAM: run until it exits (bounded); its output in $DW_TMP/refused.out, status in $rc.
run_refused() {
	DNSWARD_TEST_REJECT_PROG=$1 timeout 30 nsenter --net=/run/netns/"$NS_NODE" \
		"$DNSWARD" run --config "$DW_TMP/f.yaml" >"$DW_TMP/refused.out" 2>&1
	rc=$?
}
refusal_reported() { # PROGRAM
	local out=$DW_TMP/refused.out log=$DW_TMP/verifier-$1.log
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
		grep -q "error: program $1 did not load on kernel $KERNEL (bpf() returned EACCES); the verifier's last lines:" "$out" &&
		grep -q "error:   R0 invalid mem access 'scalar'" "$out" &&
		grep -q "error:   processed 2 insns" "$out" &&
		grep -q "error: the verifier's whole log of $1: $log\$" "$out" &&
		grep -q "error: the data plane cannot enforce without it: stopping" "$out" &&
		grep -q "R0 invalid mem access 'scalar'" "$log" &&
		! grep -q 'running:' "$out" && ! grep -q 'libbpf' "$out" &&
		[ "$(wc -l <"$out")" -le 12 ]
}
for prog in dnsward_tc dnsward_xdp; do
	run_refused "$prog"
	if refusal_reported "$prog" && [ ! -e "$DW_PIN" ]; then
		pass "${prog}_refused_run_exits_with_report"
	else
		fail "${prog}_refused_run_exits_with_report" "rc=$rc pins: $(ls "$DW_PIN" 2>&1 | tr '\n' ' ') $(tr '\n' '|' <"$DW_TMP/refused.out")"
	fi
done

# 4. Over a running install left pinned: the refused start changes nothing of it.
dw_start "$DW_TMP/f.yaml" --keep-pinned || { fail kept_install_starts "see above"; finish; }
dw_answer idp.test A >/dev/null
dw_stop
run_refused dnsward_tc
got=$(dw_answer idp.test A) want=$(dw_auth_answer idp.test A)
if refusal_reported dnsward_tc && [ -e "$DW_PIN/dnsward_verdicts" ] &&
	[ -e "$DW_PIN/dnsward_prog_tc" ] && [ "$got" = "$want" ]; then
	pass refused_start_leaves_running_install
else
	fail refused_start_leaves_running_install "rc=$rc got '$got' pins: $(ls "$DW_PIN" 2>&1 | tr '\n' ' ')"
fi
finish
