#!/usr/bin/env bash
# Command-line parsing: usage, help for each subcommand, exit codes for bad input.
. "$(dirname "$0")/../lib.sh"

out=$("$DNSWARD" --help 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^usage: dnsward' <<<"$out"; then pass help; else fail help "rc=$rc"; fi

for sub in run check policy status stats reload nta flush; do
	out=$("$DNSWARD" "$sub" --help 2>&1); rc=$?
	if [ $rc -eq 0 ] && grep -qi "usage: dnsward $sub" <<<"$out"; then
		pass "help_$sub"
	else
		fail "help_$sub" "rc=$rc out=$(head -1 <<<"$out")"
	fi
done

out=$("$DNSWARD" frobnicate 2>&1); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "unknown command 'frobnicate'" <<<"$out"; then
	pass unknown_command_exits_2
else
	fail unknown_command_exits_2 "rc=$rc out=$out"
fi

out=$("$DNSWARD" --bogus-flag 2>&1); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ]; then pass unknown_global_option_exits_2; else fail unknown_global_option_exits_2 "rc=$rc"; fi

for sub in run policy status; do
	out=$("$DNSWARD" "$sub" --no-such-option 2>&1); rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q -- '--no-such-option' <<<"$out"; then
		pass "unknown_option_${sub}_exits_2"
	else
		fail "unknown_option_${sub}_exits_2" "rc=$rc out=$out"
	fi
done

# check uses 0-3 for outcomes, so its usage errors are 64 (EX_USAGE).
out=$("$DNSWARD" check --no-such-option 2>&1); rc=$?
if [ $rc -eq 64 ] && grep -q -- '--no-such-option' <<<"$out"; then pass unknown_option_check_exits_64; else fail unknown_option_check_exits_64 "rc=$rc out=$out"; fi

out=$("$DNSWARD" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -q '^usage' <<<"$out"; then pass no_command_prints_usage; else fail no_command_prints_usage "rc=$rc"; fi
finish
