# shellcheck shell=bash
# tests/e2e/debian_root.sh: Debian 12 roots made by debootstrap for the package and
# deployment suites, cached under build/pkgtest so only the first run downloads.
# debian_root_base makes build/pkgtest/bookworm (minbase); debian_root_python makes
# build/pkgtest/bookworm-python from it, with python3 and python3-apt (what Ansible's
# modules run with on a Debian host). Both print nothing and return 0 when the root is
# ready; otherwise DEBIAN_ROOT_ERR says why (the archive could not be reached).
# in_debian_root ROOT CMD...: run CMD in ROOT, bounded, with apt-get's environment.
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_ROOT_CACHE=$BUILD/pkgtest
DEBIAN_ROOT_ERR=

in_debian_root() {
	local root=$1
	shift
	timeout 600 chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

debian_root_base() {
	local root=$DEBIAN_ROOT_CACHE/bookworm
	[ -x "$root/usr/bin/apt-get" ] && return 0
	if ! curl -fsS -m 10 -o /dev/null "$DEBIAN_MIRROR/dists/bookworm/Release"; then
		DEBIAN_ROOT_ERR="Debian archive $DEBIAN_MIRROR unreachable"
		return 1
	fi
	mkdir -p "$DEBIAN_ROOT_CACHE" && rm -rf "$root.tmp"
	if ! timeout 900 debootstrap --variant=minbase bookworm "$root.tmp" "$DEBIAN_MIRROR" \
		>"$DEBIAN_ROOT_CACHE/debootstrap.log" 2>&1; then
		DEBIAN_ROOT_ERR="debootstrap failed (archive unreachable?): $(tail -1 "$DEBIAN_ROOT_CACHE/debootstrap.log")"
		return 1
	fi
	mv "$root.tmp" "$root"
}

debian_root_python() {
	local root=$DEBIAN_ROOT_CACHE/bookworm-python log=$DEBIAN_ROOT_CACHE/python.log
	[ -x "$root/usr/bin/python3" ] && return 0
	debian_root_base || return 1
	rm -rf "$root.tmp" && cp -a "$DEBIAN_ROOT_CACHE/bookworm" "$root.tmp"
	cp /etc/resolv.conf "$root.tmp/etc/resolv.conf" 2>/dev/null
	if ! { in_debian_root "$root.tmp" apt-get update -qq &&
		in_debian_root "$root.tmp" apt-get install -y -qq --no-install-recommends python3 python3-apt &&
		in_debian_root "$root.tmp" apt-get clean; } >"$log" 2>&1; then
		DEBIAN_ROOT_ERR="python3 in the root: $(tail -1 "$log")"
		rm -rf "$root.tmp"
		return 1
	fi
	mv "$root.tmp" "$root"
}
