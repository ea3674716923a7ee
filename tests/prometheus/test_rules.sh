#!/usr/bin/env bash
# deploy/prometheus: `promtool check rules` passes on the alert rules and `promtool
# check config` on the scrape example; `promtool test rules` runs series that fire
# and series that do not fire each alert (dnsward-alerts.test.yml), and fails when
# the rules are weakened (every threshold raised: the tests notice). The Grafana
# dashboard is JSON with a query on every panel.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
command -v promtool >/dev/null || { skip prometheus_rules "promtool missing (make deps)"; finish; }
rules=deploy/prometheus/dnsward-alerts.yml
tests=tests/prometheus/dnsward-alerts.test.yml

out=$(promtool check rules "$rules" 2>&1) && pass promtool_check_rules ||
	fail promtool_check_rules "$out"
out=$(cd deploy/prometheus && promtool check config scrape-example.yml 2>&1) &&
	pass promtool_check_scrape_example || fail promtool_check_scrape_example "$out"

# Every alert has a test that expects it to fire and one that expects silence.
ok=1 why=
for a in $(sed -n 's/^ *- alert: //p' "$rules"); do
	fires=$(awk -v a="$a" '$1 == "alertname:" { cur = $2 } cur == a && /exp_labels/ { n++ } END { print n + 0 }' "$tests")
	quiet=$(awk -v a="$a" '$1 == "alertname:" { cur = $2 } cur == a && /exp_alerts: \[\]/ { n++ } END { print n + 0 }' "$tests")
	[ "$fires" -ge 1 ] && [ "$quiet" -ge 1 ] || { ok=0; why+="$a fires=$fires quiet=$quiet "; }
done
[ $ok = 1 ] && pass every_alert_tested_both_ways || fail every_alert_tested_both_ways "$why"

out=$(promtool test rules "$tests" 2>&1) && pass promtool_test_rules ||
	fail promtool_test_rules "$(grep -m 3 -E 'FAILED|alertname' <<<"$out")"

# Weakened rules (thresholds raised, waits lengthened) must fail the same tests.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/deploy/prometheus" "$tmp/tests/prometheus"
sed -e 's/> 0$/> 1000/' -e 's/== 0$/== 2/' -e 's/< 3 \* 86400/< 3600/' \
	-e 's/for: [0-9]*m/for: 60m/' "$rules" >"$tmp/$rules"
cp "$tests" "$tmp/$tests"
if ! cmp -s "$rules" "$tmp/$rules" && ! (cd "$tmp" && promtool test rules "$tests" >/dev/null 2>&1); then
	pass weakened_rules_fail_the_tests
else
	fail weakened_rules_fail_the_tests "promtool test rules passed on weakened rules"
fi

dash=deploy/grafana/dnsward-dashboard.json
out=$(/usr/bin/python3 - "$dash" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
bad = [p.get("title") for p in d["panels"] if not all(t.get("expr") for t in p.get("targets", [None]) if t is not None) or not p.get("targets")]
if not d["panels"] or bad:
    sys.exit("panels without a query: %s" % bad)
PY
) && pass grafana_dashboard_json || fail grafana_dashboard_json "$out"
finish
