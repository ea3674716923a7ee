#!/usr/bin/env bash
# Prefetch (validate on the query) in the lab, on pod veths (tc egress for
# replies, the query hook at tc ingress) and on the uplink (XDP for replies,
# the query hook at tc egress): a first query for a fresh protected name is
# seen by the query hook, its question is validated before its reply is
# judged (the held reply joins the in-flight prefetch or is sent to the worker
# that proved it) and the answer arrives exactly; a forged reply is still
# dropped while the real one arrives; unprotected queries are not prefetched;
# a question already proven is not sent again; with `prefetch: false` the
# query hook is gone and nothing is prefetched.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
ZONES="
  - {name: idp.test}"
dw_config "$DW_TMP/p.yaml" "{pattern: \"wl*\", hook: tc, direction: egress}" "$ZONES"
dw_setup_start "$DW_TMP/p.yaml"

query_hook_on() { # DEV DIRECTION
	ip netns exec "$NS_NODE" tc filter show dev "$1" "$2" 2>/dev/null | grep -q "handle 0xd5b"
}
# after_prefetch: held replies that joined a prefetch or were sent to its worker.
after_prefetch() { echo $(($(dw_stat prefetch_joined) + $(dw_stat prefetch_pinned))); }

query_hook_on "$NODE_WL_IF" ingress && pass query_hook_on_veth_ingress ||
	fail query_hook_on_veth_ingress "no dnsward_tc_query filter on $NODE_WL_IF ingress"

# A fresh name (the chain is warm after one query): prefetched, judged after the prefetch, delivered exactly.
dw_answer idp.test A >/dev/null
fresh_name_prefetched() { # LABEL NAME
	local q0 s0 a0 r0 got want q1 s1 a1 r1
	q0=$(dw_stat datapath_query_prefetch) s0=$(dw_stat prefetch_started)
	a0=$(after_prefetch) r0=$(dw_stat released)
	got=$(dw_answer "$2" A)
	want=$(dw_auth_answer "$2" A)
	q1=$(dw_stat datapath_query_prefetch) s1=$(dw_stat prefetch_started)
	a1=$(after_prefetch) r1=$(dw_stat released)
	if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$q1" = $((q0 + 1)) ] &&
		[ "$s1" = $((s0 + 1)) ] && [ "$a1" = $((a0 + 1)) ] && [ "$r1" = $((r0 + 1)) ]; then
		pass "$1"
	else
		fail "$1" "got '$got' want '$want' query_prefetch $q0->$q1 started $s0->$s1 after_prefetch $a0->$a1 released $r0->$r1"
	fi
}
fresh_name_prefetched fresh_name_prefetched_tc pf1.wild.idp.test

# The same question again: proven now (its reply met an ALLOW verdict), so the
# query hook keeps it in the kernel: no prefetch record, no wake-up of the daemon.
q0=$(dw_stat datapath_query_prefetch) v0=$(dw_stat datapath_query_proven)
d0=$(dw_stat prefetch_deduped) p0=$(dw_stat punts_received)
got=$(dw_answer pf1.wild.idp.test A)
q1=$(dw_stat datapath_query_prefetch) v1=$(dw_stat datapath_query_proven)
d1=$(dw_stat prefetch_deduped) p1=$(dw_stat punts_received)
if [ "$got" = "$(dw_auth_answer pf1.wild.idp.test A)" ] && [ "$q1" = "$q0" ] &&
	[ "$v1" = $((v0 + 1)) ] && [ "$d1" = "$d0" ] && [ "$p1" = "$p0" ]; then
	pass proven_question_not_prefetched
else
	fail proven_question_not_prefetched "got '$got' query_prefetch $q0->$q1 query_proven $v0->$v1 prefetch_deduped $d0->$d1 punts $p0->$p1"
fi

