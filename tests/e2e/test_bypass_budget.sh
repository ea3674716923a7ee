#!/usr/bin/env bash
# One workload's flood must not starve another's protected names. Workload A (a second
# address in dw-workload) asks random names under idp.test through R1 at resolver speed
# (dnsperf, bounded in rate and time) while workload B (the lab's workload address) asks
# new wildcard names under the same zone, one at a time (dig, glibc's 5 s timeout, no
# retry). Without dnsward B gets them all. With the old shared budget
# (limits.punt_rate: 50, one token bucket for the zone on the whole host, scaled to the
# lab's flood as the old default of 200 was to a resolver's speed): A's flood
# spends it, B's held replies follow the failure mode (closed) and B loses names; the
# flood's effect is asserted (rate_limited moved while A was being answered). Then with
# the default budget (punt_rate: auto, a share per destination): B gets every name, and
# when the validator fell behind A was held to its share, never B. IPv4 and IPv6, the daemon on XDP on the node's uplink.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

command -v dnsperf >/dev/null || { skip budget "dnsperf not installed (make deps)"; finish; }

FLOOD_QPS=${FLOOD_QPS:-500}  # A's queries per second, bounded
FLOOD_SECS=${FLOOD_SECS:-8}  # and its duration
B_NAMES=${B_NAMES:-10}       # names B asks during the flood

dw_lab_up --resolver nonvalidating
A_IP4=192.0.2.3 A_IP6=2001:db8:1::3
ip -n "$NS_WORKLOAD" addr add $A_IP4/24 dev eth0
ip -n "$NS_WORKLOAD" addr add $A_IP6/64 dev eth0 nodad

# A's names: random labels under the protected zone (NXDOMAIN, each one new).
awk 'BEGIN { srand(); for (i = 0; i < 40000; i++) printf "f%08x.idp.test A\n", int(rand() * 4294967295) }' \
	>"$DW_TMP/flood.names"

# flood FAMILY: A's bounded query flood in the background (FLOOD_PID), output in flood.out.
flood() {
	local res=$RESOLVER_IP4 src=$A_IP4
	[ "$1" = 6 ] && res=$RESOLVER_IP6 src=$A_IP6
	ip netns exec "$NS_WORKLOAD" timeout $((FLOOD_SECS + 10)) dnsperf -s "$res" -a "$src" \
		-d "$DW_TMP/flood.names" -l "$FLOOD_SECS" -Q "$FLOOD_QPS" -c 4 -t 2 -q 5000 \
		>"$DW_TMP/flood.out" 2>&1 &
	FLOOD_PID=$!
}

# b_names FAMILY: B asks B_NAMES new wildcard names during the flood; prints how many it got.
b_names() {
	local res=$RESOLVER_IP4 i got=0 out
	[ "$1" = 6 ] && res=$RESOLVER_IP6
	for i in $(seq 1 "$B_NAMES"); do
		t0=$(date +%s%N)
		out=$(ip netns exec "$NS_WORKLOAD" dig +tries=1 +time=5 @"$res" \
			"b$RANDOM$i.wild.idp.test" A +short 2>/dev/null)
		if [ "$out" = 203.0.113.83 ]; then got=$((got + 1)); else out=lost; fi
		echo "$((($(date +%s%N) - t0) / 1000000))ms:$out" >>"$DW_TMP/b.times"
	done
	echo "$got"
}

# round FAMILY: flood and B's names together; sets GOT, FLOOD_DONE (queries A got answered).
round() {
	flood "$1"
	sleep 1
	: >"$DW_TMP/b.times"
	GOT=$(b_names "$1")
	echo "  v$1: B $(tr '\n' ' ' <"$DW_TMP/b.times")" >&2
	wait "$FLOOD_PID"
	FLOOD_DONE=$(awk '/Queries completed:/ { print $3 }' "$DW_TMP/flood.out")
	FLOOD_DONE=${FLOOD_DONE:-0}
}

dw_config "$DW_TMP/old.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"
cp "$DW_TMP/old.yaml" "$DW_TMP/new.yaml"
sed -i '/^limits:/a\  punt_rate: 50\n  punt_burst: 50' "$DW_TMP/old.yaml"

# Without dnsward the flood alone costs B nothing: what B loses below is the budget's doing.
for fam in 4 6; do
	round $fam
	[ "$GOT" = "$B_NAMES" ] && [ "$FLOOD_DONE" -gt 0 ] && pass "flood_alone_other_workload_gets_all_v$fam" ||
		fail "flood_alone_other_workload_gets_all_v$fam" "B got $GOT/$B_NAMES, A answered $FLOOD_DONE"
done

# The old shared budget: A's flood starves B.
dw_setup_start "$DW_TMP/old.yaml"
for fam in 4 6; do
	r0=$(dw_stat datapath_rate_limited)
	round $fam
	r1=$(dw_stat datapath_rate_limited)
	if [ "$GOT" -lt "$B_NAMES" ] && [ $((r1 - r0)) -gt 0 ] && [ "$FLOOD_DONE" -gt 0 ]; then
		pass "shared_budget_starves_other_workload_v$fam"
	else
		fail "shared_budget_starves_other_workload_v$fam" \
			"B got $GOT/$B_NAMES, rate_limited $r0->$r1, A answered $FLOOD_DONE"
	fi
done
dw_stop

# The budget per destination: B gets every name; if the validator fell behind, A alone
# was held to its share.
dw_setup_start "$DW_TMP/new.yaml"
for fam in 4 6; do
	l0=$(dw_stat datapath_punt_rate_limited)
	round $fam
	l1=$(dw_stat datapath_punt_rate_limited)
	limited=$(ip netns exec "$NS_NODE" "$DNSWARD" stats --socket "$DW_TMP/control.sock" |
		grep '^punt_limited_dest' || true)
	a_ip=$A_IP4 b_ip=$WORKLOAD_IP4
	[ $fam = 6 ] && a_ip=$A_IP6 b_ip=$WORKLOAD_IP6
	if [ "$GOT" = "$B_NAMES" ] && [ "$FLOOD_DONE" -gt 0 ] && ! grep -q " $b_ip " <<<"$limited"; then
		pass "per_destination_budget_other_workload_gets_all_v$fam"
	else
		fail "per_destination_budget_other_workload_gets_all_v$fam" \
			"B got $GOT/$B_NAMES, A answered $FLOOD_DONE, limited: $(tr '\n' ' ' <<<"$limited")"
	fi
	if [ "$l1" = "$l0" ]; then
		skip "flooding_workload_held_to_its_share_v$fam" "the validator kept up with the whole flood"
	elif grep -q " $a_ip " <<<"$limited"; then
		pass "flooding_workload_held_to_its_share_v$fam"
	else
		fail "flooding_workload_held_to_its_share_v$fam" "punt_rate_limited $l0->$l1, limited: $(tr '\n' ' ' <<<"$limited")"
	fi
done
echo "  budget: $(ip netns exec "$NS_NODE" "$DNSWARD" stats --socket "$DW_TMP/control.sock" |
	grep -E '^(punt_|datapath_punt|datapath_rate_limited|punts_refused)' | tr '\n' ' ')" >&2
finish
