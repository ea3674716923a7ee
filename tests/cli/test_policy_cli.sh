#!/usr/bin/env bash
# The policy and control clients without a daemon: `policy check` on files
# with errors (exit 1, the message names file:line:column and key), on a
# policy whose zones cannot be proven (no upstream: nothing leaves the host),
# usage errors (exit 2, the option named) and an unreachable daemon (exit 3).
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d /tmp/dw-cli-policy.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

printf 'zones:\n  - name: a.test\n  - name: b.test\n  - name: c.test\n    require: strict\n' >"$TMP/bad.yaml"
out=$("$DNSWARD" policy check "$TMP/bad.yaml" 2>&1); rc=$?
if [ $rc -eq 1 ] && [ "$out" = "dnsward: policy check: $TMP/bad.yaml:5:14: zones[2].require: expected 'secure' or 'not-bogus', got 'strict'" ]; then
	pass check_config_error_located
else
	fail check_config_error_located "rc=$rc out=$out"
fi

out=$("$DNSWARD" policy check "$TMP/missing.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot open: No such file or directory" <<<"$out" &&
	pass check_missing_file || fail check_missing_file "rc=$rc out=$out"

# No upstreams: every truth is indeterminate, so the failure mode decides.
printf 'zones:\n  - {name: closed.test}\n  - {name: open.test, failure: open}\n  - {name: watch.test, mode: monitor}\n' >"$TMP/noup.yaml"
out=$("$DNSWARD" policy check "$TMP/noup.yaml" 2>"$TMP/err"); rc=$?
if [ $rc -eq 1 ] &&
	grep -q "^closed.test: INDETERMINATE (.*), failure=closed -> every reply would be DROPPED$" <<<"$out" &&
	grep -q "^open.test: INDETERMINATE (.*), failure=open -> replies delivered unproven$" <<<"$out" &&
	grep -q "^watch.test: INDETERMINATE (.*) -> monitor: replies delivered and reported$" <<<"$out" &&
	grep -q "would drop 1 zone(s) served now" "$TMP/err"; then
	pass check_failure_modes
else
	fail check_failure_modes "rc=$rc out=$out err=$(cat "$TMP/err")"
fi
"$DNSWARD" policy check "$TMP/noup.yaml" --allow-drops >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && pass check_allow_drops || fail check_allow_drops "rc=$rc"
# The same policy running already drops closed.test: nothing new is dropped.
"$DNSWARD" policy check "$TMP/noup.yaml" --against "$TMP/noup.yaml" >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && pass check_against_running || fail check_against_running "rc=$rc"

for args in "policy check --bogus" "policy rollback --bogus" "nta add x.test --bogus" "reload --bogus" "flush --bogus" "stats --bogus"; do
	# shellcheck disable=SC2086
	out=$("$DNSWARD" $args 2>&1); rc=$?
	name="usage_${args// /_}"
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q -- "unknown option '--bogus'" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "rc=$rc out=$out"
	fi
done
out=$("$DNSWARD" nta add x.test --for 2h 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "add needs --for DURATION and --reason TEXT" <<<"$out" &&
	pass usage_nta_add_needs_reason || fail usage_nta_add_needs_reason "rc=$rc out=$out"
out=$("$DNSWARD" policy check 2>&1); rc=$?
[ $rc -eq 2 ] && pass usage_check_needs_file || fail usage_check_needs_file "rc=$rc out=$out"

for cmd in status "nta list" "policy rollback"; do
	# shellcheck disable=SC2086
	out=$("$DNSWARD" $cmd --socket "$TMP/none.sock" 2>&1); rc=$?
	name="unreachable_${cmd// /_}"
	if [ $rc -eq 3 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "cannot reach the daemon at $TMP/none.sock" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "rc=$rc out=$out"
	fi
done
# --config finds the socket from the file.
printf 'control: {socket: %s/cfg.sock}\n' "$TMP" >"$TMP/sock.yaml"
out=$("$DNSWARD" status --config "$TMP/sock.yaml" 2>&1); rc=$?
[ $rc -eq 3 ] && grep -q "at $TMP/cfg.sock" <<<"$out" && pass socket_from_config || fail socket_from_config "rc=$rc out=$out"
finish
