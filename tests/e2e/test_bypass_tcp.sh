#!/usr/bin/env bash
# Forged answers injected into the workload's DNS-over-TCP connection (IPv4 and IPv6).
# The attacker is on the path but not in it: dw-attacker sits on the LAN hub between the
# node and the resolvers, sees every frame of the workload's connection to R1 (so it knows
# the sequence numbers) and sends packets in R1's name, but cannot drop or delay R1's own
# (tests/lab/inject). R1 answers 1 s late, so the forgery comes first. The workload is dig
# (tcpask.py in synflood).
#  - rst_split: an RST (in the workload's window, not its next byte) and a FIN (before it)
#    that the workload's TCP ignores, then the forged answer split inside its DNS header so
#    that no segment carries the whole question. Judged by the segments alone, the control
#    segments would end the flow's tracking and the parts would pass as untracked data.
#  - second_synack: one connection, two queries (dig +keepopen): an unprotected name, then
#    the protected one; before the forged answer to the second, a SYN-ACK with another
#    initial sequence number, which would move the flow's message bounds past the forgery.
#  - forced_tcp: the workload asks over UDP; the attacker answers first with TC set and no
#    records (it passes: a truncated reply carries no data), dig retries over TCP, and the
#    attacker then plays rst_split on that connection.
#  - bad_checksum: first a decoy with a wrong TCP checksum at the next message start, a
#    whole and longer reply for an unprotected name, which the workload's TCP discards;
#    then the forged answer at the same sequence number. Had the decoy moved the flow's
#    message bounds, the forgery would pass as their continuation.
#  - synflood: one connection, two protected queries (tests/lab/py/tcpask.py, which waits
#    between them until the floods are over): after the first answer was judged, floods of
#    forged SYN-ACKs on distinct 4-tuples (tools/dw-flood --synack,
#    SYNFLOOD_PLAIN of them, more than the flow map's DW_TCP_FLOWS_MAX, then SYNFLOOD_DATA
#    each carrying a forged reply for a protected name, more than the protected flow map's
#    DW_TCP_PFLOWS_MAX), then the forged answer to the second query in one segment that
#    starts before the next byte the workload expects: those first bytes, which the
#    workload already has and drops, read as a whole reply for an unprotected name, and the
#    forgery follows. Judged without the flow's state (evicted) it is that unprotected
#    reply and passes; judged from the flow's next message start it is the forgery.
#  - synflood_early: one query (dig); when it leaves, before R1's answer, SYNFLOOD_EARLY
#    forged SYN-ACKs (more than the flow map holds, sent while R1 holds the answer), then the
#    same overlapping forgery, from before the stream's start. Had the flood evicted the
#    connection's flow, which carried no answer yet, the forgery would pass as that whole
#    unprotected reply.
#  - relearn: one query; before its answer, a SYN-ACK whose initial sequence number puts the
#    stream's start before the workload's, then the same overlapping forgery from there.
#    Learnt anew from that SYN-ACK, the flow would judge the segment as the unprotected reply.
# Without dnsward each forgery reaches dig (so the test can fail). With the daemon on XDP on
# the node's uplink the control segments change nothing (tcp_out_of_window counts them),
# the forged message is judged and dropped, and the real answer arrives intact; after
# bad_checksum the hook cannot know which copy the workload kept, so the forgery and then
# the real answer, whose bounds differ from the decoy's, are dropped (tcp_conflict): that
# connection is lost, the forgery never delivered. The query hook runs on the uplink the
# workload's SYN leaves (the daemon puts it next to the XDP hook), so in synflood and
# synflood_early every forged SYN-ACK answers no SYN seen leaving: each is counted
# (tcp_synack_unsolicited) and learns nothing (those with data are dropped), the flow maps
# hold a handful of real connections, never the flood (after synflood the protected map
# holds the workload's), and the forgery is judged at the workload's flow and dropped
# (synflood_early: tcp_out_of_window, it starts before the stream). After relearn the SYN-ACK is refused (it would move the stream's start backwards) and the
# forgery, which starts before the stream, is dropped (tcp_out_of_window counts both); the
# real answer arrives intact.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

NAME=www.idp.test
FLOOD=$BUILD/tools/dw-flood MAPS=$BUILD/tools/dw-maps
SYNFLOOD_PLAIN=70000 SYNFLOOD_DATA=20000 SYNFLOOD_EARLY=70000
dw_lab_up --resolver nonvalidating --delay-ms 1000
dw_config "$DW_TMP/tcp.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

