#!/usr/bin/env bash
# The daemon through tc egress on the node's workload-facing veth (by
# pattern), IPv4 and IPv6: protected answers are released by AF_PACKET,
# insecure.test is delivered under require not-bogus, repeats of a validated
# reply are decided by the per-CPU memo, on-path forged replies
# (a wrong address, a forged NXDOMAIN, a forged wildcard answer) never reach
# the workload while the real answer still does, names under a proven wildcard
# are answered from the validated cache and still arrive exactly, a link created after start is attached without a
# restart, and a reload that changes the interfaces attaches the new hooks and
# detaches the removed ones.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/tc.yaml" "{pattern: \"wl*\", hook: tc, direction: egress}" "
  - {name: idp.test}
  - {name: bogus.test}
  - {name: insecure.test, require: not-bogus}"

# Control: without dnsward the attacker wins the race (so the checks below can fail).
"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
out=$(forged_race ldap.idp.test A --answer 203.0.113.66)
grep -q '203.0.113.66' <<<"$out" && pass attack_works_without_dnsward ||
	fail attack_works_without_dnsward "$(tr '\n' ' ' <<<"$out")"
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

dw_setup_start "$DW_TMP/tc.yaml"

got=$(dw_answer idp.test A)
[ "$got" = "$(dw_auth_answer idp.test A)" ] && pass tc_delivered_v4 || fail tc_delivered_v4 "got '$got'"
got=$(ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=2 @"$RESOLVER_IP6" idp.test AAAA +short)
[ "$got" = "2001:db8:3::80" ] && pass tc_delivered_v6 || fail tc_delivered_v6 "got '$got'"
[ "$(dw_stat release_packet)" -ge 2 ] && pass released_by_af_packet ||
	fail released_by_af_packet "release_packet=$(dw_stat release_packet)"

got=$(dw_answer www.insecure.test A)
[ "$got" = "$(dw_auth_answer www.insecure.test A)" ] && pass insecure_delivered_under_not_bogus ||
	fail insecure_delivered_under_not_bogus "got '$got'"
# A bogus reply: held by the tc hook (its drop counted), judged bogus (a DENY
# verdict), reported as dropped, and never seen by the workload.
h0=$(dw_stat datapath_held) d0=$(dw_stat verdicts_deny)
got=$(dw_answer www.bogus.test A)
dw_wait_event '"name":"www.bogus.test".*"outcome":"bogus".*"action":"dropped"' && ev=1 || ev=0
h1=$(dw_stat datapath_held) d1=$(dw_stat verdicts_deny)
if [ "$got" = TIMEOUT ] && [ "$h1" -gt "$h0" ] && [ "$d1" -gt "$d0" ] && [ $ev = 1 ]; then
	pass tc_bogus_dropped
else
	fail tc_bogus_dropped "workload got '$got', datapath_held $h0->$h1, verdicts_deny $d0->$d1, event $ev: $(tail -n 1 "$DW_EVENTS" 2>/dev/null)"
fi

# Repeats of a validated reply are decided by the per-CPU memo on the tc hook too.
want=$(dw_auth_answer idp.test A) ok=1
m0=$(dw_stat datapath_memo_hits) p0=$(dw_stat punts_received)
for i in 1 2 3 4 5 6 7 8; do
	[ "$(dw_answer idp.test A)" = "$want" ] || ok=0
done
m1=$(dw_stat datapath_memo_hits) p1=$(dw_stat punts_received)
[ $ok = 1 ] && [ -n "$want" ] && [ "$m1" -gt "$m0" ] && [ "$p1" = "$p0" ] && pass tc_repeats_from_memo ||
	fail tc_repeats_from_memo "answers ok=$ok memo_hits $m0->$m1 punts $p0->$p1"

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
out=$(forged_race ldap.idp.test A --answer 203.0.113.66)
if grep -q '203.0.113.82' <<<"$out" && ! grep -q '203.0.113.66' <<<"$out"; then
	pass forged_reply_dropped_real_delivered
else
	fail forged_reply_dropped_real_delivered "$(tr '\n' ' ' <<<"$out")"
fi
dw_wait_event '"name":"ldap.idp.test".*"action":"dropped"' && pass forged_reply_event ||
	fail forged_reply_event "no event"
out=$(forged_race www.idp.test A --nxdomain)
if grep -q '203.0.113.81' <<<"$out" && ! grep -qi 'NXDOMAIN' <<<"$out"; then
	pass forged_nxdomain_dropped
else
	fail forged_nxdomain_dropped "$(tr '\n' ' ' <<<"$out")"
fi
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

