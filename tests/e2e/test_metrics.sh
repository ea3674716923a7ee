#!/usr/bin/env bash
# The metrics endpoint of a running daemon in the lab: a live scrape passes
# `promtool check metrics` (the flat names it replaced do not), every family
# has HELP and TYPE, counters end in _total, the build-info gauge carries the
# version, held replies and validations land in histograms, labelled families
# agree with `dnsward stats`, and every statistic has a family. The scheduled
# chain probes export each zone's state and the earliest RRSIG expiration on
# its path (expiring.test is signed to expire in two days), and a zone that is
# not secure gets an event. The HTTP side holds up against partial, slow and
# too many connections without stalling the daemon. The alert rules and the
# dashboard only name metrics the daemon exports.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/daemon_lib.sh"

command -v promtool >/dev/null || { skip metrics "promtool missing (make deps)"; finish; }
PY=/usr/bin/python3

dw_lab_up --resolver nonvalidating
dw_config "$DW_TMP/m.yaml" "{name: $NODE_UP_IF, hook: xdp}" "
  - {name: idp.test}
  - {name: expiring.test}
  - {name: insecure.test, require: secure}
  - {name: bogus.test, mode: monitor}"
dw_setup_start "$DW_TMP/m.yaml"

# One value from a scrape: metric NAME with exactly the label text LABELS ("" for none).
sample() {
	awk -v s="$2$3" '$1 == s { print $2; f = 1 } END { if (!f) print "none" }' <<<"$1"
}

dw_answer www.idp.test A >/dev/null
dw_answer www.expiring.test A >/dev/null
dw_answer www.bogus.test A >/dev/null

# The chain probes run at start: wait (bounded) until each zone has been probed.
for i in $(seq 1 100); do
	body=$(dw_scrape)
	n=$(grep -c '^dnsward_zone_chain_probe_timestamp_seconds{' <<<"$body")
	[ "$n" -ge 4 ] && break
	sleep 0.2
done
printf '%s\n' "$body" >"$DW_TMP/scrape.txt"
cp "$DW_TMP/scrape.txt" "$BUILD/test-logs/metrics-scrape.txt" 2>/dev/null

# --- the exposition format -------------------------------------------------
# The check can fail: the old flat exposition (dnsward_<stat> lines) is flagged.
"$DNSWARD" stats --socket "$DW_TMP/control.sock" | sed 's/^/dnsward_/' >"$DW_TMP/flat.txt"
if ! promtool check metrics <"$DW_TMP/flat.txt" >/dev/null 2>&1; then
	pass promtool_flags_flat_names
else
	fail promtool_flags_flat_names "promtool accepted the flat exposition"
fi
if out=$(promtool check metrics <"$DW_TMP/scrape.txt" 2>&1) && [ -z "$out" ] && [ -s "$DW_TMP/scrape.txt" ]; then
	pass promtool_check_metrics_live_scrape
else
	fail promtool_check_metrics_live_scrape "$(head -n 5 <<<"$out")"
fi
# Every sample's family has both lines, and every counter ends in _total.
missing=$(awk '/^# HELP /{h[$3]=1} /^# TYPE /{t[$3]=$4}
	!/^#/ && NF { n=$1; sub(/\{.*/, "", n); f=n
		if (!(f in t)) { sub(/_(bucket|sum|count)$/, "", f) }
		if (!(f in h) || !(f in t)) print n }' "$DW_TMP/scrape.txt" | sort -u)
badc=$(awk '/^# TYPE / && $4 == "counter" && $3 !~ /_total$/ { print $3 }' "$DW_TMP/scrape.txt")
[ -z "$missing" ] && [ -z "$badc" ] && pass help_type_every_family_counters_total ||
	fail help_type_every_family_counters_total "no HELP/TYPE: $missing; counters: $badc"
want="dnsward_build_info{version=\"$("$DNSWARD" --version | awk '{print $2}')\"} 1"
grep -qxF "$want" "$DW_TMP/scrape.txt" && pass build_info_version ||
	fail build_info_version "no '$want' in: $(grep build_info "$DW_TMP/scrape.txt")"
unmapped=$(grep '^dnsward_unmapped_stat{' "$DW_TMP/scrape.txt" | cut -d'"' -f2 | tr '\n' ' ')
[ -z "$unmapped" ] && pass every_stat_has_a_family ||
	fail every_stat_has_a_family "add to metrics_export.c: $unmapped"

# --- values ----------------------------------------------------------------
held=$(sample "$body" dnsward_held_reply_duration_seconds_count "")
inf=$(sample "$body" dnsward_held_reply_duration_seconds_bucket '{le="+Inf"}')
val=$(sample "$body" dnsward_validation_duration_seconds_count "")
if [ "$held" != none ] && [ "$held" -ge 2 ] && [ "$inf" = "$held" ] && [ "$val" -ge 2 ]; then
	pass latency_histograms
