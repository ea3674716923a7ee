#!/usr/bin/env bash
# deploy/kubernetes/image.sh BINARY OUTDIR VERSION: the dnsward image, built with buildah
# from scratch (no base image is pulled): the binary, the shared libraries it links (as
# ldd resolves them on the build host), the root trust anchor from dns-root-data and the
# CA bundle (DNS over TLS upstreams). Writes OUTDIR/dnsward-VERSION.tar (an OCI archive:
# `skopeo copy oci-archive:... docker://REGISTRY/dnsward:VERSION`, or `buildah push`) and
# OUTDIR/rootfs (the same files, for the lab test). buildah's storage lives in
# OUTDIR/storage, not in /var/lib/containers.
set -euo pipefail
bin=$1 out=$2 version=$3
bah() { buildah --root "$out/storage" --runroot "$out/run" --storage-driver vfs "$@"; }

rm -rf "$out/rootfs" "$out/dnsward-$version.tar" && mkdir -p "$out/rootfs"
r=$out/rootfs
install -D -m 0755 "$bin" "$r/usr/sbin/dnsward"
# Every library and the dynamic loader, at the paths the binary asks for.
ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | while read -r lib; do
	install -D -m 0755 "$(readlink -f "$lib")" "$r$lib"
done
for f in /usr/share/dns/root.ds /usr/share/dns/root.key /etc/ssl/certs/ca-certificates.crt; do
	[ -f "$f" ] && install -D -m 0644 "$f" "$r$f"
done
mkdir -p "$r/etc/dnsward" "$r/run/dnsward" "$r/sys/fs/bpf" "$r/tmp" "$r/proc"
chmod 1777 "$r/tmp"

ctr=$(bah from scratch)
trap 'bah rm "$ctr" >/dev/null 2>&1 || true' EXIT
bah copy "$ctr" "$r/" /
bah config --entrypoint '["/usr/sbin/dnsward"]' \
	--cmd '["run", "--config", "/etc/dnsward/dnsward.yaml", "--keep-pinned"]' \
	--stop-signal SIGTERM --label org.opencontainers.image.title=dnsward \
	--label org.opencontainers.image.version="$version" "$ctr"
bah commit --quiet --rm "$ctr" "dnsward:$version" >/dev/null
trap - EXIT
bah push --quiet "dnsward:$version" "oci-archive:$out/dnsward-$version.tar:dnsward:$version"
bah rmi "dnsward:$version" >/dev/null
echo "$out/dnsward-$version.tar"
