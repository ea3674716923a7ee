#!/usr/bin/env bash
# Policy as code through the real daemon in the lab: `policy check` on every
# lab zone; reload with a good file (a zone removed stops being dropped), with
# a bad file (the running policy stays, the error names file:line:col);
# rollback; SIGHUP; an NTA that lets a bogus zone through and expires by
# itself (dropped again after); a caller of another uid refused; an audit
# event for each of these. R1 is non-validating, so only dnsward stands
# between the workload and bogus.test's corrupted signatures.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lab/lib.sh"

[ "$(id -u)" = 0 ] || { skip policy_e2e "needs root for network namespaces"; finish; }
command -v setpriv >/dev/null || { skip policy_e2e "setpriv missing"; finish; }

TMP=$(mktemp -d /tmp/dnsward-e2e-policy.XXXXXX)
PIN=/sys/fs/bpf/dnsward-test-policy-$$
SOCK_DIR=/run/dnsward-e2e-policy-$$ # created by the daemon (0755), so uid 65534 can reach it
SOCK=$SOCK_DIR/control.sock
CFG=$TMP/policy.yaml
EVENTS=$TMP/events.jsonl
LOG=$TMP/daemon.log
PID=

cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		wait "$PID" 2>/dev/null
	fi
	[ -d "$PIN" ] && rm -rf "$PIN"
	rm -rf "$SOCK_DIR"
	"$LAB_HOME/down" >/dev/null 2>&1
	rm -rf "$TMP"
}

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
lab_lock 900 || { fail lab_lock "lab busy"; finish; }
trap cleanup EXIT
if ! "$LAB_HOME/up" >"$TMP/up.log" 2>&1; then
	fail lab_up "$(tail -n 3 "$TMP/up.log")"
	finish
fi
# shellcheck disable=SC1090
. "$("$LAB_HOME/env")"

# --- policy check on the lab ------------------------------------------------------------
in_node() { ip netns exec "$NS_NODE" "$@"; }

# examples/lab.yaml names the lab's default paths; point a copy at this lab.
sed -e "s#/run/dnsward-lab/auth/anchor.ds#$ANCHOR_FILE#" "$ROOT/examples/lab.yaml" >"$TMP/lab.yaml"
out=$(in_node "$DNSWARD" policy check "$TMP/lab.yaml" 2>"$TMP/check.err"); rc=$?
want=(
	"^idp.test: secure, enforced$"
	"^nsec3.test: secure, enforced$"
	"^bogus.test: BOGUS \(RRSIG bogus.test/A by bogus.test/13/[0-9]+ does not verify\) -> every reply would be DROPPED$"
	"^dsmismatch.test: BOGUS \(DS dsmismatch.test [0-9]+/13/2 matches no DNSKEY\) -> every reply would be DROPPED$"
	"^expired.test: BOGUS \(RRSIG expired.test/DNSKEY by expired.test/8/[0-9]+ expired .*\) -> every reply would be DROPPED$"
	"^future.test: BOGUS \(RRSIG future.test/DNSKEY by future.test/13/[0-9]+ not valid before .*\) -> every reply would be DROPPED$"
	"^insecure.test: INSECURE \(.*\), require=secure -> every reply would be DROPPED$"
	"^cname-out.test: INSECURE \(insecure delegation insecure.test.*\), require=secure -> every reply would be DROPPED$"
)
missing=
for re in "${want[@]}"; do grep -Eq "$re" <<<"$out" || missing="$missing [$re]"; done
if [ $rc -eq 1 ] && [ -z "$missing" ] && [ "$(grep -c ': ' <<<"$out")" -eq 8 ] &&
	grep -q "would drop 6 zone(s) served now (--allow-drops to accept)" "$TMP/check.err"; then
	pass policy_check_lab_zones
else
	fail policy_check_lab_zones "rc=$rc missing:$missing out=$out err=$(cat "$TMP/check.err")"
fi
in_node "$DNSWARD" policy check "$TMP/lab.yaml" --allow-drops >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && pass policy_check_allow_drops || fail policy_check_allow_drops "rc=$rc"
# Against the same running policy nothing new is dropped.
in_node "$DNSWARD" policy check "$TMP/lab.yaml" --against "$TMP/lab.yaml" >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && pass policy_check_against_running || fail policy_check_against_running "rc=$rc"
json=$(in_node "$DNSWARD" policy check "$TMP/lab.yaml" --allow-drops --json 2>/dev/null)
if /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
z = {x["zone"]: x for x in d["zones"]}
assert z["idp.test"]["outcome"] == "secure" and z["idp.test"]["effect"] == "deliver"
assert z["bogus.test"]["outcome"] == "bogus" and z["bogus.test"]["effect"] == "drop"
assert z["insecure.test"]["outcome"] == "insecure" and z["insecure.test"]["newly_dropped"]
assert z["cname-out.test"]["name"] == "www.cname-out.test"
assert d["would_drop_served"] == 6 and d["ok"] is True and len(d["policy"]) == 64
' <<<"$json"; then pass policy_check_json; else fail policy_check_json "$json"; fi