# tcp_attack FAMILY ATTACK: the injector waits for the workload's query for $NAME, then
# dig asks. Prints what dig printed; the injector's log is in $DW_TMP/inj.out.
tcp_attack() {
	local fam=$1 attack=$2 type=A forged=203.0.113.66 at=$RESOLVER_IP4 six=() i ipid digpid
	local inj=(--attack rst-split) ask=(+tcp +time=4 "$NAME") to=$WORKLOAD_IP4
	local from=198.51.100.54,198.51.100.66 from2=198.51.100.55,198.51.100.67
	if [ "$fam" = 6 ]; then
		type=AAAA forged=2001:db8:3::66 at=$RESOLVER_IP6 six=(--ipv6) to=$WORKLOAD_IP6
		from=2001:db8:2::54,2001:db8:2::66 from2=2001:db8:2::55,2001:db8:2::67
	fi
	local flood=("$FLOOD" --to "$to" --from "$from" --rate 500000 --seconds 2) client=()
	case $attack in
	second_synack) inj=(--attack synack) ask=(+tcp +time=4 +keepopen www.example.test A "$NAME") ;;
	forced_tcp) inj+=(--force-tc) ask=(+notcp +time=4 "$NAME") ;;
	bad_checksum) inj=(--attack badsum) ask=(+tcp +time=2 "$NAME") ;;
	synflood)
		inj=(--attack overlap --go-file "$DW_TMP/go" --flood "${flood[*]} --synack --count $SYNFLOOD_PLAIN"
			--flood "${flood[*]/$from/$from2} --synack-data --zone idp.test --qtype $type --count $SYNFLOOD_DATA")
		client=("$LAB_PY" "$LAB_HOME/py/tcpask.py" --server "$at" --timeout 4 --wait-file "$DW_TMP/go"
			"idp.test/$type" "$NAME/$type")
		;;
	synflood_early)
		inj=(--attack overlap --flood "${flood[*]} --synack --count $SYNFLOOD_EARLY") ask=(+tcp +time=4 "$NAME")
		;;
	relearn) inj=(--attack relearn) ask=(+tcp +time=2 "$NAME") ;;
	esac
	[ ${#client[@]} = 0 ] && client=(dig +tries=1 +noall +answer +comments @"$at" "${ask[@]}" "$type")
	rm -f "$DW_TMP/inj.out" "$DW_TMP/go" # the last run's "; ready" must not start this one early
	"$LAB_HOME/inject" --qname "$NAME" --qtype "$type" --answer "$forged" "${six[@]}" "${inj[@]}" \
		--timeout 5 >"$DW_TMP/inj.out" 2>&1 &
	ipid=$!
	for ((i = 0; i < 50; i++)); do
		grep -qs '^; ready' "$DW_TMP/inj.out" && break
		sleep 0.1
	done
	ip netns exec "$NS_WORKLOAD" "${client[@]}" >"$DW_TMP/dig.out" 2>&1 &
	digpid=$!
	wait "$ipid"
	# The flow maps while dig still waits for R1's answer (the connection is still open).
	rm -f "$DW_TMP/maps.out"
	[ -d "$DW_PIN" ] && "$MAPS" "$DW_PIN" tcpflows >"$DW_TMP/maps.out" 2>&1
	wait "$digpid"
	cat "$DW_TMP/dig.out"
}

# injected: the injector sent its forged answer (else the test proves nothing).
injected() { grep -q '^; injected answer' "$DW_TMP/inj.out"; }
forged_rr() { grep -Eq "^$NAME\.[[:space:]].*(203\.0\.113\.66|2001:db8:3::66)\$" <<<"$1"; }
why() {
	echo "dig: $(grep -Ev '^;; (Got|->>|flags|OPT|[A-Z]+ SECTION)|^; EDNS|^$' <<<"$1" | tr '\n' ' ')" \
		"/ inject: $(tr '\n' ' ' <"$DW_TMP/inj.out")"
}

for fam in 4 6; do
	for attack in rst_split second_synack forced_tcp bad_checksum synflood synflood_early relearn; do
		out=$(tcp_attack "$fam" "$attack")
		if injected && forged_rr "$out" &&
			{ [ "$attack" != forced_tcp ] || grep -q 'Truncated, retrying in TCP mode' <<<"$out"; }; then
			pass "${attack}_forgery_accepted_without_dnsward_v$fam"
		else
			fail "${attack}_forgery_accepted_without_dnsward_v$fam" "$(why "$out")"
		fi
	done
done

# synflood_ok ATTACK UNSOLICITED0 UNSOLICITED1 LEARNED0 LEARNED1: each flood was larger
# than the map it aims at, the hook counted at least 60000 (a veth may drop some of the
# flood) as answering no SYN seen leaving and learnt a flow only for the workload's own
# connection, the flow maps held a handful of flows while the workload waited (the flood
# filled neither), and in synflood the protected map held the workload's connection.
synflood_ok() {
	local sent port flows pflows n=2
	[ "$1" = synflood_early ] && n=1
	mapfile -t sent < <(awk '/; flood: flood_sent/ { print $4 }' "$DW_TMP/inj.out")
	port=$(sed -n 's/.* to port \([0-9]*\) from seq.*/\1/p' "$DW_TMP/inj.out")
	flows=$(awk '$1 == "tcp_flows" { print $2 }' "$DW_TMP/maps.out")
	pflows=$(awk '$1 == "tcp_pflows" { print $2 }' "$DW_TMP/maps.out")
	[ "${#sent[@]}" = "$n" ] && [ "${sent[0]}" -gt 65536 ] && [ -n "$port" ] &&
		[ $(($3 - $2)) -ge 60000 ] && [ $(($5 - $4)) -le 2 ] &&
		[ "${flows:-99}" -le 8 ] && [ "${pflows:-99}" -le 8 ] || return 1
	[ "$n" = 1 ] || { [ "${sent[1]}" -gt 16384 ] && grep -qx "tcp_pflow_port $port" "$DW_TMP/maps.out"; }
}

dw_setup_start "$DW_TMP/tcp.yaml"
# Prove the real answers once, so they are verdict hits in the races below.
want4=$(dw_auth_answer "$NAME" A | awk '{ print $NF }')
want6=$(dw_auth_answer "$NAME" AAAA | awk '{ print $NF }')
dw_dig +time=3 "$NAME" A >/dev/null 2>&1 &
prove=$!
dw_dig +time=3 "$NAME" AAAA >/dev/null 2>&1
wait "$prove"
dw_dig +time=3 idp.test A >/dev/null 2>&1 &
prove=$!
dw_dig +time=3 idp.test AAAA >/dev/null 2>&1
wait "$prove"

for fam in 4 6; do
	for attack in rst_split second_synack forced_tcp bad_checksum synflood synflood_early relearn; do
		want=$want4
		[ "$fam" = 6 ] && want=$want6
		w0=$(dw_stat datapath_tcp_out_of_window) s0=$(dw_stat datapath_tcp_split_question)
		c0=$(dw_stat datapath_tcp_conflict) l0=$(dw_stat datapath_tcp_flows_learned)
		u0=$(dw_stat datapath_tcp_synack_unsolicited)
		j0=$(($(dw_stat datapath_held) + $(dw_stat datapath_denied)))
		out=$(tcp_attack "$fam" "$attack")
		w1=$(dw_stat datapath_tcp_out_of_window) s1=$(dw_stat datapath_tcp_split_question)
		c1=$(dw_stat datapath_tcp_conflict) l1=$(dw_stat datapath_tcp_flows_learned)
		u1=$(dw_stat datapath_tcp_synack_unsolicited)
		j1=$(($(dw_stat datapath_held) + $(dw_stat datapath_denied)))
		got=$(grep -E "^$NAME\.[[:space:]]" <<<"$out" | awk '{ print $NF }')
		ok=1 test=${attack}_forgery_dropped_real_answer_intact_v$fam
		[ "$attack" = bad_checksum ] && want='' test=bad_checksum_forgery_dropped_connection_lost_v$fam
		injected && ! forged_rr "$out" && [ "$got" = "$want" ] || ok=0
		case $attack in
		rst_split) [ $((w1 - w0)) -ge 2 ] && [ "$s1" -gt "$s0" ] || ok=0 ;;
		second_synack) [ "$w1" -gt "$w0" ] || ok=0 ;;
		forced_tcp)
			grep -q 'Truncated, retrying in TCP mode' <<<"$out" && [ $((w1 - w0)) -ge 2 ] &&
				[ "$s1" -gt "$s0" ] || ok=0
			;;
		bad_checksum) [ "$c1" -gt "$c0" ] || ok=0 ;;
		synflood) synflood_ok "$attack" "$u0" "$u1" "$l0" "$l1" || ok=0 ;;
		synflood_early) synflood_ok "$attack" "$u0" "$u1" "$l0" "$l1" && [ "$w1" -gt "$w0" ] || ok=0 ;;
		relearn) [ $((w1 - w0)) -ge 2 ] || ok=0 ;;
		esac
		[ "${attack#synflood}" != "$attack" ] && echo "# $attack v$fam: $(grep -o 'flood_sent [0-9]*' "$DW_TMP/inj.out" |
			tr '\n' ' ')tcp_synack_unsolicited +$((u1 - u0)) tcp_flows_learned +$((l1 - l0)) held+denied +$((j1 - j0))" \
			"$(grep -v tcp_pflow_port "$DW_TMP/maps.out" | tr '\n' ' ')"
		if [ $ok = 1 ]; then
			pass "$test"
		else
			fail "$test" "got '$got' want '$want'; tcp_out_of_window $w0->$w1 tcp_split_question\
 $s0->$s1 tcp_conflict $c0->$c1 tcp_flows_learned $l0->$l1 tcp_synack_unsolicited $u0->$u1 held+denied $j0->$j1;\
 $(tr '\n' ' ' <"$DW_TMP/maps.out" 2>/dev/null | cut -c1-300) $(why "$out")"
		fi
	done
done
echo "# tcp_out_of_window $(dw_stat datapath_tcp_out_of_window) tcp_split_question" \
	"$(dw_stat datapath_tcp_split_question) tcp_conflict $(dw_stat datapath_tcp_conflict)" \
	"tcp_flows_protected $(dw_stat datapath_tcp_flows_protected)"
finish
