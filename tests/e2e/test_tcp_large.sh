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
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/large.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

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
finish
