#!/usr/bin/env bash
# The validator against the lab's real signed hierarchy (NSD) through R2 (a
# real non-validating Unbound): `dnsward check` for every zone variant must
# give the expected outcome and reason; then a differential test: validating
# Unbound (R1) and delv must agree with dnsward on secure/insecure/bogus for
# every name. dnsward runs inside dw-node, as the daemon would.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lab/lib.sh"

[ "$(id -u)" = 0 ] || { skip validator_lab "needs root for network namespaces"; finish; }
lab_lock 500 || { skip validator_lab "lab busy: another suite holds it (tests/lab/lib.sh lab_lock)"; finish; }
trap '"$LAB_HOME/down" >/dev/null 2>&1' EXIT
if ! "$LAB_HOME/up" --resolver validating >/tmp/dw-e2e-val-up.log 2>&1; then
	fail lab_up "$(tail -3 /tmp/dw-e2e-val-up.log)"
	finish
fi
. "$("$LAB_HOME/env")"

check_name() { # NAME TYPE -> "rc<TAB>last line"
	local out rc
	out=$(timeout 30 ip netns exec "$NS_NODE" "$DNSWARD" check "$1" "$2" \
		--server "$UPSTREAM_IP4" --anchor "$ANCHOR_FILE" 2>&1)
	rc=$?
	printf '%s\t%s\n' "$rc" "$(tail -1 <<<"$out")"
}

# name type expected-exit reason (extended regex, matched against the last line)
CASES=(
	"idp.test A 0 idp.test/A signed by idp.test/13/"
	"idp.test AAAA 0 idp.test/AAAA signed by idp.test/13/"
	"idp.test TXT 0 idp.test/TXT signed by"
	"www.idp.test A 0 www.idp.test/A signed by"
	"login.idp.test A 0 login.idp.test/CNAME signed by"
	"_ldap._tcp.idp.test SRV 0 _ldap._tcp.idp.test/SRV signed by"
	"x.wild.idp.test A 0 x.wild.idp.test/A signed by"
	"x.wild.idp.test TXT 0 x.wild.idp.test/TXT signed by"
	"rr.idp.test A 0 rr.idp.test/A signed by"
	"big.idp.test TXT 0 big.idp.test/TXT signed by"
	"nope.idp.test A 0 NXDOMAIN for nope.idp.test/A proven by NSEC$"
	"zz.idp.test AAAA 0 NXDOMAIN for zz.idp.test/AAAA proven by NSEC$"
	"www.idp.test MX 0 NODATA for www.idp.test/MX proven by NSEC$"
	"nsec3.test A 0 nsec3.test/A signed by nsec3.test/8/"
	"www.nsec3.test AAAA 0 www.nsec3.test/AAAA signed by"
	"nope.nsec3.test A 0 NXDOMAIN for nope.nsec3.test/A proven by NSEC3"
	"www.nsec3.test MX 0 NODATA for www.nsec3.test/MX proven by NSEC3"
	"www.optout.test A 0 www.optout.test/A signed by"
	"www.child.optout.test A 1 insecure delegation child.optout.test \\(NSEC3"
	"insecure.test A 1 insecure delegation insecure.test \\(NSEC at test. proves no DS\\)"
	"www.insecure.test AAAA 1 insecure delegation insecure.test \\(NSEC at test. proves no DS\\)"
	"www.cname-out.test A 1 insecure delegation insecure.test"
	"cname-out.test A 0 cname-out.test/A signed by cname-out.test/15/"
	"bogus.test A 2 RRSIG bogus.test/A by bogus.test/13/[0-9]+ does not verify"
	"www.bogus.test AAAA 2 RRSIG www.bogus.test/AAAA by bogus.test/13/[0-9]+ does not verify"
	"ok.bogus.test A 0 ok.bogus.test/A signed by"
	"www.dsmismatch.test A 2 DS dsmismatch.test [0-9]+/13/2 matches no DNSKEY"
	"expired.test A 2 RRSIG expired.test/DNSKEY by expired.test/8/[0-9]+ expired 20[0-9-]+T"
	"www.future.test A 2 RRSIG future.test/DNSKEY by future.test/13/[0-9]+ not valid before 20"
	"example.test A 0 example.test/A signed by example.test/15/"
)

for c in "${CASES[@]}"; do
	read -r name type want reason <<<"$c"
	IFS=$'\t' read -r rc line <<<"$(check_name "$name" "$type")"
	if [ "$rc" = "$want" ] && grep -Eq -- "$reason" <<<"$line"; then
		pass "check_${name}_${type}"
	else
		fail "check_${name}_${type}" "exit $rc (want $want): $line"
	fi
done

# --json: one object with the outcome and the chain.
out=$(ip netns exec "$NS_NODE" "$DNSWARD" check idp.test A --json --server "$UPSTREAM_IP4" \
	--anchor "$ANCHOR_FILE")
if /usr/bin/python3 -c 'import json,sys; o=json.loads(sys.argv[1]); assert o["outcome"]=="secure" and len(o["chain"])>=5, o' "$out" 2>/dev/null; then
	pass check_json
else
	fail check_json "$out"
fi

# An upstream that does not answer: indeterminate (3), never bogus.
out=$(timeout 30 ip netns exec "$NS_NODE" "$DNSWARD" check idp.test A --server 192.0.2.99 \
	--anchor "$ANCHOR_FILE" 2>&1); rc=$?
if [ $rc = 3 ] && grep -q 'no upstream answered' <<<"$out"; then pass check_no_upstream_indeterminate; else fail check_no_upstream_indeterminate "rc=$rc $(tail -1 <<<"$out")"; fi

# --- differential: Unbound (validating R1) and delv against dnsward ---------
unbound_class() { # SERVFAIL: bogus; AD: secure; else insecure
	local out
	out=$(ip netns exec "$NS_NODE" dig +tries=2 +time=5 @"$RESOLVER_IP4" "$1" "$2" 2>&1)
	if grep -q 'status: SERVFAIL' <<<"$out"; then echo bogus
	elif grep -Eq 'flags:[^;]* ad[ ;]' <<<"$out"; then echo secure
	elif grep -Eq 'status: (NOERROR|NXDOMAIN)' <<<"$out"; then echo insecure
	else echo unknown; fi
}
delv_class() {
	local out
	out=$(timeout 20 ip netns exec "$NS_NODE" delv -a "$ANCHOR_BIND" @"$UPSTREAM_IP4" "$1" "$2" 2>&1)
	if grep -q 'resolution failed' <<<"$out" && ! grep -q 'ncache' <<<"$out"; then echo bogus
	elif grep -q 'unsigned' <<<"$out"; then echo insecure
	elif grep -q 'fully validated' <<<"$out"; then echo secure
	else echo unknown; fi
}
classes=(secure insecure bogus indeterminate)
for c in "${CASES[@]}"; do
	read -r name type _ <<<"$c"
	IFS=$'\t' read -r rc _ <<<"$(check_name "$name" "$type")"
	ours=${classes[$rc]:-usage}
	ub=$(unbound_class "$name" "$type")
	dv=$(delv_class "$name" "$type")
	if [ "$ours" = "$ub" ] && [ "$ours" = "$dv" ]; then
		pass "differential_${name}_${type}"
	else
		fail "differential_${name}_${type}" "dnsward=$ours unbound=$ub delv=$dv"
	fi
done
finish
