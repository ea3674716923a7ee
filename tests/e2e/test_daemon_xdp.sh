#!/usr/bin/env bash
# The daemon through XDP on the node's uplink (up0), IPv4 and IPv6, with a
# non-validating resolver and then a DNSSEC-stripping one: protected answers
# arrive exactly as authoritative, repeats come from the verdict map (and the
# per-CPU memo) without a punt, `flush NAME` drops exactly that name's verdicts
# and what the memo kept of them (the next query for it punts again, other
# names still hit), bogus/expired/future/dsmismatch and
# unsigned-fallback replies never arrive (each with an event naming the
# reason), unprotected names are never punted. The validator's own upstream
# replies (protected names too) are passed by the hook, never punted, while a
# reply to an unmarked socket on the node itself is held like a workload's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/xdp.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}
  - {name: bogus.test}
  - {name: dsmismatch.test}
  - {name: expired.test}
  - {name: future.test}
  - {name: insecure.test, require: secure}"
dw_setup_start "$DW_TMP/xdp.yaml"

# Protected names arrive exactly as the authoritative server has them.
for q in "idp.test A" "idp.test AAAA" "login.idp.test CNAME" "idp.test TXT" "_ldap._tcp.idp.test SRV"; do
	# shellcheck disable=SC2086
	want=$(dw_auth_answer $q)
	# shellcheck disable=SC2086
	got=$(dw_answer $q)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		pass "delivered_exact_${q// /_}"
	else
		fail "delivered_exact_${q// /_}" "got '$got' want '$want'"
	fi
done
held=$(dw_stat punts_held)
released=$(dw_stat released)
[ "$held" -ge 5 ] && [ "$released" -ge 5 ] && pass held_then_released ||
	fail held_then_released "held=$held released=$released"

# 1b. Validating those five took upstream queries for idp.test names through the
# same hook: their replies were passed as the validator's (socket mark), so the
# only punts are the workload's five replies.
vr=$(dw_stat datapath_validator_reply) pr=$(dw_stat punts_received) pu=$(dw_stat datapath_punted)
if [ "$vr" -gt 0 ] && [ "$pr" = 5 ] && [ "$pu" = 5 ]; then
	pass validator_replies_passed_by_hook
else
	fail validator_replies_passed_by_hook "validator_reply=$vr punts_received=$pr punted=$pu (want >0, 5, 5)"
fi

# 1c. A reply for a protected name to an unmarked socket of the node itself (dig
# on the node) is held, validated and released like any workload's.
p0=$(dw_stat punts_received) h0=$(dw_stat datapath_held) v0=$(dw_stat datapath_validator_reply)
got=$(ip netns exec "$NS_NODE" dig +tries=1 +time=2 @"$RESOLVER_IP4" node.wild.idp.test A +short)
p1=$(dw_stat punts_received) h1=$(dw_stat datapath_held) v1=$(dw_stat datapath_validator_reply)
if [ "$got" = 203.0.113.83 ] && [ "$p1" = $((p0 + 1)) ] && [ "$h1" = $((h0 + 1)) ] &&
	[ "$v1" -gt "$v0" ]; then
	pass unmarked_node_socket_held
else
	fail unmarked_node_socket_held "got '$got' punts $p0->$p1 held $h0->$h1 validator_reply $v0->$v1"
fi

# A repeat is answered from the verdict map: no new punt, the allowed counter grows.
p0=$(dw_stat punts_received) a0=$(dw_stat datapath_allowed)
got=$(dw_answer idp.test TXT)
p1=$(dw_stat punts_received) a1=$(dw_stat datapath_allowed)
if [ "$got" = "$(dw_auth_answer idp.test TXT)" ] && [ "$p1" = "$p0" ] && [ "$a1" -gt "$a0" ]; then
	pass repeat_from_verdict_map
else
	fail repeat_from_verdict_map "punts $p0->$p1 allowed $a0->$a1 got '$got'"
fi

# 2a. Repeats of one reply are decided by the data plane's per-CPU memo (other IDs and
# TTLs, the same bytes otherwise): the memo counter grows and the answer stays exact.
want=$(dw_auth_answer www.idp.test A)
dw_answer www.idp.test A >/dev/null # validated once: the verdict the repeats hit
m0=$(dw_stat datapath_memo_hits) p0=$(dw_stat punts_received)
ok=1
for i in 1 2 3 4 5 6 7 8; do
	[ "$(dw_answer www.idp.test A)" = "$want" ] || ok=0
done
m1=$(dw_stat datapath_memo_hits) p1=$(dw_stat punts_received)
if [ $ok = 1 ] && [ -n "$want" ] && [ "$m1" -gt "$m0" ] && [ "$p1" = "$p0" ]; then
	pass repeats_from_memo
