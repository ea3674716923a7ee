"""A stub resolver's view of one query: send it from a fixed ID and source
port, accept the first reply a typical stub accepts (from the server's address
and port 53, same ID, QR set, same question) and print it.

Output: "; sent id=N sport=P" as soon as the query is out, then for the
accepted reply "rcode RCODE flags FLAGS" and one line per answer RR.
Exit 0 on an accepted reply, 1 on timeout, 2 on bad usage.
"""

import argparse
import os
import random
import select
import socket
import sys
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


def main():
    ap = argparse.ArgumentParser(prog="tests/lab/query")
    ap.add_argument("qname")
    ap.add_argument("qtype", nargs="?", default="A")
    ap.add_argument("--server", help="default: R1 ($RESOLVER_IP4, or _IP6 with --ipv6)")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--port", type=int, default=53, help="the server's port")
    ap.add_argument("--id", type=int, default=None)
    ap.add_argument("--sport", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--dnssec", action="store_true", help="set DO")
    ap.add_argument("--cd", action="store_true", help="set CD")
    ap.add_argument("--any-question", action="store_true",
                    help="match replies by server, port and ID only, as musl's stub does")
    args = ap.parse_args()

    env_ip = "RESOLVER_IP6" if args.ipv6 else "RESOLVER_IP4"
    server = args.server or os.environ.get(env_ip)
    if not server:
        print("query: no server (--server or %s)" % env_ip, file=sys.stderr)
        return 2
    qid = args.id if args.id is not None else random.randint(0, 65535)
    if not 0 <= qid <= 65535:
        print("query: --id out of range", file=sys.stderr)
        return 2
    q = dns.message.make_query(args.qname, args.qtype, want_dnssec=args.dnssec)
    q.id = qid
    if args.cd:
        q.flags |= dns.flags.CD
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", args.sport or 0))
    sport = s.getsockname()[1]
    s.sendto(q.to_wire(), (server, args.port))
    print("; sent id=%d sport=%d" % (qid, sport), flush=True)

    deadline = time.monotonic() + args.timeout
    for _ in range(10000):  # bounded: at most this many datagrams looked at
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if not select.select([s], [], [], left)[0]:
            break
        wire, peer = s.recvfrom(65535)
        if socket.inet_pton(fam, peer[0]) != socket.inet_pton(fam, server) or peer[1] != args.port:
            continue
        try:
            r = dns.message.from_wire(wire)
        except Exception:
            continue
        if r.id != qid or not (r.flags & dns.flags.QR):
            continue
        if not args.any_question and r.question != q.question:
            continue
        print("rcode %s flags %s" % (dns.rcode.to_text(r.rcode()), dns.flags.to_text(r.flags)))
        for rrset in r.answer:
            print(rrset.to_text())
        return 0
    print("; timeout after %.1f s" % args.timeout, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
