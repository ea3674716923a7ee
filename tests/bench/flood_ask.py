"""The workload's side of tests/bench/flood: ask N new names under a wildcard
(PREFIX-<i>-<random>.ZONE, each name asked once), spread evenly over SECONDS, one
UDP query each with no retry, as a stub with a short timeout would; count the
replies that carry the expected address. Run in the workload's namespace with
Debian's python3 (dnspython).

Output, one line: "asked N got G wrong W lost L p50_ms P p99_ms Q".
"""

import argparse
import random
import sys
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype


def ask(server, name, want, timeout, out, i):
    q = dns.message.make_query(name, "A")
    t0 = time.monotonic()
    try:
        r = dns.query.udp(q, server, timeout=timeout, ignore_unexpected=True)
    except (dns.exception.Timeout, OSError):
        out[i] = ("lost", None)
        return
    addrs = {rd.to_text() for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset}
    out[i] = ("got" if addrs == {want} else "wrong", (time.monotonic() - t0) * 1000.0)


def main():
    ap = argparse.ArgumentParser(prog="flood_ask.py")
    ap.add_argument("server")
    ap.add_argument("zone", help="the wildcard's parent, e.g. wild.idp.test")
    ap.add_argument("want", help="the address the wildcard holds")
    ap.add_argument("--names", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--prefix", default="w")
    a = ap.parse_args()
    if not 1 <= a.names <= 5000 or not 0 < a.seconds <= 60:
        print("flood_ask.py: --names must be 1..5000 and --seconds 0..60", file=sys.stderr)
        return 2
    tag = "%06x" % random.getrandbits(24)
    out = [("lost", None)] * a.names
    threads = []
    t0 = time.monotonic()
    for i in range(a.names):
        delay = t0 + i * a.seconds / a.names - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        name = "%s%d-%s.%s" % (a.prefix, i, tag, a.zone)
        t = threading.Thread(target=ask, args=(a.server, name, a.want, a.timeout, out, i))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(a.timeout + 2)
    counts = {k: sum(1 for s, _ in out if s == k) for k in ("got", "wrong", "lost")}
    ms = sorted(m for s, m in out if s == "got")

    def pct(p):
        return "%.1f" % ms[min(len(ms) - 1, int(p * len(ms)))] if ms else "-"

    print("asked %d got %d wrong %d lost %d p50_ms %s p99_ms %s" % (
        a.names, counts["got"], counts["wrong"], counts["lost"], pct(0.50), pct(0.99)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