# The truth the prefetch left is what the held reply was judged with: a
# name flushed first (verdict and validated data gone) is judged without an
# upstream query of its own.
"$DNSWARD" flush www.idp.test --socket "$DW_TMP/control.sock" >/dev/null 2>&1
h0=$(dw_stat prefetch_hits)
got=$(dw_answer www.idp.test A)
h1=$(dw_stat prefetch_hits)
[ "$got" = "$(dw_auth_answer www.idp.test A)" ] && [ "$h1" = $((h0 + 1)) ] &&
	pass held_reply_judged_from_prefetched_truth ||
	fail held_reply_judged_from_prefetched_truth "got '$got' prefetch_hits $h0->$h1"

# Unprotected names: seen, never prefetched.
q0=$(dw_stat datapath_query_prefetch) n0=$(dw_stat datapath_query_seen)
dw_answer www.example.test A >/dev/null
q1=$(dw_stat datapath_query_prefetch) n1=$(dw_stat datapath_query_seen)
[ "$q1" = "$q0" ] && [ "$n1" -gt "$n0" ] && pass unprotected_not_prefetched ||
	fail unprotected_not_prefetched "query_prefetch $q0->$q1 query_seen $n0->$n1"

# A forged reply that wins the race is dropped; the real one arrives.
"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
s0=$(dw_stat prefetch_started)
out=$(forged_race pf2.wild.idp.test A --answer 203.0.113.66)
s1=$(dw_stat prefetch_started)
if grep -q '203.0.113.83' <<<"$out" && ! grep -q '203.0.113.66' <<<"$out" && [ "$s1" -gt "$s0" ]; then
	pass forged_dropped_real_delivered_with_prefetch
else
	fail forged_dropped_real_delivered_with_prefetch "started $s0->$s1 $(tr '\n' ' ' <<<"$out")"
fi
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

# XDP on the uplink: the query hook moves to the uplink's tc egress.
reload_with() { # IFACE-YAML [EXTRA-LINE]
	dw_config "$DW_TMP/p.yaml" "$1" "$ZONES"
	[ -n "${2:-}" ] && echo "$2" >>"$DW_TMP/p.yaml"
	"$DNSWARD" reload --allow-drops --socket "$DW_TMP/control.sock" 2>&1
}
out=$(reload_with "{name: $NODE_UP_IF, hook: xdp}")
if grep -q 'reload applied' <<<"$out" && query_hook_on "$NODE_UP_IF" egress &&
	! query_hook_on "$NODE_WL_IF" ingress; then
	pass query_hook_follows_reload_to_uplink_egress
else
	fail query_hook_follows_reload_to_uplink_egress "$(tr '\n' ' ' <<<"$out")"
fi
fresh_name_prefetched fresh_name_prefetched_xdp pf3.wild.idp.test

# prefetch: false: the query hook stays (it remembers outstanding queries) but sends
# nothing; a fresh name is judged when its reply arrives.
out=$(reload_with "{name: $NODE_UP_IF, hook: xdp}" "prefetch: false")
q0=$(dw_stat datapath_query_prefetch) t0=$(dw_stat datapath_query_tracked)
s0=$(dw_stat prefetch_started) r0=$(dw_stat released)
got=$(dw_answer pf4.wild.idp.test A)
q1=$(dw_stat datapath_query_prefetch) t1=$(dw_stat datapath_query_tracked)
s1=$(dw_stat prefetch_started) r1=$(dw_stat released)
if grep -q 'reload applied' <<<"$out" && query_hook_on "$NODE_UP_IF" egress &&
	[ "$got" = "$(dw_auth_answer pf4.wild.idp.test A)" ] && [ "$q1" = "$q0" ] &&
	[ "$t1" -gt "$t0" ] && [ "$s1" = "$s0" ] && [ "$r1" = $((r0 + 1)) ]; then
	pass prefetch_off_nothing_prefetched
else
	fail prefetch_off_nothing_prefetched "query_prefetch $q0->$q1 query_tracked $t0->$t1 started $s0->$s1 released $r0->$r1 got '$got' $(tr '\n' ' ' <<<"$out")"
fi
finish
