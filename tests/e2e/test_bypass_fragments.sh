#!/usr/bin/env bash
# A forged reply for a protected name, sent as IP fragments so small that the first one
# carries the UDP header and at most 8 DNS bytes (IPv4 and IPv6): the later fragments
# carry no port and pass any port-based filter, and the workload reassembles the forgery.
# First without dnsward (the attack must work, so the test can fail), then with the
# daemon on XDP on the node's uplink: the first fragment is dropped and counted
# (frag_dropped), the workload gets the real answer.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/frag.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

# frag_race FAMILY BYTES: the workload asks ldap.idp.test (R1 answers 1.5 s late); the
# attacker answers at once with 203.0.113.66 (2001:db8:3::66) in BYTES-byte fragments.
# Prints what the workload accepted.
frag_race() {
	local fam=$1 bytes=$2 type=A answer=203.0.113.66 six=()
	if [ "$fam" = 6 ]; then type=AAAA answer=2001:db8:3::66 six=(--ipv6); fi
	forged_race ldap.idp.test "$type" "${six[@]}" --answer "$answer" --fragment "$bytes"
}

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for case in "4 8" "4 16" "6 8" "6 16"; do
	read -r fam bytes <<<"$case"
	out=$(frag_race "$fam" "$bytes")
	if grep -Eq '203\.0\.113\.66|2001:db8:3::66' <<<"$out"; then
		pass "fragmented_forgery_accepted_without_dnsward_v${fam}_${bytes}"
	else
		fail "fragmented_forgery_accepted_without_dnsward_v${fam}_${bytes}" \
			"$(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1

dw_setup_start "$DW_TMP/frag.yaml"
# Prove the name once, so the real reply in the races below is a verdict hit.
want4=$(dw_auth_answer ldap.idp.test A)
got=$(dw_answer ldap.idp.test A)
[ "$got" = "$want4" ] && [ -n "$want4" ] || fail proven_first "got '$got' want '$want4'; daemon: $(tail -n 8 "$DW_LOG" | tr '\n' ' ')"

"$LAB_HOME/resolver" nonvalidating --delay-ms 1500 >/dev/null 2>&1
for case in "4 8" "4 16" "6 8" "6 16"; do
	read -r fam bytes <<<"$case"
	d0=$(dw_stat datapath_frag_dropped)
	out=$(frag_race "$fam" "$bytes")
	d1=$(dw_stat datapath_frag_dropped)
	if ! grep -Eq '203\.0\.113\.66|2001:db8:3::66' <<<"$out" && grep -q '^rcode NOERROR' <<<"$out" &&
		[ "$d1" -gt "$d0" ]; then
		pass "fragmented_forgery_dropped_v${fam}_${bytes}"
	else
		fail "fragmented_forgery_dropped_v${fam}_${bytes}" "frag_dropped $d0->$d1: $(tr '\n' ' ' <<<"$out")"
	fi
done
"$LAB_HOME/resolver" nonvalidating >/dev/null 2>&1
finish