# --- the daemon ---------------------------------------------------------------------------
write_cfg() { # ZONE-LINES
	cat >"$CFG" <<EOT
zones:
$1
trust_anchors:
  - file: $ANCHOR_FILE
upstreams:
  - {address: $UPSTREAM_IP4, transport: udp, timeout: 1s}
interfaces:
  - {name: $NODE_UP_IF, hook: xdp}
limits: {heartbeat_timeout: 2s, negative_cache_ttl: 1s}
pin_path: $PIN
events: {output: $EVENTS}
control: {socket: $SOCK, mode: "0666"}
EOT
}
ZONES_A="  - {name: idp.test}
  - {name: bogus.test}"
ZONES_B="  - {name: idp.test}"

# answer NAME: the A records the workload receives, or TIMEOUT when nothing arrives.
answer() {
	local out
	out=$(ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=2 @"$RESOLVER_IP4" "$1" A +noall +answer +comments) ||
		{ echo TIMEOUT; return; }
	grep -q 'status:' <<<"$out" || { echo TIMEOUT; return; }
	grep -v '^;' <<<"$out" | awk '$4 == "A" { print $5 }' | sort | tr '\n' ' '
}
ctl() { "$DNSWARD" "$@" --socket "$SOCK"; }
# last_audit ACTION: the newest audit event line for ACTION.
last_audit() { grep "\"event\":\"audit\"" "$EVENTS" 2>/dev/null | grep "\"action\":\"$1\"" | tail -n 1; }
wait_audit() { # ACTION REGEX [TENTHS]: bounded wait for an audit event
	for _ in $(seq 1 "${3:-150}"); do
		last_audit "$1" | grep -Eq "$2" && return 0
		sleep 0.1
	done
	return 1
}
hash_now() { ctl status 2>/dev/null | awk '$1 == "policy" { print $2 }'; }

write_cfg "$ZONES_A"
nsenter --net=/run/netns/"$NS_NODE" "$DNSWARD" run --config "$CFG" >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 200); do
	[ -S "$SOCK" ] && ctl status >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
if ! ctl status >/dev/null 2>&1; then
	fail daemon_start "$(tail -n 10 "$LOG")"
	finish
fi
mode=$(stat -c '%a %U' "$SOCK"); dmode=$(stat -c '%a' "$SOCK_DIR")
[ "$mode" = "666 root" ] && [ "$dmode" = 755 ] && pass control_socket_mode ||
	fail control_socket_mode "socket $mode dir $dmode"

# Under policy A: idp.test is delivered, bogus.test dropped.
a_idp=$(answer idp.test); a_bogus=$(answer bogus.test)
if [ "$a_idp" = "203.0.113.80 " ] && [ "$a_bogus" = TIMEOUT ]; then
	pass policy_a_enforced
else
	fail policy_a_enforced "idp=$a_idp bogus=$a_bogus"
fi
HASH_A=$(hash_now)

# A caller of another uid may read but not change anything, and is recorded.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DNSWARD" reload --socket "$SOCK" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "^dnsward: reload: denied: uid 65534 may only read status, stats and nta list; changes need uid 0$" <<<"$out" &&
	wait_audit reload '"caller":\{"uid":65534,"pid":[0-9]+\}.*"outcome":"denied"'; then
	pass unprivileged_reload_denied
else
	fail unprivileged_reload_denied "rc=$rc out=$out"
fi
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DNSWARD" nta add bogus.test --for 1h --reason x --socket "$SOCK" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "denied" <<<"$out" && [ "$(answer bogus.test)" = TIMEOUT ] &&
	pass unprivileged_nta_denied || fail unprivileged_nta_denied "rc=$rc out=$out"
setpriv --reuid=65534 --regid=65534 --clear-groups "$DNSWARD" status --socket "$SOCK" >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && pass unprivileged_status_allowed || fail unprivileged_status_allowed "rc=$rc"

