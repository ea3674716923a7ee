#!/usr/bin/env bash
# A blind flood of varied forgeries must cost the workload neither its protected names
# nor the validator's budget. tools/dw-flood in dw-attacker sends forged replies for
# random names under wild.idp.test, with random IDs and ports, spoofing R1 and R2, for
# FLOOD_SECS seconds at FLOOD_PPS toward the workload, while the workload asks NAMES
# new names under the same wildcard through R1. Without dnsward the forgeries reach
# the workload (its UDP layer counts them at closed ports, so the test can fail); with
# the daemon on XDP on the node's uplink they are dropped in the kernel as unsolicited
# (none reaches the workload), the punts are the workload's own names (the flood adds
# none), and every name arrives with the true answer. IPv4 and IPv6. Bounded: each burst
# stops after FLOOD_SECS (dw-flood's own limits are 1,000,000 pps and 60 s). The
# sustained figure (100k pps and more for 10 s) is make bench-flood's.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

FLOOD_PPS=${FLOOD_PPS:-20000}
FLOOD_SECS=${FLOOD_SECS:-1}
NAMES=${NAMES:-10}
WANT=203.0.113.83 # *.wild.idp.test A

[ -x "$BUILD/tools/dw-flood" ] || { skip flood "$BUILD/tools/dw-flood is not built (make tools)"; finish; }
dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/flood.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

# noports FAMILY: datagrams the workload's UDP layer received for no socket.
noports() {
	if [ "$1" = 6 ]; then
		ip netns exec "$NS_WORKLOAD" awk '$1 == "Udp6NoPorts" { print $2 }' /proc/net/snmp6
	else
		ip netns exec "$NS_WORKLOAD" awk '$1 == "Udp:" && $3 ~ /^[0-9]+$/ { print $3 }' /proc/net/snmp
	fi
}

# burst FAMILY: the flood and the workload's names together. Sets SENT (forgeries
# sent), REACHED (forgeries the workload's UDP layer saw) and GOT (true answers).
burst() {
	local res=$RESOLVER_IP4 to=$WORKLOAD_IP4 from=$RESOLVER_IP4,$UPSTREAM_IP4 n0 fpid
	[ "$1" = 6 ] && res=$RESOLVER_IP6 to=$WORKLOAD_IP6 from=$RESOLVER_IP6,$UPSTREAM_IP6
	n0=$(noports "$1")
	ip netns exec "$NS_ATTACKER" timeout $((FLOOD_SECS + 5)) "$BUILD/tools/dw-flood" --to "$to" \
		--from "$from" --zone wild.idp.test --rate "$FLOOD_PPS" --seconds "$FLOOD_SECS" \
		>"$DW_TMP/flood.out" 2>&1 &
	fpid=$!
	sleep 0.2 # the flood is under way before the first name
	GOT=$(ip netns exec "$NS_WORKLOAD" timeout 15 /usr/bin/python3 "$ROOT/tests/bench/flood_ask.py" \
		"$res" wild.idp.test "$WANT" --names "$NAMES" --seconds "$FLOOD_SECS" \
		--prefix "t$1-" 2>&1 | awk '$1 == "asked" { print $4 }')
	GOT=${GOT:-0}
	wait "$fpid"
	SENT=$(awk '$1 == "flood_sent" { print $2 }' "$DW_TMP/flood.out")
	SENT=${SENT:-0}
	REACHED=$(($(noports "$1") - n0))
}

for fam in 4 6; do
	burst $fam
	if [ "$SENT" -gt 0 ] && [ "$REACHED" -ge $((SENT * 9 / 10)) ]; then
		pass "blind_flood_reaches_workload_without_dnsward_v$fam"
	else
		fail "blind_flood_reaches_workload_without_dnsward_v$fam" \
			"sent $SENT, reached $REACHED: $(tr '\n' ' ' <"$DW_TMP/flood.out")"
	fi
done

dw_setup_start "$DW_TMP/flood.yaml"
for fam in 4 6; do
	u0=$(dw_stat datapath_unsolicited) p0=$(dw_stat punts_received)
	burst $fam
	u1=$(dw_stat datapath_unsolicited) p1=$(dw_stat punts_received)
	why="sent $SENT, reached $REACHED, unsolicited +$((u1 - u0)), punts +$((p1 - p0)), names $GOT/$NAMES"
	if [ "$SENT" -gt 0 ] && [ $((u1 - u0)) -ge "$SENT" ] && [ "$REACHED" -lt 10 ]; then
		pass "blind_flood_dropped_unsolicited_v$fam"
	else
		fail "blind_flood_dropped_unsolicited_v$fam" "$why"
	fi
	# Each name is punted at most once per reply; the flood adds none.
	[ $((p1 - p0)) -le $((2 * NAMES)) ] && pass "blind_flood_costs_no_punts_v$fam" ||
		fail "blind_flood_costs_no_punts_v$fam" "$why"
	[ "$GOT" = "$NAMES" ] && pass "names_arrive_during_blind_flood_v$fam" ||
		fail "names_arrive_during_blind_flood_v$fam" "$why"
done
finish
