#!/usr/bin/env bash
# SIGHUP reloads the policy file with no control socket (its path cannot be
# created, so the daemon runs without one): a zone switched from enforce to
# monitor is delivered afterwards, the other enforced zone stays dropped; a
# reload that would drop a zone served now is refused; a bad file keeps the
# running policy (the log names file:line:column and the key) and that policy
# still decides. Every outcome is an audit event by "signal". R1 is
# non-validating, so only dnsward stands between the workload and the bogus
# and expired zones.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
CFG=$DW_TMP/reload.yaml
# A regular file where the socket's directory should be: no control socket.
: >"$DW_TMP/not-a-dir"

# write_cfg BOGUS-MODE [EXTRA-KEY]: idp.test and expired.test enforced, bogus.test in BOGUS-MODE.
write_cfg() {
	dw_config "$CFG" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}
  - {name: expired.test}
  - {name: bogus.test, mode: $1}"
	sed -i "s|^control: .*|control: {socket: $DW_TMP/not-a-dir/control.sock, mode: \"0600\"}|" "$CFG"
}

# wait_log REGEX: wait (bounded, 20 s) for a daemon log line.
wait_log() {
	local i
	for i in $(seq 1 200); do
		grep -Eq "$1" "$DW_LOG" && return 0
		sleep 0.1
	done
	return 1
}

# hup: signal the daemon we started, by its PID.
hup() { kill -HUP "$DW_PID"; }

write_cfg enforce
dw_setup_start "$CFG"
if grep -q "warning: control socket: control socket $DW_TMP/not-a-dir/control.sock: Not a directory" "$DW_LOG" &&
	[ ! -S "$DW_TMP/not-a-dir/control.sock" ]; then
	pass runs_without_control_socket
else
	fail runs_without_control_socket "$(grep 'control socket' "$DW_LOG")"
fi
b0=$(dw_answer www.bogus.test A) e0=$(dw_answer www.expired.test A)
[ "$b0" = TIMEOUT ] && [ "$e0" = TIMEOUT ] && pass enforced_before_reload ||
	fail enforced_before_reload "bogus '$b0' expired '$e0'"

# bogus.test to monitor: applied on SIGHUP, its replies are delivered and reported.
write_cfg monitor
hup
if wait_log 'reload \(SIGHUP\): reload applied: zones ~bogus.test\(mode enforce->monitor\)' &&
	dw_wait_event '"action":"reload","caller":"signal".*"outcome":"applied"'; then
	b1=$(dw_answer www.bogus.test A) e1=$(dw_answer www.expired.test A)
	if [ "$b1" != TIMEOUT ] && [ -n "$b1" ] && [ "$e1" = TIMEOUT ] &&
		dw_wait_event '"name":"www.bogus.test".*"zone":"bogus.test","mode":"monitor"'; then
		pass sighup_applies_without_socket
	else
		fail sighup_applies_without_socket "bogus '$b1' expired '$e1'"
	fi
else
	fail sighup_applies_without_socket "$(grep 'SIGHUP' "$DW_LOG" | tail -n 3)"
fi

# Back to enforce would drop a zone served now: refused, the running policy stays.
write_cfg enforce
hup
if wait_log 'reload \(SIGHUP\): refused: applying it would drop 1 zone\(s\) served now: bogus.test' &&
	dw_wait_event '"action":"reload","caller":"signal".*"outcome":"refused"' &&
	[ "$(dw_answer www.bogus.test A)" != TIMEOUT ]; then
	pass sighup_refuses_new_drops
else
	fail sighup_refuses_new_drops "$(grep 'SIGHUP' "$DW_LOG" | tail -n 3)"
fi

# A bad file: the error names file:line:column and the key; the running policy still decides.
write_cfg strict
hup
if wait_log "reload \(SIGHUP\): error: reload failed, the running policy stays: $CFG:[0-9]+:[0-9]+: zones\[2\]\.mode: " &&
	dw_wait_event '"action":"reload","caller":"signal".*"outcome":"failed"'; then
	b2=$(dw_answer www.bogus.test A) e2=$(dw_answer www.expired.test A)
	[ "$b2" != TIMEOUT ] && [ "$e2" = TIMEOUT ] && pass bad_sighup_keeps_policy ||
		fail bad_sighup_keeps_policy "bogus '$b2' expired '$e2'"
else
	fail bad_sighup_keeps_policy "$(grep 'SIGHUP' "$DW_LOG" | tail -n 3)"
fi
kill -0 "$DW_PID" 2>/dev/null && pass still_running || fail still_running "daemon exited"
finish
