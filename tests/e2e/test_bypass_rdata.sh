#!/usr/bin/env bash
# Forged copies of an allowed reply that differ only where a key could miss it. R1 holds its
# replies 1 s, so the attacker's copy (matching ID and port) arrives first.
# (1) Names inside rdata: an HTTPS TargetName or a NAPTR replacement re-encoded as a
# compression pointer into EDNS option bytes that spell evil.example. The workload's stub
# reads names as glibc does (dn_expand follows the pointer). (2) TTLs: the same records
# with TTL 86400.
# Without dnsward each forged copy reaches the workload, so the test can fail. With the
# daemon on XDP on the node's uplink: first, before any genuine copy of www.idp.test was
# judged, the copy with raised TTLs is held, judged (its records proven, its TTLs above
# the signed 300) and dropped, and what it proved is cached as an ALLOW bounded by the
# signed TTL, not as a DENY: the genuine reply right behind it arrives intact
# (ttl_raised_dropped). Then, after the genuine reply was allowed: the attacker first
# sends a copy whose option bytes spell the genuine name (a reader of raw rdata would give
# it the genuine key), then the one that spells evil.example; neither is delivered and the
# genuine reply arrives. The copy with raised TTLs is no verdict hit (ttl_exceeded), is
# judged and dropped, and does not take the ALLOW with it: the genuine copy right behind
# it arrives on the cached verdict. (3) A copy whose longest TTL is on a record never
# compared (unrelated glue) is SECURE; its ALLOW bounds later copies by the signed TTL,
# so the same records with the address's TTL raised to 86300 are dropped, not delivered.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/r.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}"

HTTPS_RDATA='1 www.idp.test. alpn=h2 port=8443'
NAPTR_RDATA='100 10 "S" "SIP+D2U" "" _sip._udp.idp.test.'
# case: label name type rdata genuine-name [--ipv6]
CASES=(
	"https_v4|svc.idp.test|HTTPS|$HTTPS_RDATA|www.idp.test|"
	"https_v6|svc.idp.test|HTTPS|$HTTPS_RDATA|www.idp.test|--ipv6"
	"naptr_v4|sip.idp.test|NAPTR|$NAPTR_RDATA|_sip._udp.idp.test|"
)

# in_opt_race NAME TYPE RDATA SPELLED [--ipv6]: the glibc-reading stub asks; the forger
# answers at once with RDATA whose name is a pointer to SPELLED in an EDNS option.
in_opt_race() {
	local name=$1 type=$2 rdata=$3 spelled=$4 six=()
	[ -n "${5:-}" ] && six=(--ipv6)
	send_in_opt() {
		"$LAB_HOME/forge" "${six[@]}" --qname "$name" --qtype "$type" --id $RACE_ID \
			--dport $RACE_SPORT --answer "$rdata" --target-in-opt "$spelled"
	}
	query_race "${six[@]}" --libc-names "$name" "$type" -- send_in_opt
}

# ttl_race FAMILY: a copy of www.idp.test's address with TTL 86400. Prints what the stub took.
ttl_race() {
	if [ "$1" = 6 ]; then
		forged_race www.idp.test AAAA --ipv6 --answer 2001:db8:3::81 --ttl 86400
	else
		forged_race www.idp.test A --answer 203.0.113.81 --ttl 86400
	fi
}

# glue_race FAMILY TTL GLUE-TTL: a copy of www.idp.test's address with TTL, carrying an
# unrelated record (no protected zone's, never compared) with GLUE-TTL.
GLUE='cdn.elsewhere.example.'
glue_race() {
	local six=() type=A addr=203.0.113.81 gtype=A gaddr=192.0.2.7
	if [ "$1" = 6 ]; then
		six=(--ipv6) type=AAAA addr=2001:db8:3::81 gtype=AAAA gaddr=2001:db8::7
	fi
	forged_race www.idp.test $type "${six[@]}" --answer $addr --ttl "$2" \
		--additional "$GLUE $3 $gtype $gaddr"
}

# The TTL of www.idp.test's address in the stub's output, or nothing.
ttl_of() { awk '$1 == "www.idp.test." && ($4 == "A" || $4 == "AAAA") { print $2; exit }' <<<"$1"; }

"$LAB_HOME/resolver" nonvalidating --delay-ms 1000 >/dev/null 2>&1
for c in "${CASES[@]}"; do
	IFS='|' read -r label name type rdata genuine six <<<"$c"
	out=$(in_opt_race "$name" "$type" "$rdata" evil.example "$six")
	if grep -q "^name .* evil\.example$" <<<"$out"; then
		pass "forged_${label}_name_accepted_without_dnsward"
	else
		fail "forged_${label}_name_accepted_without_dnsward" \
			"$(tr '\n' ' ' <<<"$out") / $(tr '\n' ' ' <"$DW_TMP/f.out")"
	fi
done
for fam in 4 6; do
	out=$(ttl_race $fam)
	if [ "$(ttl_of "$out")" = 86400 ]; then
		pass "raised_ttl_accepted_without_dnsward_v$fam"
	else
		fail "raised_ttl_accepted_without_dnsward_v$fam" "$(tr '\n' ' ' <<<"$out")"
	fi
	out=$(glue_race $fam 86300 86300)
	if [ "$(ttl_of "$out")" = 86300 ]; then
		pass "raised_ttl_with_glue_accepted_without_dnsward_v$fam"
	else
		fail "raised_ttl_with_glue_accepted_without_dnsward_v$fam" "$(tr '\n' ' ' <<<"$out")"
	fi
done

