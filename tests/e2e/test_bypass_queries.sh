#!/usr/bin/env bash
# Replies checked against the queries they answer. The workload asks ldap.idp.test
# (a protected name) with a stub that, like musl's, matches a reply by server, port
# and ID only. (1) The attacker answers that ID and port with another question, an
# unprotected name, and an address: the stub takes it. (2) Blind forgeries for the
# protected name with IDs no query used. First without dnsward (the mismatched reply
# is accepted, so the test can fail), then with the daemon on XDP on the node's uplink
# and prefetch off: the mismatched reply is dropped (question_mismatch), the blind ones
# are dropped without reaching the validator (unsolicited), the workload gets the real
# answer, and a name asked normally is still delivered. IPv4 and IPv6.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/q.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"
echo "prefetch: false" >>"$DW_TMP/q.yaml"

# mismatch_race FAMILY: the query (R1 answers 1.5 s late), then at once a reply with
# its ID and port for evil.example. Prints what the stub accepted.
mismatch_race() {
	local fam=$1 type=A answer=203.0.113.77 six=()
	if [ "$fam" = 6 ]; then type=AAAA answer=2001:db8:3::77 six=(--ipv6); fi
	send() {
		"$LAB_HOME/forge" "${six[@]}" --qname evil.example --qtype $type --id $RACE_ID \
			--dport $RACE_SPORT --answer $answer
	}
	query_race "${six[@]}" --any-question ldap.idp.test $type -- send
}

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for fam in 4 6; do
	out=$(mismatch_race $fam)
	if grep -Eq 'evil\.example.*(203\.0\.113\.77|2001:db8:3::77)' <<<"$out"; then
		pass "mismatched_question_accepted_without_dnsward_v$fam"
	else
		fail "mismatched_question_accepted_without_dnsward_v$fam" \
			"$(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

dw_setup_start "$DW_TMP/q.yaml"
want=$(dw_auth_answer idp.test A)
got=$(dw_answer idp.test A)
[ -n "$want" ] && [ "$got" = "$want" ] && pass asked_name_delivered ||
	fail asked_name_delivered "got '$got' want '$want'; daemon: $(tail -n 5 "$DW_LOG" | tr '\n' ' ')"

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for fam in 4 6; do
	m0=$(dw_stat datapath_question_mismatch)
	out=$(mismatch_race $fam)
	m1=$(dw_stat datapath_question_mismatch)
	if ! grep -q 'evil\.example' <<<"$out" && grep -q '^rcode NOERROR' <<<"$out" && [ "$m1" -gt "$m0" ]; then
		pass "mismatched_question_dropped_v$fam"
	else
		fail "mismatched_question_dropped_v$fam" "question_mismatch $m0->$m1: $(tr '\n' ' ' <<<"$out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

# Blind forgeries: 200 replies for a protected name under an ID and port no query used.
u0=$(dw_stat datapath_unsolicited) p0=$(dw_stat punts_received)
"$LAB_HOME/forge" --qname login.idp.test --qtype A --id 1 --dport 40000 --answer 203.0.113.77 \
	--count 200 >"$DW_TMP/f.out" 2>&1
sleep 0.5
u1=$(dw_stat datapath_unsolicited) p1=$(dw_stat punts_received)
[ $((u1 - u0)) -ge 200 ] && [ "$p1" = "$p0" ] && pass blind_forgeries_dropped_unpunted ||
	fail blind_forgeries_dropped_unpunted "unsolicited $u0->$u1, punts $p0->$p1: $(tail -n 2 "$DW_TMP/f.out" | tr '\n' ' ')"
got=$(dw_answer login.idp.test A)
[ "$got" = "$(dw_auth_answer login.idp.test A)" ] && [ -n "$got" ] && pass asked_after_flood_delivered ||
	fail asked_after_flood_delivered "got '$got'"
finish
