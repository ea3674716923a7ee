#!/usr/bin/env bash
# deploy/systemd/dnsward.service: systemd-analyze verify passes on the installed unit, and
# systemd-analyze security --offline scores its exposure at or below 4.0 (printed); the
# hardening the docs promise is present and the capabilities are the daemon's own set.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
unit=deploy/systemd/dnsward.service
MAX_EXPOSURE=4.0

if ! command -v systemd-analyze >/dev/null; then
	skip unit_verify "systemd-analyze not installed (package systemd)"
	finish
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Installed under a prefix of its own, so the unit's ExecStart and man: links are real.
if make -s --no-print-directory install PREFIX="$tmp/usr" SYSCONFDIR="$tmp/etc" >"$tmp/log" 2>&1; then
	out=$(MANPATH=$tmp/usr/share/man systemd-analyze verify "$tmp/usr/lib/systemd/system/dnsward.service" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then pass unit_verify; else fail unit_verify "rc=$rc $out"; fi
else
	fail unit_verify "make install: $(tail -3 "$tmp/log")"
fi

out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1)
score=$(sed -n 's/.*Overall exposure level for dnsward.service: \([0-9.]*\).*/\1/p' <<<"$out")
echo "exposure: ${score:-none} (limit $MAX_EXPOSURE)" >&2
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN{exit !(s <= m)}'; then
	pass unit_security_exposure
else
	fail unit_security_exposure "score '${score:-none}' above $MAX_EXPOSURE or not reported: $(tail -2 <<<"$out")"
fi

missing=""
for d in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	'RestrictAddressFamilies=' 'SystemCallFilter=' 'ReadWritePaths=/sys/fs/bpf' \
	StateDirectory=dnsward LogsDirectory=dnsward RuntimeDirectory=dnsward Restart=on-failure \
	'ExecReload=/usr/sbin/dnsward reload --config /etc/dnsward/dnsward.yaml'; do
	grep -q "^$d" "$unit" || missing="$missing $d"
done
if [ -z "$missing" ]; then pass unit_hardening_present; else fail unit_hardening_present "missing:$missing"; fi

# The bounding set is what user/daemon/caps.c keeps: no more (least privilege), no less
# (its capset would fail).
kept=$(sed -n 's/^static const int kept\[\] = {\(.*\)};/\1/p' user/daemon/caps.c | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ' ')
unitcaps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
if [ -n "$kept" ] && [ "$kept" = "$unitcaps" ]; then pass unit_caps_match_daemon; else fail unit_caps_match_daemon "caps.c '$kept' unit '$unitcaps'"; fi
if grep -q '^AmbientCapabilities=$' "$unit" && ! grep -q '^User=' "$unit"; then pass unit_no_ambient_caps; else fail unit_no_ambient_caps "ambient capabilities granted"; fi
finish