dw_setup_start "$DW_TMP/r.yaml"

# The raised copy first, before any genuine copy of the name was judged; then R1's reply.
for fam in 4 6; do
	r0=$(dw_stat ttl_raised_dropped) d0=$(dw_stat verdicts_deny) n0=$(dw_stat datapath_denied)
	out=$(ttl_race $fam)
	r1=$(dw_stat ttl_raised_dropped) d1=$(dw_stat verdicts_deny) n1=$(dw_stat datapath_denied)
	ttl=$(ttl_of "$out")
	if [ -n "$ttl" ] && [ "$ttl" -le 300 ] && [ "$r1" -gt "$r0" ] && [ "$d1" = "$d0" ] &&
		[ "$n1" = "$n0" ]; then
		pass "raised_ttl_first_genuine_delivered_v$fam"
	else
		fail "raised_ttl_first_genuine_delivered_v$fam" "ttl '$ttl', ttl_raised_dropped $r0->$r1, verdicts_deny $d0->$d1, datapath_denied $n0->$n1: $(tr '\n' ' ' <<<"$out")"
	fi
done

# A copy whose only long TTL is on a record never compared (the unrelated glue) is judged
# SECURE and delivered; its ALLOW must bound later copies by the signed 300, not by the
# glue's 86400: the same records with the address's TTL raised to 86300 are dropped.
for fam in 4 6; do
	out1=$(glue_race $fam 300 86400)
	r0=$(dw_stat ttl_raised_dropped)
	out=$(glue_race $fam 86300 86300)
	r1=$(dw_stat ttl_raised_dropped)
	ttl1=$(ttl_of "$out1") ttl=$(ttl_of "$out")
	if [ "$ttl1" = 300 ] && [ -n "$ttl" ] && [ "$ttl" -le 300 ] && [ "$r1" -gt "$r0" ]; then
		pass "raised_ttl_past_glue_bound_dropped_v$fam"
	else
		fail "raised_ttl_past_glue_bound_dropped_v$fam" "first ttl '$ttl1', then '$ttl', ttl_raised_dropped $r0->$r1: $(tr '\n' ' ' <<<"$out1 / $out")"
	fi
done

# The genuine reply (R1, 1 s late), as the glibc-reading stub takes it.
genuine_query() {
	local name=$1 type=$2 six=()
	[ -n "${3:-}" ] && six=(--ipv6)
	"$LAB_HOME/query" "${six[@]}" --libc-names --timeout 4 "$name" "$type" 2>&1
}

for c in "${CASES[@]}"; do
	IFS='|' read -r label name type rdata genuine six <<<"$c"
	a0=$(dw_stat verdicts_allow)
	out=$(genuine_query "$name" "$type" "$six")
	a1=$(dw_stat verdicts_allow)
	if ! grep -q "^name $name $type [0-9]* $genuine$" <<<"$out"; then
		fail "forged_${label}_name_dropped" "genuine reply not delivered: $(tr '\n' ' ' <<<"$out")"
		continue
	fi
	# The attacker's setup: option bytes that spell the genuine name, then evil.example.
	m0=$(dw_stat datapath_malformed)
	setup=$(in_opt_race "$name" "$type" "$rdata" "$genuine" "$six")
	out=$(in_opt_race "$name" "$type" "$rdata" evil.example "$six")
	m1=$(dw_stat datapath_malformed)
	if ! grep -q 'evil\.example' <<<"$out$setup" && grep -q "^name $name $type [0-9]* $genuine$" <<<"$out"; then
		pass "forged_${label}_name_dropped"
	else
		fail "forged_${label}_name_dropped" "allow $a0->$a1, malformed $m0->$m1: setup: $(tr '\n' ' ' <<<"$setup") forged: $(tr '\n' ' ' <<<"$out")"
	fi
done

for fam in 4 6; do
	type=A
	[ $fam = 6 ] && type=AAAA
	six=()
	[ $fam = 6 ] && six=(--ipv6)
	out=$("$LAB_HOME/query" "${six[@]}" --timeout 4 www.idp.test $type 2>&1)
	if [ -z "$(ttl_of "$out")" ]; then
		fail "raised_ttl_dropped_allow_kept_v$fam" "genuine reply not delivered: $(tr '\n' ' ' <<<"$out")"
		continue
	fi
	t0=$(dw_stat datapath_ttl_exceeded) k0=$(dw_stat ttl_raised_dropped)
	h0=$(dw_stat datapath_held) al0=$(dw_stat datapath_allowed)
	out=$(ttl_race $fam)
	t1=$(dw_stat datapath_ttl_exceeded) k1=$(dw_stat ttl_raised_dropped)
	h1=$(dw_stat datapath_held) al1=$(dw_stat datapath_allowed)
	ttl=$(ttl_of "$out")
	# Delivered: an aged genuine TTL; the forged copy held (once) and judged; the genuine
	# copy passed on the ALLOW without a punt of its own.
	if [ -n "$ttl" ] && [ "$ttl" -le 300 ] && [ "$t1" -gt "$t0" ] && [ "$k1" -gt "$k0" ] &&
		[ $((h1 - h0)) = 1 ] && [ "$al1" -gt "$al0" ]; then
		pass "raised_ttl_dropped_allow_kept_v$fam"
	else
		fail "raised_ttl_dropped_allow_kept_v$fam" "ttl '$ttl', ttl_exceeded $t0->$t1, ttl_raised_dropped $k0->$k1, held $h0->$h1, allowed $al0->$al1: $(tr '\n' ' ' <<<"$out")"
	fi
done
finish
