#!/usr/bin/env bash
# Lab self-test: the namespaces, the signed hierarchy, both resolvers in every
# mode and the attacker behave as the end-to-end tests assume. Brings the lab
# up itself and down at the end (also on failure).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip lab "needs root (network namespaces)"
	exit 0
fi
lab_lock 300 || {
	fail lab_lock "the lab stayed busy"
	finish
}
trap '"$LAB_HOME/down" >/dev/null 2>&1' EXIT

W=(ip netns exec "$NS_WORKLOAD")
N=(ip netns exec "$NS_NODE")

# dig_w ARGS...: dig from the workload, one try, short timeout.
dig_w() { "${W[@]}" dig +tries=1 +time=5 "$@" 2>&1; }
status_of() { sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$1" | head -1; }
has_ad() { grep -q '^;; flags:.* ad[ ;]' <<<"$1"; }

# expect_rcode NAME SERVER QNAME QTYPE RCODE [ad|noad]
expect_rcode() {
	local name=$1 out st
	out=$(dig_w @"$2" "$3" "$4")
	st=$(status_of "$out")
	if [ "$st" != "$5" ]; then
		fail "$name" "$3/$4 @$2: status '$st', want $5"
	elif [ "${6:-}" = ad ] && ! has_ad "$out"; then
		fail "$name" "$3/$4 @$2: no AD flag"
	elif [ "${6:-}" = noad ] && has_ad "$out"; then
		fail "$name" "$3/$4 @$2: AD flag set on an answer that is not secure"
	else
		pass "$name"
	fi
}

# --- up ---------------------------------------------------------------------
"$LAB_HOME/down" >/dev/null 2>&1
t0=$(date +%s.%N)
if out=$("$LAB_HOME/up" 2>&1); then pass up; else
	fail up "$out"
	finish
fi
echo "# up took $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
# shellcheck disable=SC1090
. "$("$LAB_HOME/env")"
for v in ANCHOR_FILE ANCHOR_UNBOUND ANCHOR_BIND; do
	[ -s "${!v}" ] || fail "env_$v" "missing ${!v}"
done
if grep -q 'DS' "$ANCHOR_FILE" && grep -q 'static-key 257 3 13 "' "$ANCHOR_BIND"; then
	pass anchors_written
else
	fail anchors_written "unexpected anchor files"
fi

nsd_pid=$(cat "$LAB_DIR/auth/nsd.pid")
if "$LAB_HOME/up" >/dev/null 2>&1 && [ "$(cat "$LAB_DIR/auth/nsd.pid")" = "$nsd_pid" ] &&
	[ "$(status_of "$(dig_w @"$RESOLVER_IP4" idp.test A)")" = NOERROR ]; then
	pass up_twice_keeps_running_lab
else
	fail up_twice_keeps_running_lab "second up failed or rebuilt the lab"
fi

# --- the hierarchy through a non-validating R1 ---------------------------------
out=$(dig_w +dnssec @"$RESOLVER_IP4" idp.test A)
if grep -q '^idp.test\..*IN[[:space:]]A[[:space:]]*203.0.113.80' <<<"$out" &&
	grep -q 'IN[[:space:]]RRSIG[[:space:]]A 13 ' <<<"$out"; then
	pass workload_dnssec_rrsigs_idp
else
	fail workload_dnssec_rrsigs_idp "no A+RRSIG: $(tr '\n' ' ' <<<"$out" | cut -c1-200)"
fi
out=$(dig_w +short @"$RESOLVER_IP4" login.idp.test A)
if grep -qx 'www.idp.test.' <<<"$out" && grep -qx 203.0.113.81 <<<"$out"; then pass cname_in_zone; else fail cname_in_zone "$out"; fi
out=$(dig_w +short @"$RESOLVER_IP4" _ldap._tcp.idp.test SRV)
if [ "$out" = "10 5 389 ldap.idp.test." ]; then pass srv_record; else fail srv_record "$out"; fi
out=$(dig_w +short @"$RESOLVER_IP4" anything.wild.idp.test A)
if [ "$out" = 203.0.113.83 ]; then pass wildcard; else fail wildcard "$out"; fi
# A resolver that does not validate hands out bogus data: the gap dnsward closes.
out=$(dig_w +short @"$RESOLVER_IP4" www.bogus.test A)
if [ "$out" = 203.0.113.111 ]; then pass nonvalidating_passes_bogus; else fail nonvalidating_passes_bogus "$out"; fi
out=$(dig_w +ignore +bufsize=1232 @"$RESOLVER_IP4" big.idp.test TXT)
if grep -q 'flags:.* tc[ ;]' <<<"$out"; then pass big_truncates_over_udp; else fail big_truncates_over_udp "no TC"; fi
out=$(dig_w +tcp +short @"$RESOLVER_IP4" big.idp.test TXT | wc -l)
if [ "$out" -eq 8 ]; then pass big_over_tcp; else fail big_over_tcp "$out TXT records"; fi
out=$("${W[@]}" getent hosts idp.test 2>&1)
if grep -q '^2001:db8:3::80\|^203.0.113.80' <<<"$out"; then pass workload_resolv_conf; else fail workload_resolv_conf "$out"; fi

# --- IPv6 paths -----------------------------------------------------------------
out=$(dig_w -6 +short @"$RESOLVER_IP6" www.idp.test AAAA)
if [ "$out" = 2001:db8:3::81 ]; then pass ipv6_workload_to_r1; else fail ipv6_workload_to_r1 "$out"; fi
out=$("${N[@]}" dig -6 +tries=1 +time=3 +dnssec +cd @"$UPSTREAM_IP6" idp.test AAAA 2>&1)
if grep -q 'RRSIG[[:space:]]AAAA' <<<"$out"; then pass ipv6_node_to_r2_rrsigs; else fail ipv6_node_to_r2_rrsigs "no RRSIG"; fi

# --- R2: the validator's upstream returns the proof material ----------------
out=$("${N[@]}" dig +tries=1 +time=3 +dnssec +cd @"$UPSTREAM_IP4" nope.nsec3.test A 2>&1)
if [ "$(status_of "$out")" = NXDOMAIN ] && grep -q 'IN[[:space:]]NSEC3[[:space:]]1 0 0 -' <<<"$out" &&
	grep -q 'RRSIG[[:space:]]NSEC3' <<<"$out"; then
	pass r2_nsec3_denial_with_proof
else
	fail r2_nsec3_denial_with_proof "$(status_of "$out")"
fi
out=$("${N[@]}" dig +tries=1 +time=3 +dnssec +cd @"$UPSTREAM_IP4" idp.test DS 2>&1)
if grep -q 'IN[[:space:]]DS[[:space:]]' <<<"$out" && grep -q 'RRSIG[[:space:]]DS 8 ' <<<"$out"; then
	pass r2_ds_from_rsa_parent
else
	fail r2_ds_from_rsa_parent "no DS with an RSASHA256 RRSIG"
fi

# --- delv with the private anchor agrees ----------------------------------------
delv_n() { "${N[@]}" delv -a "$ANCHOR_BIND" @"$UPSTREAM_IP4" "$@" 2>&1; }
# expect_delv NAME QNAME QTYPE PATTERN
expect_delv() {
	local out
	out=$(delv_n "$2" "$3")
	if grep -q "$4" <<<"$out"; then pass "$1"; else fail "$1" "$2/$3: $(head -1 <<<"$out")"; fi
}
expect_delv delv_idp_secure idp.test A '^; fully validated'
expect_delv delv_nsec3_denial nope.nsec3.test A '^; negative response, fully validated'
expect_delv delv_insecure_unsigned www.insecure.test A '^; unsigned answer'
expect_delv delv_optout_child_unsigned www.child.optout.test A '^; unsigned answer'
expect_delv delv_bogus_fails www.bogus.test A 'resolution failed'
expect_delv delv_dsmismatch_fails www.dsmismatch.test A 'broken trust chain\|resolution failed'
expect_delv delv_expired_fails www.expired.test A 'RRSIG has expired'
expect_delv delv_future_fails www.future.test A 'has not begun'
expect_delv delv_ed25519_secure www.example.test A '^; fully validated'

# --- validating R1 ------------------------------------------------------------
if "$LAB_HOME/resolver" validating >/dev/null 2>&1; then pass resolver_switch_validating; else fail resolver_switch_validating; fi
expect_rcode validating_idp_secure "$RESOLVER_IP4" idp.test A NOERROR ad
expect_rcode validating_bogus_apex "$RESOLVER_IP4" bogus.test A SERVFAIL
expect_rcode validating_bogus_www "$RESOLVER_IP4" www.bogus.test A SERVFAIL
expect_rcode validating_bogus_untouched_name "$RESOLVER_IP4" ok.bogus.test A NOERROR ad
expect_rcode validating_dsmismatch "$RESOLVER_IP4" dsmismatch.test A SERVFAIL
expect_rcode validating_expired "$RESOLVER_IP4" expired.test A SERVFAIL
expect_rcode validating_future "$RESOLVER_IP4" future.test A SERVFAIL
expect_rcode validating_insecure "$RESOLVER_IP4" insecure.test A NOERROR noad
expect_rcode validating_nsec_nxdomain "$RESOLVER_IP4" nope.idp.test A NXDOMAIN ad
expect_rcode validating_nsec3_nxdomain "$RESOLVER_IP4" nope.nsec3.test A NXDOMAIN ad
expect_rcode validating_optout_child_insecure "$RESOLVER_IP4" www.child.optout.test A NOERROR noad
expect_rcode validating_cname_out_not_secure "$RESOLVER_IP4" www.cname-out.test A NOERROR noad
expect_rcode validating_ipv6 "$RESOLVER_IP6" www.idp.test AAAA NOERROR ad

# --- stripping R1 (switched by a second up: up keeps the lab, changes R1) ------
nsd_pid=$(cat "$LAB_DIR/auth/nsd.pid")
if "$LAB_HOME/up" --resolver stripping >/dev/null 2>&1 && grep -qx 'R1_MODE=stripping' "$LAB_ENV" &&
	[ "$(cat "$LAB_DIR/auth/nsd.pid")" = "$nsd_pid" ]; then
	out=$(dig_w +dnssec @"$RESOLVER_IP4" idp.test A)
	if grep -q '203.0.113.80' <<<"$out" && ! grep -q RRSIG <<<"$out"; then
		pass stripping_removes_rrsigs
	else
		fail stripping_removes_rrsigs "$(grep -c RRSIG <<<"$out") RRSIGs"
	fi
	out=$(dig_w +dnssec @"$RESOLVER_IP4" nope.nsec3.test A)
	if [ "$(status_of "$out")" = NXDOMAIN ] && ! grep -q 'NSEC3\|RRSIG' <<<"$out"; then
		pass stripping_removes_denial_proof
	else
		fail stripping_removes_denial_proof "$(status_of "$out")"
	fi
else
	fail stripping_mode "up --resolver stripping did not switch R1 in place"
fi

# --- the attacker: a forged reply reaches an unprotected workload ---------------
# R1 holds its real replies 3 s, so the forged one arrives first every time.
"$LAB_HOME/resolver" nonvalidating --delay-ms 3000 >/dev/null 2>&1 || fail resolver_delay "could not hold replies"
tmp=$(mktemp -d)
# wait_line FILE PATTERN: up to 10 s for PATTERN to appear in FILE.
wait_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

"$LAB_HOME/query" --id 4242 --sport 40053 --timeout 8 idp.test A >"$tmp/q" 2>&1 &
qpid=$!
if wait_line "$tmp/q" '^; sent id=4242 sport=40053'; then
	"$LAB_HOME/forge" --qname idp.test --qtype A --id 4242 --dport 40053 --answer 203.0.113.66 >"$tmp/f" 2>&1
fi
wait "$qpid"
if grep -q 'IN A 203.0.113.66' "$tmp/q" && ! grep -q 203.0.113.80 "$tmp/q"; then
	pass forged_reply_accepted_given_id_port
else
	fail forged_reply_accepted_given_id_port "$(tr '\n' ' ' <"$tmp/q")"
fi

# On-path: the attacker reads the query off the hub and answers; dig accepts it.
"$LAB_HOME/forge" --sniff --timeout 12 --qname www.idp.test --qtype A --answer 203.0.113.66 >"$tmp/s" 2>&1 &
fpid=$!
if wait_line "$tmp/s" '^; listening'; then
	out=$(dig_w +time=8 +short @"$RESOLVER_IP4" www.idp.test A)
else
	out="attacker never listened"
fi
wait "$fpid"
if [ "$out" = 203.0.113.66 ]; then pass forged_reply_sniffed_accepted_by_dig; else fail forged_reply_sniffed_accepted_by_dig "$out"; fi

"$LAB_HOME/forge" --sniff --ipv6 --timeout 12 --qname www.idp.test --qtype AAAA --nxdomain >"$tmp/s6" 2>&1 &
fpid=$!
if wait_line "$tmp/s6" '^; listening'; then
	"$LAB_HOME/query" --ipv6 --timeout 8 www.idp.test AAAA >"$tmp/q6" 2>&1
fi
wait "$fpid"
if grep -q '^rcode NXDOMAIN' "$tmp/q6"; then pass forged_nxdomain_accepted_ipv6; else fail forged_nxdomain_accepted_ipv6 "$(tr '\n' ' ' <"$tmp/q6")"; fi

# Without a forgery the same helper gets the real answer (the test can tell).
"$LAB_HOME/query" --timeout 8 www.idp.test A >"$tmp/r" 2>&1
if grep -q 'IN A 203.0.113.81' "$tmp/r"; then pass real_reply_without_attacker; else fail real_reply_without_attacker "$(tr '\n' ' ' <"$tmp/r")"; fi
rm -rf "$tmp"

# --- down -------------------------------------------------------------------
pids=$(for ns in "${LAB_NAMESPACES[@]}"; do ip netns pids "$ns" 2>/dev/null; done)
if "$LAB_HOME/down" && "$LAB_HOME/down"; then pass down_twice; else fail down_twice; fi
left=""
for ns in "${LAB_NAMESPACES[@]}"; do lab_ns_exists "$ns" && left+=" ns:$ns"; done
for p in $pids; do [ -d "/proc/$p" ] && left+=" pid:$p"; done
[ -e "$LAB_DIR" ] && left+=" $LAB_DIR"
[ -e "/etc/netns/$NS_WORKLOAD" ] && left+=" /etc/netns/$NS_WORKLOAD"
if [ -z "$left" ] && [ -n "$pids" ]; then pass down_leaves_nothing; else fail down_leaves_nothing "left:$left (pids seen: $pids)"; fi

# A failed up removes the namespaces and files it had already made.
if DW_LAB_TEST_FAIL=links "$LAB_HOME/up" >/dev/null 2>&1; then
	fail failed_up_cleans_up "up succeeded despite DW_LAB_TEST_FAIL"
else
	left=""
	for ns in "${LAB_NAMESPACES[@]}"; do lab_ns_exists "$ns" && left+=" ns:$ns"; done
	[ -e "$LAB_DIR" ] && left+=" $LAB_DIR"
	if [ -z "$left" ]; then pass failed_up_cleans_up; else fail failed_up_cleans_up "left:$left"; fi
fi
trap - EXIT
finish
