"""A stub resolver's view of one query: send it from a fixed ID and source
port, accept the first reply a typical stub accepts (from the server's address
and port 53, same ID, QR set, same question) and print it.

Output: "; sent id=N sport=P" as soon as the query is out, then for the
accepted reply "rcode RCODE flags FLAGS" and one line per answer RR.
Exit 0 on an accepted reply, 1 on timeout, 2 on bad usage.
"""

import argparse
import ctypes
import os
import random
import select
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype


RDATA_NAME_AT = {64: "SVCB", 65: "HTTPS", 35: "NAPTR"}


class LibcReader:
    """A reply as a glibc client reads it: fixed fields by hand, names with
    dn_expand (libc.so.6 since glibc 2.34), which follows a compression pointer
    whichever way it goes."""

    def __init__(self, wire):
        self.wire = wire
        self.buf = ctypes.create_string_buffer(wire, len(wire))
        self.base = ctypes.addressof(self.buf)
        self.expand = ctypes.CDLL("libc.so.6").dn_expand
        self.expand.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]

    def name(self, off):
        """(bytes the name takes in place, its text), or (-1, None)."""
        out = ctypes.create_string_buffer(1025)
        n = self.expand(self.base, self.base + len(self.wire), self.base + off, out, len(out))
        return (n, out.value.decode("ascii", "replace")) if n >= 0 else (-1, None)

    def rdata_name(self, rtype, rd, rdlen):
        """The name inside an HTTPS, SVCB or NAPTR rdata at rd, or None."""
        if rtype == 35:
            p = rd + 4
            for _ in range(3):  # flags, services, regexp
                if p >= rd + rdlen:
                    return None
                p += 1 + self.wire[p]
        else:
            p = rd + 2
        return self.name(p)[1] if p < rd + rdlen else None

    def read(self, qid, qname, qtype):
        """("rcode R flags F", ["name OWNER TYPE TTL NAME", ...]) for a reply to
        (qid, qname, qtype), or None when a glibc stub would not take it."""
        w = self.wire
        if len(w) < 12:
            return None
        rid, flags, qd, an = struct.unpack("!HHHH", w[:8])
        n, name = self.name(12)
        if rid != qid or not flags & 0x8000 or qd != 1 or n < 0 or len(w) < 12 + n + 4:
            return None
        if name.lower().rstrip(".") != qname.lower().rstrip(".") or struct.unpack("!H", w[12 + n:14 + n])[0] != qtype:
            return None
        off, lines = 12 + n + 4, []
        for _ in range(an):
            n, owner = self.name(off)
            if n < 0 or off + n + 10 > len(w):
                return None
            rtype, _, ttl, rdlen = struct.unpack("!HHIH", w[off + n:off + n + 10])
            rd = off + n + 10
            if rd + rdlen > len(w):
                return None
            if rtype in RDATA_NAME_AT:
                lines.append("name %s %s %d %s" % (owner, RDATA_NAME_AT[rtype], ttl, self.rdata_name(rtype, rd, rdlen)))
            off = rd + rdlen
        head = "rcode %s flags %s" % (dns.rcode.to_text(flags & 0xF), dns.flags.to_text(flags))
        return head, lines


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
    ap.add_argument("--libc-names", action="store_true",
                    help="read the reply as glibc does and print the names inside HTTPS, SVCB and NAPTR rdata")
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
        if args.libc_names:
            seen = LibcReader(wire).read(qid, args.qname, q.question[0].rdtype)
            if seen:
                print(seen[0])
                print("\n".join(seen[1]))
                return 0
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
