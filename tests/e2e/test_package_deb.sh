#!/usr/bin/env bash
# make deb: dpkg-buildpackage builds dnsward_<version>_<arch>.deb with the binary, man pages,
# unit, default configuration and examples; lintian reports no error; the package installs
# into a Debian 12 root made by debootstrap (chroot, apt-get against Debian's archive), runs
# `dnsward --version` and `dnsward policy check /etc/dnsward/dnsward.yaml` there, and purges
# cleanly. The root is cached in build/pkgtest/bookworm (debootstrap takes minutes once).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/debian_root.sh"
. "$(dirname "$0")/readme_block.sh"
cd "$ROOT" || exit 1
CHROOT=$DEBIAN_ROOT_CACHE/bookworm

for t in dpkg-buildpackage dh lintian debootstrap; do
	if ! command -v "$t" >/dev/null; then skip deb_build "$t not installed (make deps)"; finish; fi
done
if [ "$(id -u)" -ne 0 ]; then skip deb_install_chroot "needs root for chroot"; fi

log=$(mktemp); trap 'rm -f "$log"' EXIT
if make -s --no-print-directory deb >"$log" 2>&1; then
	deb=$(ls "$BUILD"/deb/dnsward_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)
fi
if [ -n "${deb:-}" ] && [ -f "$deb" ]; then pass deb_build; else fail deb_build "$(tail -5 "$log")"; finish; fi
echo "package: $deb" >&2

ver=$(dpkg-deb -f "$deb" Version)
if [[ "$(basename "$deb")" == "dnsward_${ver}_"*.deb ]] && [[ "$ver" =~ ^[0-9] ]]; then pass deb_version_name; else fail deb_version_name "$deb ($ver)"; fi

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
missing=""
for f in ./usr/sbin/dnsward ./usr/share/man/man8/dnsward.8.gz ./usr/share/man/man5/dnsward.yaml.5.gz \
	./lib/systemd/system/dnsward.service ./etc/dnsward/dnsward.yaml ./usr/share/doc/dnsward/examples/bastion.yaml \
	./usr/share/doc/dnsward/copyright; do
	grep -qxF "$f" <<<"$contents" || missing="$missing $f"
done
if [ -z "$missing" ]; then pass deb_contents; else fail deb_contents "missing:$missing"; fi
if dpkg-deb -e "$deb" "$log.ctl" 2>/dev/null && grep -qx /etc/dnsward/dnsward.yaml "$log.ctl/conffiles"; then
	pass deb_config_is_conffile
else
	fail deb_config_is_conffile "not in conffiles"
fi
rm -rf "$log.ctl"

lint=$(lintian "$deb" 2>&1 | grep -v 'root privileges')
if ! grep -q '^E: ' <<<"$lint"; then pass deb_lintian_no_errors; else fail deb_lintian_no_errors "$(grep '^E: ' <<<"$lint" | head -3 | tr '\n' ';')"; fi

[ "$(id -u)" -eq 0 ] || finish

debian_root_base || { skip deb_install_chroot "$DEBIAN_ROOT_ERR"; finish; }

in_root() { in_debian_root "$CHROOT" "$@"; }
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null
in_root dpkg --purge dnsward >/dev/null 2>&1 # a run cut short earlier
if in_root apt-get update -qq >"$log" 2>&1; then :; else
	skip deb_install_chroot "apt-get update in the root failed (archive unreachable?): $(tail -1 "$log")"
	finish
fi
# README's block, as a user runs it, with the root standing in for the host: sudo runs
# the command in the root (where ./build/deb holds the package); systemctl start, which
# needs a service manager a chroot lacks, checks that the package installed and enabled
# the unit (test_package_unit.sh verifies the unit itself).
block=$(readme_block package)
[ -n "$block" ] || { fail readme_package_block "no <!-- install: package --> block in README.md"; finish; }
mkdir -p "$CHROOT/build/deb" && cp "$deb" "$CHROOT/build/deb/"
export -f in_debian_root
export CHROOT
if timeout 300 bash -e -c '
	sudo() {
		if declare -F "$1" >/dev/null; then "$@"
		elif [ "$1" = apt-get ]; then shift; in_debian_root "$CHROOT" apt-get -y -qq --no-install-recommends "$@"
		else in_debian_root "$CHROOT" "$@"; fi
	}
	systemctl() { # the unit the package installed and enabled (a chroot runs no service manager)
		[ "$1" = start ] && [ -f "$CHROOT/lib/systemd/system/$2.service" ] &&
			[ -L "$CHROOT/etc/systemd/system/multi-user.target.wants/$2.service" ]
	}
	'"$block" >"$log" 2>&1 &&
	in_root dpkg-query -W -f='${Status}' dnsward | grep -q 'install ok installed'; then
	pass deb_install_chroot
	pass readme_package_block_runs
else
	fail readme_package_block_runs "$(tail -3 "$log" | tr '\n' ' ')"
	finish
fi
rm -rf "$CHROOT/build"

out=$(in_root dnsward --version 2>&1)
if [ "$out" = "dnsward $(cat "$BUILD/deb/dnsward-$ver/VERSION" 2>/dev/null)" ]; then pass deb_chroot_version; else fail deb_chroot_version "'$out'"; fi
out=$(in_root dnsward policy check /etc/dnsward/dnsward.yaml 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^policy [0-9a-f]\{64\} /etc/dnsward/dnsward.yaml' <<<"$out"; then
	pass deb_chroot_policy_check
else
	fail deb_chroot_policy_check "rc=$rc $out"
fi
if in_root man -w dnsward.yaml >/dev/null 2>&1 || [ -f "$CHROOT/usr/share/man/man5/dnsward.yaml.5.gz" ]; then pass deb_chroot_man; else fail deb_chroot_man "no dnsward.yaml(5)"; fi

if in_root apt-get purge -y -qq --autoremove dnsward >"$log" 2>&1 &&
	! in_root dpkg-query -W -f='${Status}' dnsward 2>/dev/null | grep -q installed &&
	[ ! -e "$CHROOT/usr/sbin/dnsward" ] && [ ! -e "$CHROOT/etc/dnsward" ] &&
	[ ! -e "$CHROOT/lib/systemd/system/dnsward.service" ]; then
	pass deb_purge_clean
else
	fail deb_purge_clean "$(tail -3 "$log"; ls -d "$CHROOT"/etc/dnsward "$CHROOT"/usr/sbin/dnsward 2>/dev/null)"
fi
finish
