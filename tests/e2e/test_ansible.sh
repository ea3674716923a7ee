#!/usr/bin/env bash
# The Ansible role (deploy/ansible): --syntax-check and ansible-lint (production profile)
# are clean; README's Ansible block, run against a Debian 12 root (debootstrap, Ansible's
# community.general.chroot connection, service management off), installs the package and
# writes the configuration from variables; a second run changes nothing; a new value
# replaces the file and keeps the old one; a value `dnsward policy check` refuses fails
# the play, leaves the file as it was and notifies no handler; dnsward_rollback=true
# puts the replaced file back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/debian_root.sh"
. "$(dirname "$0")/readme_block.sh"
cd "$ROOT" || exit 1
PLAYDIR=$ROOT/deploy/ansible
TROOT=$DEBIAN_ROOT_CACHE/ansible-root

for t in ansible-playbook ansible-lint; do
	command -v "$t" >/dev/null || { skip ansible "$t not installed (make deps)"; finish; }
done

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Lint and syntax need no root.
out=$(cd "$PLAYDIR" && ansible-playbook --syntax-check site.yml 2>&1) &&
	pass ansible_syntax_check || fail ansible_syntax_check "$(tail -3 <<<"$out")"
out=$(cd "$PLAYDIR" && timeout 300 ansible-lint --offline --profile production --nocolor 2>&1) &&
	grep -q '0 failure(s), 0 warning(s)' <<<"$out" && pass ansible_lint_clean ||
	fail ansible_lint_clean "$(grep -v '^$' <<<"$out" | tail -5 | tr '\n' ' ')"

[ "$(id -u)" -eq 0 ] || { skip ansible_chroot_run "needs root for chroot"; finish; }
ansible-doc -t connection community.general.chroot >/dev/null 2>&1 ||
	{ skip ansible_chroot_run "community.general is not installed (Debian's ansible package has it)"; finish; }
debian_root_python || { skip ansible_chroot_run "$DEBIAN_ROOT_ERR"; finish; }
rm -rf "$TROOT" && cp -a "$DEBIAN_ROOT_CACHE/bookworm-python" "$TROOT"
cp /etc/resolv.conf "$TROOT/etc/resolv.conf" 2>/dev/null

# The chroot stands in for a host: its own inventory, the test's values in host_vars
# (which take precedence over the playbook's group_vars).
mkdir -p "$tmp/inv/host_vars"
cat >"$tmp/inv/hosts" <<EOT
[dnsward]
testroot ansible_host=$TROOT ansible_connection=community.general.chroot ansible_python_interpreter=/usr/bin/python3
EOT
host_vars() {
	cat >"$tmp/inv/host_vars/testroot.yml" <<EOT
ansible_become: false
dnsward_manage_service: false
dnsward_interfaces: [{name: eth0, hook: xdp}]
dnsward_limits: {verdict_cache: $1, heartbeat_timeout: 5s}
dnsward_metrics_listen: "127.0.0.1:9553"
EOT
}
export ANSIBLE_INVENTORY=$tmp/inv/hosts ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
play() { (cd "$PLAYDIR" && time timeout 300 ansible-playbook site.yml -e dnsward_package_file="$(ls "$BUILD"/deb/dnsward_*_amd64.deb)" "$@"); }
recap() { grep -E '^testroot +:' "$1"; }
changed() { recap "$1" | sed -nE 's/.* changed=([0-9]+).*/\1/p'; }
cfg=$TROOT/etc/dnsward/dnsward.yaml

# 1. README's block, as a user runs it.
host_vars 131072
block=$(readme_block ansible)
[ -n "$block" ] || { fail readme_ansible_block "no <!-- install: ansible --> block in README.md"; finish; }
if timeout 540 bash -e -c "$block" >"$tmp/run1" 2>&1 && recap "$tmp/run1" | grep -q 'failed=0'; then
	pass readme_ansible_block_runs
else
	fail readme_ansible_block_runs "$(tail -5 "$tmp/run1" | tr '\n' ' ')"
	finish
fi
v=$(in_debian_root "$TROOT" dnsward --version 2>&1)
[ "$v" = "dnsward $(cat "$BUILD"/deb/dnsward-*/VERSION 2>/dev/null)" ] && in_debian_root "$TROOT" dpkg-query -W -f='${Status}' dnsward |
	grep -q 'install ok installed' && pass ansible_installs_package || fail ansible_installs_package "'$v'"
if grep -q 'verdict_cache: 131072' "$cfg" && grep -q 'name: eth0' "$cfg" &&
	in_debian_root "$TROOT" dnsward policy check /etc/dnsward/dnsward.yaml >/dev/null 2>&1; then
	pass ansible_config_from_variables
else
	fail ansible_config_from_variables "$(head -20 "$cfg" | tr '\n' ' ')"
fi
grep -q 'RUNNING HANDLER \[dnsward : Reload dnsward\]' "$tmp/run1" && pass ansible_change_notifies_reload ||
	fail ansible_change_notifies_reload "no handler after the first write"

# 2. The same values again: nothing changes, nothing is reloaded.
play >"$tmp/run2" 2>&1
c=$(changed "$tmp/run2")
if [ "$c" = 0 ] && recap "$tmp/run2" | grep -q 'failed=0' && ! grep -q 'RUNNING HANDLER' "$tmp/run2"; then
	pass ansible_second_run_changed_0
else
	fail ansible_second_run_changed_0 "$(recap "$tmp/run2")"
fi

# 3. A new value replaces the file; the replaced one is kept for a rollback.
first=$(cat "$cfg")
host_vars 262144
play >"$tmp/run3" 2>&1
if [ "$(changed "$tmp/run3")" -gt 0 ] && grep -q 'verdict_cache: 262144' "$cfg" &&
	[ "$(cat "$cfg.previous")" = "$first" ] && ! ls "$TROOT"/etc/dnsward/dnsward.yaml.*@* >/dev/null 2>&1; then
	pass ansible_change_keeps_previous
else
	fail ansible_change_keeps_previous "$(recap "$tmp/run3")"
fi
second=$(cat "$cfg")

# 4. A value policy check refuses (verdict_cache below its 1024 minimum): the play fails
# at the template, the file stays, no handler is notified.
host_vars 12
play >"$tmp/run4" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'failed to validate' "$tmp/run4" && grep -q 'verdict_cache' "$tmp/run4" &&
	[ "$(cat "$cfg")" = "$second" ] && [ "$(cat "$cfg.previous")" = "$first" ] &&
	! grep -q 'RUNNING HANDLER' "$tmp/run4"; then
	pass ansible_bad_config_refused_old_kept
else
	fail ansible_bad_config_refused_old_kept "rc=$rc $(grep -m1 -E 'fatal|msg' "$tmp/run4")"
fi

# 5. Roll back: the replaced file returns, checked, and the handler is notified.
play -e dnsward_rollback=true >"$tmp/run5" 2>&1
if recap "$tmp/run5" | grep -q 'failed=0' && [ "$(cat "$cfg")" = "$first" ] &&
	[ "$(cat "$cfg.previous")" = "$second" ] && grep -q 'RUNNING HANDLER' "$tmp/run5"; then
	pass ansible_rollback_restores_previous
else
	fail ansible_rollback_restores_previous "$(recap "$tmp/run5") $(grep -m1 fatal "$tmp/run5")"
fi
rm -rf "$TROOT"
finish
