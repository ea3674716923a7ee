#!/usr/bin/env bash
# A protected answer too large for UDP (big.idp.test TXT, ~2 KB signed): the resolver's
# UDP reply comes back truncated (TC) with an empty answer, so the client can retry over
# TCP. Without dnsward the workload sees the truncated reply; with the daemon on XDP on
# the node's uplink it must see it too (IPv4 and IPv6 to R1): a truncated reply without
# records carries no data and is allowed, not denied as a forged NODATA. An empty answer
# without TC for a name that has data stays a forgery (test_val_judge covers the judge).
# The query also starts a prefetch: the validator asks R2, is truncated too, and asks again
# over TCP; that answer spans segments and must reach the validator (validator_reply),
# not meet the zone's failure mode (tcp_segment).
# Then the workload asks over TCP itself (dig +tcp +dnssec): the signed answer (~2.1 KB)
# spans two segments of the 1500-byte MTU. XDP holds every segment, the daemon puts the
# message back together, validates it and re-injects the segments: it arrives intact. A
# forged one as large (big.bogus.test TXT: its RRSIG does not verify, and the
# non-validating R1 passes it on) reaches the workload without dnsward; with it, it is
# held, judged bogus and never delivered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/large.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}
  - {name: bogus.test}"

# truncated FAMILY: the flags and answer count the workload's UDP query gets, or TIMEOUT.
truncated() {
	local at=$RESOLVER_IP4 out
	[ "$1" = 6 ] && at=$RESOLVER_IP6
	out=$(ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=3 +notcp +ignore +bufsize=1232 \
		@"$at" big.idp.test TXT 2>&1) || { echo TIMEOUT; return; }
	grep -q 'status: NOERROR' <<<"$out" || { echo TIMEOUT; return; }
	grep -Eo 'flags: [a-z ]+; QUERY: 1, ANSWER: [0-9]+' <<<"$out"
}

for fam in 4 6; do
	got=$(truncated $fam)
	if grep -Eq 'flags: [a-z ]*tc[a-z ]*; QUERY: 1, ANSWER: 0' <<<"$got"; then
		pass "truncated_reply_without_dnsward_v$fam"
	else
		fail "truncated_reply_without_dnsward_v$fam" "$got"
	fi
done

# big_tcp NAME: what the workload's dig +tcp +dnssec gets for NAME TXT ("name type rdata"
# lines without TTLs), or TIMEOUT.
big_tcp() {
	dw_answer "$1" TXT +tcp +dnssec +time=4
}
txt_lines() { grep -c ' TXT ' <<<"$1"; }
sig_lines() { grep -c ' RRSIG TXT ' <<<"$1"; }

want=$(dw_auth_answer big.idp.test TXT +dnssec)
got=$(big_tcp big.bogus.test)
if [ "$(txt_lines "$got")" -ge 8 ] && [ "$(sig_lines "$got")" -ge 1 ]; then
	pass forged_tcp_answer_reaches_workload_without_dnsward
else
	fail forged_tcp_answer_reaches_workload_without_dnsward "$(head -c 300 <<<"$got")"
fi

dw_setup_start "$DW_TMP/large.yaml"
seg0=$(dw_stat datapath_tcp_segment)
for fam in 4 6; do
	# Judged, not passed by accident: held and released (the first), or its ALLOW verdict.
	j0=$(($(dw_stat datapath_held) + $(dw_stat datapath_allowed)))
	got=$(truncated $fam)
	j1=$(($(dw_stat datapath_held) + $(dw_stat datapath_allowed)))
	if grep -Eq 'flags: [a-z ]*tc[a-z ]*; QUERY: 1, ANSWER: 0' <<<"$got" && [ "$j1" -gt "$j0" ]; then
		pass "truncated_reply_delivered_v$fam"
	else
		fail "truncated_reply_delivered_v$fam" "'$got' held+allowed $j0->$j1; $(tail -n 5 "$DW_EVENTS" 2>/dev/null | tr '\n' ' ')"
	fi
done
sleep 1 # the prefetch's upstream queries
seg1=$(dw_stat datapath_tcp_segment)
self=$(dw_stat datapath_validator_reply)
if [ "$seg1" = "$seg0" ] && [ "$self" -gt 0 ]; then
	pass validator_tcp_answer_in_segments_reaches_it
else
	fail validator_tcp_answer_in_segments_reaches_it "tcp_segment $seg0->$seg1, validator_reply $self"
fi

# The signed answer over TCP: held in segments, put together, validated, released whole.
seg0=$(dw_stat datapath_tcp_segment)
rel0=$(dw_stat tcp_messages_released)
got=$(big_tcp big.idp.test)
seg1=$(dw_stat datapath_tcp_segment)
rel1=$(dw_stat tcp_messages_released)
if [ -n "$want" ] && [ "$got" = "$want" ] && [ "$(sig_lines "$got")" -ge 1 ] &&
	[ "$seg1" -gt "$seg0" ] && [ "$rel1" -gt "$rel0" ]; then
	pass signed_tcp_answer_in_segments_delivered
else
	fail signed_tcp_answer_in_segments_delivered "tcp_segment $seg0->$seg1, released $rel0->$rel1, got '$(head -c 200 <<<"$got")' want '$(head -c 200 <<<"$want")'; $(grep -i 'tcp\|release' "$DW_LOG" | tail -n 3 | tr '\n' ' ')"
fi

# The forged answer as large: held in segments, judged bogus, never delivered.
held0=$(dw_stat tcp_segments_held)
bogus0=$(dw_stat outcome_bogus)
got=$(big_tcp big.bogus.test)
held1=$(dw_stat tcp_segments_held)
bogus1=$(dw_stat outcome_bogus)
if [ "$(txt_lines "$got")" = 0 ] && [ "$held1" -ge $((held0 + 2)) ] && [ "$bogus1" -gt "$bogus0" ] &&
	dw_wait_event '"name":"big.bogus.test","type":"TXT".*"verdict":"deny","action":"dropped"'; then
	pass forged_tcp_answer_in_segments_dropped
else
	fail forged_tcp_answer_in_segments_dropped "held $held0->$held1, bogus $bogus0->$bogus1, got '$(head -c 200 <<<"$got")'; $(grep big.bogus "$DW_EVENTS" | tail -n 1)"
fi
finish
