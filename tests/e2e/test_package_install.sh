#!/usr/bin/env bash
# make install into a DESTDIR: the files land under PREFIX, the man pages render without
# warnings and hold the CLI's commands and the configuration's keys, the unit follows the
# prefix, and the default configuration passes `dnsward policy check`.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if make -s --no-print-directory install PREFIX=/usr DESTDIR="$tmp/usr-root" >"$tmp/log" 2>&1; then
	pass install_runs
else
	fail install_runs "$(tail -3 "$tmp/log")"
fi
d=$tmp/usr-root
missing=""
for f in usr/sbin/dnsward usr/share/man/man8/dnsward.8 usr/share/man/man5/dnsward.yaml.5 \
	usr/lib/systemd/system/dnsward.service etc/dnsward/dnsward.yaml \
	usr/share/doc/dnsward/examples/bastion.yaml; do
	[ -f "$d/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass install_files_prefix_usr; else fail install_files_prefix_usr "missing:$missing"; fi
[ -x "$d/usr/sbin/dnsward" ] && out=$("$d/usr/sbin/dnsward" --version) && [ "$out" = "$("$DNSWARD" --version)" ] &&
	pass installed_binary_version || fail installed_binary_version "'${out:-}'"

if make -s --no-print-directory install DESTDIR="$tmp/local-root" >"$tmp/log2" 2>&1 &&
	[ -x "$tmp/local-root/usr/local/sbin/dnsward" ] &&
	grep -q '^ExecStart=/usr/local/sbin/dnsward run --config /usr/local/etc/dnsward/dnsward.yaml$' \
		"$tmp/local-root/usr/local/lib/systemd/system/dnsward.service" &&
	[ -f "$tmp/local-root/usr/local/etc/dnsward/dnsward.yaml" ]; then
	pass install_default_prefix_usr_local
else
	fail install_default_prefix_usr_local "$(tail -3 "$tmp/log2")"
fi

# An existing configuration is kept.
echo "# mine" >"$d/etc/dnsward/dnsward.yaml"
make -s --no-print-directory install PREFIX=/usr DESTDIR="$d" >/dev/null 2>&1
if [ "$(cat "$d/etc/dnsward/dnsward.yaml")" = "# mine" ]; then pass install_keeps_config; else fail install_keeps_config "overwritten"; fi

for m in "$d/usr/share/man/man8/dnsward.8" "$d/usr/share/man/man5/dnsward.yaml.5"; do
	n=$(basename "$m")
	w=$(groff -ww -man -z "$m" 2>&1)
	r=$(MANWIDTH=80 man -l "$m" 2>&1 >/dev/null)
	if [ -z "$w" ] && [ -z "$r" ] && MANWIDTH=80 man -l "$m" 2>/dev/null | grep -q NAME; then
		pass "man_renders_$n"
	else
		fail "man_renders_$n" "${w:-$r}"
	fi
done

# dnsward(8) names every command the binary lists.
txt=$(MANWIDTH=200 man -l "$d/usr/share/man/man8/dnsward.8" 2>/dev/null)
cmds=$("$DNSWARD" --help | awk '/^commands:/{c=1;next} c && !NF {exit} c {print $1}')
absent=""
for c in $cmds; do grep -qE "(^| )$c( |$)" <<<"$txt" || absent="$absent $c"; done
if [ -n "$cmds" ] && [ -z "$absent" ]; then pass man8_lists_every_command; else fail man8_lists_every_command "absent:$absent"; fi

# dnsward.yaml(5) names every key of docs/configuration.md's tables.
txt5=$(MANWIDTH=200 man -l "$d/usr/share/man/man5/dnsward.yaml.5" 2>/dev/null)
keys=$(grep -oE '^\| `[a-z_.]+`' docs/configuration.md | sed -E 's/^\| `(.*)`/\1/' | sort -u)
absent=""
for k in $keys; do grep -qE "(^|[] .])$k([ )]|$)" <<<"$txt5" || absent="$absent $k"; done
if [ "$(wc -w <<<"$keys")" -gt 30 ] && [ -z "$absent" ]; then pass man5_documents_every_key; else fail man5_documents_every_key "absent:$absent"; fi

out=$("$DNSWARD" policy check "$ROOT/deploy/config/dnsward.yaml" 2>&1); rc=$?
if [ $rc -eq 0 ]; then pass default_config_policy_check; else fail default_config_policy_check "rc=$rc $out"; fi
finish