# stat NAME: one counter of `dnsward stats`.
stat() { ctl stats 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
# new_names TAG: new names under idp.test's wildcard, so every worker validates after a reload.
new_names() { for i in 1 2 3 4 5 6 7 8; do answer "$1$i.wild.idp.test" >/dev/null; done; }
new_names before
SIGS_A=$(stat signatures_verified)

# Good reload: bogus.test is no longer protected, so its replies are delivered.
write_cfg "$ZONES_B"
out=$(ctl reload 2>&1); rc=$?
HASH_B=$(hash_now)
if [ $rc -eq 0 ] && grep -q "^reload applied: zones -bogus.test$" <<<"$out" &&
	grep -q "^idp.test: secure, enforced$" <<<"$out" && [ "$HASH_B" != "$HASH_A" ] &&
	[ "$(answer bogus.test)" = "203.0.113.110 " ] && [ "$(answer idp.test)" = "203.0.113.80 " ]; then
	pass reload_good_applies
else
	fail reload_good_applies "rc=$rc out=$out bogus=$(answer bogus.test)"
fi
# The validators a reload replaces leave their counters: totals never go back.
new_names after
SIGS_B=$(stat signatures_verified)
if [ "${SIGS_A:-0}" -gt 0 ] && [ "${SIGS_B:-0}" -gt "$SIGS_A" ]; then
	pass counters_survive_reload
else
	fail counters_survive_reload "signatures_verified $SIGS_A -> $SIGS_B"
fi
if wait_audit reload "\"caller\":\\{\"uid\":0,\"pid\":[0-9]+\\},\"old_policy\":\"$HASH_A\",\"new_policy\":\"$HASH_B\",\"summary\":\"zones -bogus.test\",\"outcome\":\"applied\""; then
	pass audit_reload_applied
else
	fail audit_reload_applied "$(last_audit reload)"
fi

# Bad reload: the running policy stays, the error names file:line:col and key.
write_cfg "  - {name: bogus.test, require: strict}"
out=$(ctl reload 2>&1); rc=$?
if [ $rc -eq 1 ] &&
	grep -q "^dnsward: reload: error: reload failed, the running policy stays: $CFG:2:33: zones\[0\].require: expected 'secure' or 'not-bogus', got 'strict'$" <<<"$out" &&
	[ "$(hash_now)" = "$HASH_B" ] && [ "$(answer bogus.test)" = "203.0.113.110 " ]; then
	pass reload_bad_keeps_policy
else
	fail reload_bad_keeps_policy "rc=$rc out=$out hash=$(hash_now)"
fi
wait_audit reload "\"old_policy\":\"$HASH_B\",\"new_policy\":\"\".*\"outcome\":\"failed\",\"reason\":\"$CFG:2:33: zones" &&
	pass audit_reload_failed || fail audit_reload_failed "$(last_audit reload)"

# Rollback: back to A, bogus.test dropped again.
out=$("$DNSWARD" policy rollback --socket "$SOCK" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^rollback applied: zones +bogus.test$" <<<"$out" &&
	[ "$(hash_now)" = "$HASH_A" ] && [ "$(answer bogus.test)" = TIMEOUT ]; then
	pass rollback_restores_previous
else
	fail rollback_restores_previous "rc=$rc out=$out"
fi
wait_audit rollback "\"old_policy\":\"$HASH_B\",\"new_policy\":\"$HASH_A\".*\"outcome\":\"applied\"" &&
	pass audit_rollback || fail audit_rollback "$(last_audit rollback)"

# An NTA lets bogus.test through, then expires by itself and it is dropped again.
out=$(ctl nta add bogus.test --for 10s --reason "lab incident" 2>&1); rc=$?
a_nta=$(answer bogus.test)
list=$(ctl nta list 2>&1)
if [ $rc -eq 0 ] && [ "$a_nta" = "203.0.113.110 " ] && grep -q "^bogus.test until .* runtime lab incident$" <<<"$list"; then
	pass nta_delivers_bogus_zone
else
	fail nta_delivers_bogus_zone "rc=$rc out=$out answer=$a_nta list=$list"
fi
wait_audit nta-add '"caller":\{"uid":0,"pid":[0-9]+\}.*"summary":"ntas \+bogus.test; until .*, reason: lab incident","outcome":"applied"' &&
	pass audit_nta_add || fail audit_nta_add "$(last_audit nta-add)"
if wait_audit nta-expire '"caller":"timer".*"summary":"ntas -bogus.test; expired: bogus.test","outcome":"applied"' 400; then
	a_after=$(answer bogus.test)
	[ "$a_after" = TIMEOUT ] && [ -z "$(ctl nta list)" ] && pass nta_expires_and_drops_again ||
		fail nta_expires_and_drops_again "answer after expiry=$a_after"
else
	fail nta_expires_and_drops_again "no nta-expire event: $(tail -n 3 "$EVENTS")"
fi

# SIGHUP reloads as "signal".
write_cfg "$ZONES_B"
kill -HUP "$PID"
if wait_audit reload '"caller":"signal".*"summary":"zones -bogus.test","outcome":"applied"' &&
	[ "$(answer bogus.test)" = "203.0.113.110 " ]; then
	pass sighup_reload
else
	fail sighup_reload "$(last_audit reload)"
fi

# Clients: an unreachable daemon is exit 3, unknown options exit 2.
"$DNSWARD" status --socket "$TMP/nothing.sock" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -eq 3 ] && grep -q "cannot reach the daemon at $TMP/nothing.sock" "$TMP/err" &&
	pass client_unreachable_exit_3 || fail client_unreachable_exit_3 "rc=$rc $(cat "$TMP/err")"
finish