# Names under a proven wildcard: six distinct names over at most four workers,
# so some are answered from the validated wildcard (no upstream query); every
# one still arrives exactly as authoritative, and a forged wildcard answer
# for a further name is still dropped while the real one arrives.
ok=1
for i in 1 2 3 4 5 6; do
	got=$(dw_answer "w$i.wild.idp.test" A) want=$(dw_auth_answer "w$i.wild.idp.test" A)
	[ -n "$want" ] && [ "$got" = "$want" ] || ok="w$i: got '$got' want '$want'"
done
synth=$(dw_stat validator_wildcard_synth)
if [ "$ok" = 1 ] && [ "$synth" -ge 1 ]; then
	pass wildcard_answers_from_validated_cache
else
	fail wildcard_answers_from_validated_cache "$ok; validator_wildcard_synth=$synth"
fi
"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
out=$(forged_race w9.wild.idp.test A --answer 203.0.113.66)
if grep -q '203.0.113.83' <<<"$out" && ! grep -q '203.0.113.66' <<<"$out"; then
	pass forged_wildcard_dropped_real_delivered
else
	fail forged_wildcard_dropped_real_delivered "$(tr '\n' ' ' <<<"$out")"
fi
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

# A link that appears later (a new pod's veth) is attached without a restart.
ip netns exec "$NS_NODE" ip link add wl9 type veth peer name wl9p
ok=
for i in $(seq 1 30); do
	if ip netns exec "$NS_NODE" tc filter show dev wl9 egress 2>/dev/null | grep -q dnsward; then
		ok=1
		break
	fi
	sleep 0.1
done
ip netns exec "$NS_NODE" ip link del wl9 2>/dev/null
[ -n "$ok" ] && pass new_link_attached || fail new_link_attached "no tc filter on wl9"

# Reload moves enforcement from tc on wl* to XDP on up0: the new hook is attached,
# the removed one detached, and the next punt comes through XDP, not tc.
reload_ifaces() { # IFACE-YAML: rewrite the running config's interfaces, reload
	dw_config "$DW_TMP/tc.yaml" "$1" "
  - {name: idp.test}
  - {name: bogus.test}
  - {name: insecure.test, require: not-bogus}"
	"$DNSWARD" reload --allow-drops --socket "$DW_TMP/control.sock" 2>&1
}
tc_on_wl0() { ip netns exec "$NS_NODE" tc filter show dev "$NODE_WL_IF" egress 2>/dev/null | grep -q dnsward; }
xdp_on_up0() { ip -n "$NS_NODE" link show "$NODE_UP_IF" | grep -q 'prog/xdp'; }
tc_on_wl0 && ! xdp_on_up0 && pass before_reload_tc_only || fail before_reload_tc_only "hooks differ"
out=$(reload_ifaces "{name: $NODE_UP_IF, hook: xdp}")
if grep -q 'reload applied' <<<"$out" && ! tc_on_wl0 && xdp_on_up0; then
	pass reload_detaches_removed_attaches_new
else
	fail reload_detaches_removed_attaches_new "$(tr '\n' ' ' <<<"$out")"
fi
# An ingress release: a live frame, or a raw IP send where the kernel refuses live frames.
ingress_released() { echo $(($(dw_stat release_xdp_live) + $(dw_stat release_raw))); }
rp0=$(dw_stat release_packet) rx0=$(ingress_released)
got=$(dw_answer ldap.idp.test A)
rp1=$(dw_stat release_packet) rx1=$(ingress_released)
if [ "$got" = "$(dw_auth_answer ldap.idp.test A)" ] && [ "$rp1" = "$rp0" ] && [ "$rx1" -gt "$rx0" ]; then
	pass reload_punts_through_new_hook_only
else
	fail reload_punts_through_new_hook_only "got '$got' af_packet $rp0->$rp1 ingress $rx0->$rx1"
fi
# A reload to a link that does not exist: up0 loses its program, nothing is punted any more.
out=$(reload_ifaces "{name: dwnone0, hook: tc, direction: egress}")
p0=$(dw_stat punts_received)
got=$(dw_answer www.bogus.test A)
p1=$(dw_stat punts_received)
if grep -q 'reload applied' <<<"$out" && ! xdp_on_up0 && ! tc_on_wl0 &&
	[ "$got" = "$(dw_auth_answer www.bogus.test A)" ] && [ "$p1" = "$p0" ]; then
	pass reload_removed_iface_not_punted
else
	fail reload_removed_iface_not_punted "got '$got' punts $p0->$p1 $(tr '\n' ' ' <<<"$out")"
fi
finish
