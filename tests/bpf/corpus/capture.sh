#!/usr/bin/env bash
# Captures real DNS replies (wire bytes) from the lab into tests/bpf/corpus/lab-*.bin
# for the differential test (tests/bpf/test_digest_diff.c). Uses a running lab
# read-only, or brings one up and down again; holds the lab lock throughout.
# Usage: tests/bpf/corpus/capture.sh
set -eu
cd "$(dirname "$0")/../../.."
out=tests/bpf/corpus
# The lab's lock convention (tests/lab/lib.sh): fd 207 on tests/lab, then DW_LAB_LOCKED=1.
exec 207<tests/lab
flock -w 600 207 || { echo "capture: the lab is busy" >&2; exit 1; }
export DW_LAB_LOCKED=1
started=
if ! env_file=$(tests/lab/env); then
	tests/lab/up >&2
	started=1
	env_file=$(tests/lab/env)
fi
trap '[ -n "$started" ] && tests/lab/down >&2' EXIT
. "$env_file"
ip netns exec "$NS_WORKLOAD" /usr/bin/python3 - "$out" "$RESOLVER_IP4" "$UPSTREAM_IP4" "$AUTH_CHILD_IP4" <<'PY'
import socket, sys
import dns.message, dns.flags, dns.rdatatype

out, r1, r2, auth = sys.argv[1:5]
queries = [
    ("idp.test", "A"), ("idp.test", "AAAA"), ("idp.test", "TXT"), ("www.idp.test", "A"),
    ("login.idp.test", "A"), ("_ldap._tcp.idp.test", "SRV"), ("x.wild.idp.test", "A"),
    ("X.Wild.IDP.test", "TXT"), ("rr.idp.test", "A"), ("nope.idp.test", "A"),
    ("www.idp.test", "MX"), ("idp.test", "SOA"), ("idp.test", "NS"), ("idp.test", "DNSKEY"),
    ("www.nsec3.test", "A"), ("nope.nsec3.test", "A"), ("big.idp.test", "TXT"),
]
n = 0
for server, do, cd, tag in ((r1, False, False, "r1"), (r2, True, True, "r2do"), (auth, True, False, "auth")):
    for name, rtype in queries:
        q = dns.message.make_query(name, rtype, want_dnssec=do, use_edns=0, payload=1232)
        if cd:
            q.flags |= dns.flags.CD
        if server == auth:
            q.flags &= ~dns.flags.RD
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3)
        try:
            s.sendto(q.to_wire(), (server, 53))
            wire = s.recv(4096)
        except OSError as e:
            print(f"capture: {tag} {name}/{rtype}: {e}", file=sys.stderr)
            continue
        finally:
            s.close()
        fn = f"{out}/lab-{tag}-{name.lower().replace('_', '')}-{rtype.lower()}.bin"
        with open(fn, "wb") as f:
            f.write(wire)
        n += 1
print(f"capture: {n} replies in {out}")
PY
