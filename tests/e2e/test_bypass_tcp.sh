#!/usr/bin/env bash
# Forged answers injected into the workload's DNS-over-TCP connection (IPv4 and IPv6).
# The attacker is on the path but not in it: dw-attacker sits on the LAN hub between the
# node and the resolvers, sees every frame of the workload's connection to R1 (so it knows
# the sequence numbers) and sends packets in R1's name, but cannot drop or delay R1's own
# (tests/lab/inject). R1 answers 1 s late, so the forgery comes first. The workload is dig.
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
# Without dnsward each forgery reaches dig (so the test can fail). With the daemon on XDP on
# the node's uplink the control segments change nothing (tcp_out_of_window counts them),
# the forged message is judged and dropped, and the real answer arrives intact; after
# bad_checksum the hook cannot know which copy the workload kept, so the forgery and then
# the real answer, whose bounds differ from the decoy's, are dropped (tcp_conflict): that
# connection is lost, the forgery never delivered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

NAME=www.idp.test
dw_lab_up --resolver nonvalidating --delay-ms 1000
dw_config "$DW_TMP/tcp.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

# tcp_attack FAMILY ATTACK: the injector waits for the workload's query for $NAME, then
# dig asks. Prints what dig printed; the injector's log is in $DW_TMP/inj.out.
tcp_attack() {
	local fam=$1 attack=$2 type=A forged=203.0.113.66 at=$RESOLVER_IP4 six=() i ipid
	local inj=(--attack rst-split) ask=(+tcp +time=4 "$NAME")
	if [ "$fam" = 6 ]; then type=AAAA forged=2001:db8:3::66 at=$RESOLVER_IP6 six=(--ipv6); fi
	case $attack in
	second_synack) inj=(--attack synack) ask=(+tcp +time=4 +keepopen www.example.test A "$NAME") ;;
	forced_tcp) inj+=(--force-tc) ask=(+notcp +time=4 "$NAME") ;;
	bad_checksum) inj=(--attack badsum) ask=(+tcp +time=2 "$NAME") ;;
	esac
	rm -f "$DW_TMP/inj.out" # the last run's "; ready" must not start this one's query early
	"$LAB_HOME/inject" --qname "$NAME" --qtype "$type" --answer "$forged" "${six[@]}" "${inj[@]}" \
		--timeout 5 >"$DW_TMP/inj.out" 2>&1 &
	ipid=$!
	for ((i = 0; i < 50; i++)); do
		grep -qs '^; ready' "$DW_TMP/inj.out" && break
		sleep 0.1
	done
	ip netns exec "$NS_WORKLOAD" dig +tries=1 +noall +answer +comments @"$at" "${ask[@]}" "$type" 2>&1
	wait "$ipid"
}

# injected: the injector sent its forged answer (else the test proves nothing).
injected() { grep -q '^; injected answer' "$DW_TMP/inj.out"; }
forged_rr() { grep -Eq "^$NAME\.[[:space:]].*(203\.0\.113\.66|2001:db8:3::66)\$" <<<"$1"; }
why() {
	echo "dig: $(grep -Ev '^;; (Got|->>|flags|OPT|[A-Z]+ SECTION)|^; EDNS|^$' <<<"$1" | tr '\n' ' ')" \
		"/ inject: $(tr '\n' ' ' <"$DW_TMP/inj.out")"
}

for fam in 4 6; do
	for attack in rst_split second_synack forced_tcp bad_checksum; do
		out=$(tcp_attack "$fam" "$attack")
		if injected && forged_rr "$out" &&
			{ [ "$attack" != forced_tcp ] || grep -q 'Truncated, retrying in TCP mode' <<<"$out"; }; then
			pass "${attack}_forgery_accepted_without_dnsward_v$fam"
		else
			fail "${attack}_forgery_accepted_without_dnsward_v$fam" "$(why "$out")"
		fi
	done
done

dw_setup_start "$DW_TMP/tcp.yaml"
# Prove the real answers once, so they are verdict hits in the races below.
want4=$(dw_auth_answer "$NAME" A | awk '{ print $NF }')
want6=$(dw_auth_answer "$NAME" AAAA | awk '{ print $NF }')
dw_dig +time=3 "$NAME" A >/dev/null 2>&1 &
prove=$!
dw_dig +time=3 "$NAME" AAAA >/dev/null 2>&1
wait "$prove"

for fam in 4 6; do
	want=$want4
	[ "$fam" = 6 ] && want=$want6
	for attack in rst_split second_synack forced_tcp bad_checksum; do
		w0=$(dw_stat datapath_tcp_out_of_window) s0=$(dw_stat datapath_tcp_split_question)
		c0=$(dw_stat datapath_tcp_conflict)
		out=$(tcp_attack "$fam" "$attack")
		w1=$(dw_stat datapath_tcp_out_of_window) s1=$(dw_stat datapath_tcp_split_question)
		c1=$(dw_stat datapath_tcp_conflict)
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
		esac
		if [ $ok = 1 ]; then
			pass "$test"
		else
			fail "$test" "got '$got' want '$want'; tcp_out_of_window $w0->$w1 tcp_split_question\
 $s0->$s1 tcp_conflict $c0->$c1; $(why "$out")"
		fi
	done
done
echo "# tcp_out_of_window $(dw_stat datapath_tcp_out_of_window) tcp_split_question" \
	"$(dw_stat datapath_tcp_split_question) tcp_conflict $(dw_stat datapath_tcp_conflict)" \
	"tcp_flows_protected $(dw_stat datapath_tcp_flows_protected)"
finish
