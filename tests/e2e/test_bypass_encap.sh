#!/usr/bin/env bash
# What the uplink hook sees beyond port 53 and plain IP. (1) A VXLAN tunnel between
# the attacker and the node (over IPv4 and over IPv6, inner IPv4): a stub on the node
# asks login.idp.test through it and the attacker answers with a forged address. (2) A
# workload asks a resolver on port 5353 and the attacker answers from that port. First
# without dnsward: both forgeries are accepted, so the test can fail. Then with the
# daemon on XDP on the node's uplink (tunnels at their defaults, dns_port: [53, 5353]):
# both are dropped; the true answer through the tunnel is held and released, an
# unprotected name through the tunnel still arrives. The
# encrypted_dns part is tests/e2e/test_encrypted_dns.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating

# tunnel NAME VNI LOCAL REMOTE NODE_INNER ATTACKER_INNER: a VXLAN device on each side.
tunnel() {
	local name=$1 vni=$2 node_ip=$3 atk_ip=$4 node_in=$5 atk_in=$6
	ip -n "$NS_NODE" link add "$name" type vxlan id "$vni" local "$node_ip" remote "$atk_ip" \
		dstport 4789 dev "$NODE_UP_IF" &&
		ip -n "$NS_ATTACKER" link add "$name" type vxlan id "$vni" local "$atk_ip" \
			remote "$node_ip" dstport 4789 dev eth0 &&
		ip -n "$NS_NODE" addr add "$node_in/30" dev "$name" &&
		ip -n "$NS_ATTACKER" addr add "$atk_in/30" dev "$name" &&
		ip -n "$NS_NODE" link set "$name" up && ip -n "$NS_ATTACKER" link set "$name" up
}
tunnel vx4 42 "$NODE_UP_IP4" "$ATTACKER_IP4" 203.0.113.201 203.0.113.202 ||
	{ fail tunnel_up "VXLAN over IPv4"; finish; }
tunnel vx6 43 "$NODE_UP_IP6" "$ATTACKER_IP6" 192.0.2.201 192.0.2.202 ||
	{ fail tunnel_up "VXLAN over IPv6"; finish; }
sleep 1 # IPv6 duplicate address detection on the lab's links is off; neighbours settle

# tun_race NODE_INNER ATTACKER_INNER NAME ANSWER: the stub on the node asks NAME of
# ATTACKER_INNER (through the tunnel; nobody serves DNS there) and the attacker answers
# its ID and port with ANSWER. Prints what the stub accepted.
tun_race() {
	local node_in=$1 atk_in=$2 name=$3 answer=$4 id sport qpid
	id=$((RANDOM % 60000 + 1)) sport=$((RANDOM % 20000 + 40000))
	ip netns exec "$NS_NODE" "$LAB_PY" "$LAB_HOME/py/query.py" "$name" A --server "$atk_in" \
		--id $id --sport $sport --timeout 4 >"$DW_TMP/q.out" 2>&1 &
	qpid=$!
	for _ in $(seq 1 50); do
		grep -q '^; sent' "$DW_TMP/q.out" && break
		sleep 0.1
	done
	"$LAB_HOME/forge" --qname "$name" --qtype A --id $id --dport $sport --src "$atk_in" \
		--dst "$node_in" --answer "$answer" >"$DW_TMP/f.out" 2>&1
	wait $qpid
	cat "$DW_TMP/q.out"
}

# port_race: the workload asks R1 on port 5353; the attacker answers from 5353.
port_race() {
	send() {
		"$LAB_HOME/forge" --qname login.idp.test --qtype A --id $RACE_ID --dport $RACE_SPORT \
			--sport 5353 --answer 203.0.113.77
	}
	query_race --port 5353 login.idp.test A -- send
}

for t in "vx4 203.0.113.201 203.0.113.202" "vx6 192.0.2.201 192.0.2.202"; do
	set -- $t
	out=$(tun_race "$2" "$3" login.idp.test 203.0.113.77)
	grep -q '203\.0\.113\.77' <<<"$out" && pass "tunnelled_forgery_accepted_without_dnsward_$1" ||
		fail "tunnelled_forgery_accepted_without_dnsward_$1" "$(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
done
out=$(port_race)
grep -q '203\.0\.113\.77' <<<"$out" && pass second_port_forgery_accepted_without_dnsward ||
	fail second_port_forgery_accepted_without_dnsward "$(tr '\n' ' ' <<<"$out")"

dw_config "$DW_TMP/e.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"
echo "dns_port: [53, 5353]" >>"$DW_TMP/e.yaml"
dw_setup_start "$DW_TMP/e.yaml"
true_addr=$(dw_auth_answer idp.test A | awk '$3 == "A" { print $4; exit }')

for t in "vx4 203.0.113.201 203.0.113.202" "vx6 192.0.2.201 192.0.2.202"; do
	set -- $t
	n0=$(dw_stat datapath_tunneled)
	out=$(tun_race "$2" "$3" login.idp.test 203.0.113.77)
	n1=$(dw_stat datapath_tunneled)
	if ! grep -q '203\.0\.113\.77' <<<"$out" && [ "$n1" -gt "$n0" ]; then
		pass "tunnelled_forgery_dropped_$1"
	else
		fail "tunnelled_forgery_dropped_$1" "tunneled $n0->$n1: $(tr '\n' ' ' <<<"$out")"
	fi
	# The true answer through the tunnel is held, proven and released (the live frame,
	# decapsulated by the node's VXLAN device, or the inner IP packet re-sent); once
	# its ALLOW verdict is cached (the second tunnel) it passes in the kernel.
	r0=$(($(dw_stat punts_held) + $(dw_stat datapath_allowed)))
	out=$(tun_race "$2" "$3" idp.test "$true_addr")
	r1=$(($(dw_stat punts_held) + $(dw_stat datapath_allowed)))
	if [ -n "$true_addr" ] && grep -q "^idp\.test\..*$true_addr" <<<"$out" && [ "$r1" -gt "$r0" ]; then
		pass "tunnelled_true_reply_released_$1"
	else
		fail "tunnelled_true_reply_released_$1" "held or allowed $r0->$r1: $(tr '\n' ' ' <<<"$out")"
	fi
	out=$(tun_race "$2" "$3" www.example.test 203.0.113.78)
	grep -q 'www\.example\.test\..*203\.0\.113\.78' <<<"$out" && pass "tunnelled_unprotected_delivered_$1" ||
		fail "tunnelled_unprotected_delivered_$1" "$(tr '\n' ' ' <<<"$out")"
done

out=$(port_race)
if ! grep -q '203\.0\.113\.77' <<<"$out"; then
	pass second_port_forgery_dropped
else
	fail second_port_forgery_dropped "$(tr '\n' ' ' <<<"$out")"
fi
got=$(dw_answer login.idp.test A)
[ -n "$got" ] && [ "$got" = "$(dw_auth_answer login.idp.test A)" ] && pass asked_name_delivered ||
	fail asked_name_delivered "got '$got'"
finish