else
	fail latency_histograms "held count $held, +Inf $inf, validations $val"
fi
# Once traffic stops, the labelled families equal the control socket's stats.
dw_answer www.idp.test AAAA >/dev/null
sleep 0.5
body=$(dw_scrape)
ok=1 why=
for pair in 'outcome_secure dnsward_validation_outcomes_total {outcome="secure"}' \
	'datapath_held dnsward_datapath_punt_dispositions_total {disposition="held"}' \
	'released dnsward_releases_total {result="released"}' \
	'punts_received dnsward_punts_received_total '; do
	read -r stat name labels <<<"$pair"
	a=$(dw_stat "$stat") b=$(sample "$body" "$name" "$labels")
	[ "$a" = "$b" ] && [ "$a" -gt 0 ] || { ok=0; why+="$stat=$a $name$labels=$b "; }
done
[ $ok = 1 ] && pass families_match_stats || fail families_match_stats "$why"
grep -q "^dnsward_attachment_info{interface=\"$NODE_UP_IF\",hook=\"xdp\"," <<<"$body" &&
	grep -q '^dnsward_zone_info{zone="bogus.test",mode="monitor",require="secure",failure="closed"} 1$' <<<"$body" &&
	pass interface_and_zone_labels || fail interface_and_zone_labels "$(grep -E 'attachment_info|zone_info' <<<"$body")"

