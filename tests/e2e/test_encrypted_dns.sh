#!/usr/bin/env bash
# encrypted_dns: workloads' DoT kept to the resolvers the policy names. TCP listeners on
# port 853 at the attacker (not allowed) and at R1 (allowed), IPv4 and IPv6. Without
# dnsward the workload connects to both, so the test can fail; with the daemon on XDP
# on the node's uplink (its query hook on the uplink's egress) and action drop, the
# connection to the attacker is refused and counted for the workload, the one to R1
# still opens; with action report both open and the attempt is counted.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating

LISTENERS=()
# listen NS ADDR: a TCP listener on ADDR:853 in NS for at most 120 s.
listen() {
	ip netns exec "$1" timeout 120 "$LAB_PY" -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 853))
s.listen(64)
for _ in range(1000):
    c, _ = s.accept()
    c.close()
' "$2" >/dev/null 2>&1 &
	LISTENERS+=($!)
}
stop_listeners() {
	local p
	for p in "${LISTENERS[@]}"; do kill "$p" 2>/dev/null; done
	dw_cleanup
}
trap stop_listeners EXIT
listen "$NS_ATTACKER" "$ATTACKER_IP4"
listen "$NS_ATTACKER" "$ATTACKER_IP6"
listen "$NS_RESOLVER" "$RESOLVER_IP4"
listen "$NS_RESOLVER" "$RESOLVER_IP6"
sleep 0.5

# connects ADDR: "open" when the workload's TCP connect to ADDR:853 succeeds within 2 s.
connects() {
	ip netns exec "$NS_WORKLOAD" timeout 5 "$LAB_PY" -c '
import socket, sys
try:
    socket.create_connection((sys.argv[1], 853), timeout=2).close()
    print("open")
except OSError as e:
    print("refused: %s" % e)
' "$1"
}

# workload_count FAMILY-ADDR: the workload's attempts in the pinned per-workload map.
workload_count() {
	bpftool -j map dump pinned "$DW_PIN/dnsward_encdns_clients" 2>/dev/null |
		"$LAB_PY" -c '
import ipaddress, json, sys
want = ipaddress.ip_address(sys.argv[1]).packed
total = 0
for e in json.load(sys.stdin):
    k = bytes(int(b, 16) for b in e["key"])
    v = bytes(int(b, 16) for b in e["value"])
    if k[4:4 + len(want)] == want:
        total += int.from_bytes(v, "little")
print(total)' "$1"
}

for a in "$ATTACKER_IP4" "$ATTACKER_IP6" "$RESOLVER_IP4" "$RESOLVER_IP6"; do
	got=$(connects "$a")
	[ "$got" = open ] && pass "dot_to_${a}_opens_without_dnsward" || fail "dot_to_${a}_opens_without_dnsward" "$got"
done

dw_config "$DW_TMP/d.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"
cp "$DW_TMP/d.yaml" "$DW_TMP/r.yaml"
echo "encrypted_dns: {allow: [$RESOLVER_IP4, $RESOLVER_IP6], action: drop}" >>"$DW_TMP/d.yaml"
echo "encrypted_dns: {allow: [$RESOLVER_IP4, $RESOLVER_IP6], action: report}" >>"$DW_TMP/r.yaml"

dw_setup_start "$DW_TMP/d.yaml"
for fam in 4 6; do
	if [ $fam = 4 ]; then atk=$ATTACKER_IP4 res=$RESOLVER_IP4 wl=$WORKLOAD_IP4; else atk=$ATTACKER_IP6 res=$RESOLVER_IP6 wl=$WORKLOAD_IP6; fi
	d0=$(dw_stat datapath_encrypted_dns_dropped) w0=$(workload_count "$wl")
	got=$(connects "$atk")
	d1=$(dw_stat datapath_encrypted_dns_dropped) w1=$(workload_count "$wl")
	if [ "$got" != open ] && [ "$d1" -gt "$d0" ] && [ "$w1" -gt "$w0" ]; then
		pass "dot_to_unlisted_refused_v$fam"
	else
		fail "dot_to_unlisted_refused_v$fam" "$got; dropped $d0->$d1, workload $w0->$w1"
	fi
	got=$(connects "$res")
	[ "$got" = open ] && pass "dot_to_allowed_opens_v$fam" || fail "dot_to_allowed_opens_v$fam" "$got"
done
dw_stop

dw_setup_start "$DW_TMP/r.yaml"
for fam in 4 6; do
	if [ $fam = 4 ]; then atk=$ATTACKER_IP4 wl=$WORKLOAD_IP4; else atk=$ATTACKER_IP6 wl=$WORKLOAD_IP6; fi
	r0=$(dw_stat datapath_encrypted_dns_reported) w0=$(workload_count "$wl")
	got=$(connects "$atk")
	r1=$(dw_stat datapath_encrypted_dns_reported) w1=$(workload_count "$wl")
	if [ "$got" = open ] && [ "$r1" -gt "$r0" ] && [ "$w1" -gt "$w0" ]; then
		pass "dot_to_unlisted_reported_v$fam"
	else
		fail "dot_to_unlisted_reported_v$fam" "$got; reported $r0->$r1, workload $w0->$w1"
	fi
done
finish
