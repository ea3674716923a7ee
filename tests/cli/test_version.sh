#!/usr/bin/env bash
# dnsward --version / dnsward version: the build's version string, from `git describe`
# in a clone or the VERSION file in a tarball; the generated header changes only with it.
. "$(dirname "$0")/../lib.sh"

want=$(sed -n 's/^#define DNSWARD_VERSION "\(.*\)"$/\1/p' "$BUILD/version.h" 2>/dev/null)
out=$("$DNSWARD" --version 2>&1); rc=$?
if [ $rc -eq 0 ] && [ -n "$want" ] && [ "$out" = "dnsward $want" ]; then
	pass version_flag
else
	fail version_flag "rc=$rc out='$out' header='$want'"
fi

out2=$("$DNSWARD" version 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out2" = "$out" ]; then pass version_subcommand; else fail version_subcommand "rc=$rc out='$out2'"; fi

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	described=$(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null)
	# The tree may change between the build and the test (-dirty); the commit part must match.
	if [ "${want%-dirty}" = "${described%-dirty}" ]; then pass version_from_git_describe
	else fail version_from_git_describe "built '$want', git describe '$described'"; fi
else
	skip version_from_git_describe "no .git"
fi

if "$DNSWARD" --help | grep -q -- '--version'; then pass version_in_help; else fail version_in_help "not in --help"; fi

# The VERSION file is used when there is no git repository (a release tarball).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$ROOT/Makefile" "$tmp/" && echo "9.8.7" >"$tmp/VERSION"
if (cd "$tmp" && GIT_DIR=/nonexistent GIT_CEILING_DIRECTORIES=/ make -s --no-print-directory build/version.h >/dev/null 2>&1) &&
	grep -q '^#define DNSWARD_VERSION "9.8.7"$' "$tmp/build/version.h"; then
	pass version_from_file_without_git
else
	fail version_from_file_without_git "$(cat "$tmp/build/version.h" 2>&1)"
fi

# Regenerating with the same string leaves the header untouched (nothing relinks).
before=$(stat -c %Y.%y "$tmp/build/version.h")
sleep 1
(cd "$tmp" && GIT_DIR=/nonexistent make -s --no-print-directory build/version.h >/dev/null 2>&1)
after=$(stat -c %Y.%y "$tmp/build/version.h")
if [ "$before" = "$after" ]; then pass version_header_stable; else fail version_header_stable "rewritten"; fi
echo "9.8.8" >"$tmp/VERSION"
(cd "$tmp" && GIT_DIR=/nonexistent make -s --no-print-directory build/version.h >/dev/null 2>&1)
if grep -q '"9.8.8"' "$tmp/build/version.h"; then pass version_header_follows_change; else fail version_header_follows_change "not updated"; fi
finish