# --- chain health ----------------------------------------------------------
ok=1 why=
for zs in idp.test:secure expiring.test:secure insecure.test:insecure bogus.test:bogus; do
	z=${zs%%:*} s=${zs#*:}
	v=$(sample "$body" dnsward_zone_chain_state "{zone=\"$z\",state=\"$s\"}")
	[ "$v" = 1 ] || { ok=0; why+="$z $s=$v "; }
done
[ $ok = 1 ] && pass chain_state_per_zone || fail chain_state_per_zone "$why"
now=$(date +%s)
e_exp=$(sample "$body" dnsward_zone_chain_signature_expiry_timestamp_seconds '{zone="expiring.test"}')
e_idp=$(sample "$body" dnsward_zone_chain_signature_expiry_timestamp_seconds '{zone="idp.test"}')
if [ "$e_exp" != none ] && [ "$e_idp" != none ] && [ "$e_exp" -gt "$now" ] &&
	[ "$e_exp" -lt $((now + 3 * 86400)) ] && [ "$e_idp" -gt $((now + 20 * 86400)) ]; then
	pass signature_expiry_gauge
else
	fail signature_expiry_gauge "expiring.test $e_exp, idp.test $e_idp, now $now"
fi
dw_wait_event '"event":"chain_health","zone":"bogus.test","state":"bogus"' &&
	! grep -q '"event":"chain_health","zone":"idp.test"' "$DW_EVENTS" &&
	pass chain_health_event || fail chain_health_event "$(grep chain_health "$DW_EVENTS")"

# --- the rules and the dashboard name exported families --------------------
families=$(awk '/^# TYPE /{print $3}' <<<"$body")
unknown=
for n in $(grep -ohE 'dnsward_[a-z_]+' "$ROOT"/deploy/prometheus/*.yml "$ROOT"/deploy/grafana/*.json | sort -u); do
	f=$(sed -E 's/_(bucket|sum|count)$//' <<<"$n")
	grep -qxF "$f" <<<"$families" || grep -qxF "$n" <<<"$families" || unknown+="$n "
done
[ -z "$unknown" ] && pass rules_and_dashboard_name_exported_metrics ||
	fail rules_and_dashboard_name_exported_metrics "$unknown"

# --- HTTP under abuse ------------------------------------------------------
# HOLD connections that send a partial request and wait; SLOW one that sends its
# request a byte every 20 ms and must get the whole exposition.
cat >"$DW_TMP/abuse.py" <<'PYEOF'
import socket, sys, time
port, hold, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if mode == "slow":
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    for b in b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n":
        s.send(bytes([b])); time.sleep(0.02)
    data = b""
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
    print("ok" if data.startswith(b"HTTP/1.1 200") and b"dnsward_build_info" in data else "bad")
    sys.exit(0)
conns = []
for i in range(hold):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        c.send(b"GET /metr"); conns.append(c)
    except OSError:
        break
print(len(conns), flush=True)
time.sleep(float(mode))
PYEOF
ip netns exec "$NS_NODE" $PY "$DW_TMP/abuse.py" "$DW_METRICS_PORT" 20 4 >"$DW_TMP/hold20" &
hp=$!
sleep 1
[ -n "$(dw_scrape | grep -m1 '^dnsward_build_info')" ] && pass scrape_beside_partial_requests ||
	fail scrape_beside_partial_requests "no answer with 20 partial requests open ($(cat "$DW_TMP/hold20"))"
wait $hp
got=$(ip netns exec "$NS_NODE" timeout 20 $PY "$DW_TMP/abuse.py" "$DW_METRICS_PORT" 0 slow)
[ "$got" = ok ] && pass slow_request_answered || fail slow_request_answered "$got"
# More connections than the limit: the daemon keeps serving its control socket
# and enforcing; once the idle ones time out, scrapes are answered again.
ip netns exec "$NS_NODE" $PY "$DW_TMP/abuse.py" "$DW_METRICS_PORT" 100 25 >"$DW_TMP/hold100" &
hp=$!
sleep 1
s1=$(dw_stat punts_received)
got=$(dw_answer idp.test TXT)
if [ "$s1" -gt 0 ] && [ "$got" = "$(dw_auth_answer idp.test TXT)" ]; then
	pass daemon_serves_while_metrics_flooded
else
	fail daemon_serves_while_metrics_flooded "stats '$s1', answer '$got'"
fi
back=0
for _ in $(seq 1 40); do
	if ip netns exec "$NS_NODE" curl -sf --max-time 1 "http://127.0.0.1:$DW_METRICS_PORT/metrics" | grep -q '^dnsward_build_info'; then
		back=1
		break
	fi
	sleep 0.5
done
[ $back = 1 ] && pass scrape_after_idle_connections_time_out ||
	fail scrape_after_idle_connections_time_out "no answer within 20 s of $(cat "$DW_TMP/hold100") idle connections"
kill "$hp" 2>/dev/null
wait "$hp" 2>/dev/null
code=$(ip netns exec "$NS_NODE" curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$DW_METRICS_PORT/other")
code2=$(ip netns exec "$NS_NODE" curl -s -o /dev/null -w '%{http_code}' --max-time 2 -X POST -d x "http://127.0.0.1:$DW_METRICS_PORT/metrics")
[ "$code" = 404 ] && [ "$code2" = 405 ] && pass other_paths_and_methods_refused ||
	fail other_paths_and_methods_refused "GET /other $code, POST /metrics $code2"
# --- memory ------------------------------------------------------------------
# RSS as /proc sees it, the maps' memory as the kernel charges it (the memlock
# of every BPF map fd the daemon holds), and the caches that bound the rest,
# within their default limits, in the stats and in a scrape alike; a flush
# empties the caches and their gauges say so.
rss_kib=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$DW_PID/status")
rss=$(dw_stat process_rss_bytes)
maps=0
for f in /proc/"$DW_PID"/fdinfo/*; do
	m=$(awk '$1 == "map_type:" { t = 1 } $1 == "memlock:" { v = $2 } END { if (t) print v }' "$f" 2>/dev/null)
	maps=$((maps + ${m:-0}))
done
mapb=$(dw_stat bpf_map_bytes) vi=$(dw_stat verdicts_indexed)
ce=$(dw_stat validator_cache_entries) cb=$(dw_stat validator_cache_bytes)
body=$(dw_scrape)
if [ "$rss" -gt $((rss_kib * 1024 * 8 / 10)) ] && [ "$rss" -lt $((rss_kib * 1024 * 12 / 10)) ] &&
	[ "$maps" -gt $((1 << 20)) ] && [ "$mapb" = "$maps" ] &&
	[ "$vi" -gt 0 ] && [ "$vi" -le 65536 ] && [ "$ce" -gt 0 ] && [ "$ce" -le 10000 ] &&
	[ "$cb" -gt 0 ] && [ "$cb" -le 4194304 ] &&
	[ "$(sample "$body" dnsward_bpf_map_bytes "")" = "$mapb" ] &&
	[ "$(sample "$body" dnsward_verdicts_indexed "")" = "$vi" ] &&
	[ "$(sample "$body" dnsward_validator_cache_entries "")" = "$ce" ] &&
	[ "$(sample "$body" dnsward_validator_cache_bytes "")" = "$cb" ] &&
	[ "$(sample "$body" dnsward_process_resident_memory_bytes "")" -gt $((rss_kib * 1024 * 8 / 10)) ]; then
	pass memory_figures_reported
else
	fail memory_figures_reported "rss $rss (VmRSS $rss_kib KiB), maps $mapb (fdinfo $maps), index $vi, cache $ce/$cb B"
fi
"$DNSWARD" flush --socket "$DW_TMP/control.sock" >/dev/null 2>&1
for _ in $(seq 1 50); do
	[ "$(dw_stat validator_cache_entries)" = 0 ] && [ "$(dw_stat verdicts_indexed)" = 0 ] && break
	sleep 0.1
done
ce=$(dw_stat validator_cache_entries) cb=$(dw_stat validator_cache_bytes) vi=$(dw_stat verdicts_indexed)
[ "$ce" = 0 ] && [ "$cb" = 0 ] && [ "$vi" = 0 ] && pass cache_gauges_follow_flush ||
	fail cache_gauges_follow_flush "after flush: cache $ce entries $cb B, index $vi"
finish
