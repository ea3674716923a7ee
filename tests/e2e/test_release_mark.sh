#!/usr/bin/env bash
# A forged reply carrying dnsward's release mark. SO_MARK needs only CAP_NET_RAW,
# so any host-network process with it (container runtimes grant it by default) can
# send a reply marked DW_RELEASE_MARK from the node toward a workload. First without
# dnsward (the forgery is accepted, so the test can fail), then with the daemon on
# tc egress of the workload-facing veth: the mark without the daemon's one-shot
# proof releases nothing, the reply is judged like any other (counted as
# release_unproven), and the workload gets the real answer. IPv4 and IPv6.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

MARK=$(awk '/define DW_RELEASE_MARK/ {print $3}' include/dnsward.h | tr -d u)

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/mark.yaml" "{pattern: \"wl*\", hook: tc, direction: egress}" "
  - {name: idp.test}"

# marked_race FAMILY: the workload asks ldap.idp.test (R1 answers 1.5 s late); a raw
# socket in the node's namespace, marked, answers at once with a forged address.
# Prints what the workload accepted.
marked_race() {
	local fam=$1 type=A answer=203.0.113.77 src=$RESOLVER_IP4 dst=$WORKLOAD_IP4 six=()
	if [ "$fam" = 6 ]; then
		type=AAAA answer=2001:db8:3::77 src=$RESOLVER_IP6 dst=$WORKLOAD_IP6 six=(--ipv6)
	fi
	send() {
		ip netns exec "$NS_NODE" /usr/bin/python3 - "$fam" "$src" "$dst" "$RACE_ID" \
			"$RACE_SPORT" "$type" "$answer" "$MARK" <<'PY'
import socket, sys
from scapy.all import DNS, DNSQR, DNSRR, IP, IPv6, UDP, raw
fam, src, dst, qid, dport, qtype, answer, mark = sys.argv[1:]
dns = DNS(id=int(qid), qr=1, rd=1, ra=1, qd=DNSQR(qname="ldap.idp.test", qtype=qtype),
          an=DNSRR(rrname="ldap.idp.test", type=qtype, ttl=300, rdata=answer))
l3 = IP(src=src, dst=dst) if fam == "4" else IPv6(src=src, dst=dst)
pkt = raw(l3 / UDP(sport=53, dport=int(dport)) / dns)
s = socket.socket(socket.AF_INET if fam == "4" else socket.AF_INET6, socket.SOCK_RAW,
                  socket.IPPROTO_RAW)
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, int(mark, 16))
s.sendto(pkt, (dst, 0))
print("sent marked", qtype, answer, "to", dst, dport, "id", qid)
PY
	}
	query_race "${six[@]}" ldap.idp.test $type -- send
}

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for fam in 4 6; do
	out=$(marked_race $fam)
	if grep -Eq '203\.0\.113\.77|2001:db8:3::77' <<<"$out"; then
		pass "marked_forgery_accepted_without_dnsward_v$fam"
	else
		fail "marked_forgery_accepted_without_dnsward_v$fam" \
			"$(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

dw_setup_start "$DW_TMP/mark.yaml"
# Genuine releases still pass by their proof.
want=$(dw_auth_answer idp.test A)
got=$(dw_answer idp.test A)
r=$(dw_stat datapath_release_mark)
[ -n "$want" ] && [ "$got" = "$want" ] && [ "$r" -ge 1 ] && pass genuine_release_proven ||
	fail genuine_release_proven "got '$got' want '$want', datapath_release_mark $r"

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for fam in 4 6; do
	u0=$(dw_stat datapath_release_unproven)
	out=$(marked_race $fam)
	u1=$(dw_stat datapath_release_unproven)
	if ! grep -Eq '203\.0\.113\.77|2001:db8:3::77' <<<"$out" && grep -q '^rcode NOERROR' <<<"$out" &&
		[ "$u1" -gt "$u0" ]; then
		pass "marked_forgery_judged_v$fam"
	else
		fail "marked_forgery_judged_v$fam" "release_unproven $u0->$u1: $(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1
finish
