"""Per-query round trip from the workload to its resolver, for bench_daemon:
queries COUNT distinct names (PREFIX<i>.SUFFIX, type A, i from FIRST, default 0)
one after another and prints "p50_us p99_us answered" on one line. BEFORE, if
given (and not "-"), is a command run (untimed) before each query.

With PAIR_SUFFIX, each name is preceded by its twin PREFIX<i>.PAIR_SUFFIX (a
name the resolver answers the same way but dnsward does not hold), timed
alone, and the line gets three more fields: "base_p50_us diff_p50_us
diff_p99_us", the percentiles of the per-name differences (held minus twin):
paired, so drift in the machine's load between two runs does not enter the
figure. After BEFORE, one untimed query of the twin absorbs what the command
left behind (a fork's page faults). Bounded: COUNT <= 2000, a 3 s timeout per
query."""
import subprocess
import sys
import time

import dns.message
import dns.query


def rtt(server, name):
    """Microseconds and whether the answer section is non-empty, or None on timeout."""
    q = dns.message.make_query(name, "A")
    t0 = time.perf_counter()
    try:
        r = dns.query.udp(q, server, timeout=3)
    except Exception:
        return None
    return (time.perf_counter() - t0) * 1e6, bool(r.answer)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, len(v) * p // 100)] if v else 0.0


def main():
    server, prefix, suffix, count = sys.argv[1], sys.argv[2], sys.argv[3], min(int(sys.argv[4]), 2000)
    first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    before = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != "-" else None
    pair = sys.argv[7] if len(sys.argv) > 7 else None
    rtts, bases, diffs, answered = [], [], [], 0
    for i in range(first, first + count):
        if before:
            subprocess.run(before, shell=True, timeout=10, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = None
        if pair:
            twin = "%s%d.%s" % (prefix, i, pair)
            if before:
                rtt(server, twin)
            base = rtt(server, twin)
        got = rtt(server, "%s%d.%s" % (prefix, i, suffix))
        if got is None:
            continue
        rtts.append(got[0])
        answered += 1 if got[1] else 0
        if base is not None:
            bases.append(base[0])
            diffs.append(got[0] - base[0])
    line = "%.1f %.1f %d" % (pct(rtts, 50), pct(rtts, 99), answered)
    if pair:
        line += " %.1f %.1f %.1f" % (pct(bases, 50), pct(diffs, 50), pct(diffs, 99))
    print(line)


main()
