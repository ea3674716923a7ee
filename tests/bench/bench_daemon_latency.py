"""Per-query round trip from the workload to its resolver, for bench_daemon:
queries COUNT distinct names (PREFIX<i>.SUFFIX, type A, i from FIRST, default 0)
one after another and prints "p50_us p99_us answered" on one line. BEFORE, if
given, is a command run (untimed) before each query. Bounded: COUNT <= 2000, a 3 s
timeout per query."""
import subprocess
import sys
import time

import dns.message
import dns.query


def main():
    server, prefix, suffix, count = sys.argv[1], sys.argv[2], sys.argv[3], min(int(sys.argv[4]), 2000)
    first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    before = sys.argv[6] if len(sys.argv) > 6 else None
    rtts, answered = [], 0
    for i in range(first, first + count):
        if before:
            subprocess.run(before, shell=True, timeout=10, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        q = dns.message.make_query("%s%d.%s" % (prefix, i, suffix), "A")
        t0 = time.perf_counter()
        try:
            r = dns.query.udp(q, server, timeout=3)
        except Exception:
            continue
        rtts.append((time.perf_counter() - t0) * 1e6)
        answered += 1 if r.answer else 0
    rtts.sort()
    if not rtts:
        print("0 0 0")
        return
    print("%.1f %.1f %d" % (rtts[len(rtts) // 2], rtts[min(len(rtts) - 1, len(rtts) * 99 // 100)], answered))


main()