else
	fail repeats_from_memo "answers ok=$ok memo_hits $m0->$m1 punts $p0->$p1"
fi

# 2b. flush NAME is precise: two protected names cached, one flushed; the flushed one
# punts again, the other (and the parent idp.test) still hit the verdict map.
for n in www.idp.test ldap.idp.test; do dw_answer $n A >/dev/null; done
h0=$(dw_stat punts_held) a0=$(dw_stat datapath_allowed)
www=$(dw_answer www.idp.test A) ldap=$(dw_answer ldap.idp.test A)
h1=$(dw_stat punts_held) a1=$(dw_stat datapath_allowed)
[ "$h1" = "$h0" ] && [ "$a1" -ge $((a0 + 2)) ] && pass flush_both_cached ||
	fail flush_both_cached "held $h0->$h1 allowed $a0->$a1"
out=$("$DNSWARD" flush www.idp.test --socket "$DW_TMP/control.sock" 2>&1) ||
	fail flush_name_command "$out"
h1=$(dw_stat punts_held) a1=$(dw_stat datapath_allowed)
got_ldap=$(dw_answer ldap.idp.test A) got_txt=$(dw_answer idp.test TXT)
h2=$(dw_stat punts_held) a2=$(dw_stat datapath_allowed)
if [ "$got_ldap" = "$ldap" ] && [ "$h2" = "$h1" ] && [ "$a2" -ge $((a1 + 2)) ]; then
	pass flush_name_keeps_other_names
else
	fail flush_name_keeps_other_names "held $h1->$h2 allowed $a1->$a2 ldap '$got_ldap' txt '$got_txt'"
fi
got_www=$(dw_answer www.idp.test A)
h3=$(dw_stat punts_held)
if [ "$got_www" = "$www" ] && [ -n "$www" ] && [ "$h3" -gt "$h2" ]; then
	pass flush_name_punts_flushed_name_again
else
	fail flush_name_punts_flushed_name_again "held $h2->$h3 www '$got_www' want '$www'"
fi
# And now it is cached again.
dw_answer www.idp.test A >/dev/null
[ "$(dw_stat punts_held)" = "$h3" ] && pass flush_name_recached || fail flush_name_recached "still punting"

# IPv6 transport to the resolver, through the same hook.
got=$(ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=2 @"$RESOLVER_IP6" www.idp.test AAAA +short)
[ "$got" = "2001:db8:3::81" ] && pass ipv6_delivered || fail ipv6_delivered "got '$got'"

# Bogus variants and the unsigned fallback never reach the workload; each has an event.
for z in bogus dsmismatch expired future insecure; do
	name=www.$z.test
	got=$(dw_answer "$name" A)
	if [ "$got" != TIMEOUT ]; then
		fail "dropped_$z" "workload got '$got'"
		continue
	fi
	want=bogus
	[ $z = insecure ] && want=insecure
	if dw_wait_event "\"name\":\"$name\".*\"outcome\":\"$want\".*\"action\":\"dropped\""; then
		pass "dropped_$z"
	else
		fail "dropped_$z" "no event for $name: $(tail -n 2 "$DW_EVENTS" 2>/dev/null)"
	fi
done
# The reason is precise, not just a class.
reason=$(grep '"name":"www.expired.test"' "$DW_EVENTS" | head -1 | sed 's/.*"reason":"\([^"]*\)".*/\1/')
echo "# expired.test reason: $reason"
grep -q "expired" <<<"$reason" && pass event_reason_precise || fail event_reason_precise "reason '$reason'"

# Unprotected names pass untouched and are never punted.
p0=$(dw_stat punts_received)
got=$(dw_answer www.example.test A)
p1=$(dw_stat punts_received)
[ "$got" != TIMEOUT ] && [ "$p0" = "$p1" ] && pass unprotected_not_punted ||
	fail unprotected_not_punted "got '$got' punts $p0->$p1"

# A stripping resolver: the truth comes from R2, so secure answers still arrive.
"$LAB_HOME/resolver" stripping >/dev/null 2>&1
got=$(dw_answer www.idp.test A)
ok=$(dw_answer www.bogus.test A)
if [ "$got" = "$(dw_auth_answer www.idp.test A)" ] && [ "$ok" = TIMEOUT ]; then
	pass stripping_resolver_secure_delivered
else
	fail stripping_resolver_secure_delivered "idp '$got' bogus '$ok'"
fi
[ "$(dw_stat key_mismatch)" = 0 ] && pass verdict_keys_agree || fail verdict_keys_agree "$(dw_stat key_mismatch) mismatches"
finish
