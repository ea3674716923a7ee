"""Lab resolver front: answers on R1's addresses, forwards each query to the
backend Unbound and returns its reply, optionally late (--delay-ms) and
optionally stripped of DNSSEC (--strip: RRSIG, NSEC and NSEC3 removed from
every section, AD and DO cleared), like a resolver or middlebox that drops
signatures. UDP and TCP; the query bytes are forwarded unchanged, so IDs and
ports seen by the client are the real resolver's.

Usage: proxy.py --listen IP [--listen IP...] --backend IP --backend-port N
                [--delay-ms N] [--strip]
"""

import argparse
import socket
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.rdatatype

MAX_INFLIGHT = 64  # bounded worker threads; excess queries are dropped
BACKEND_TIMEOUT = 5.0
STRIP_TYPES = (dns.rdatatype.RRSIG, dns.rdatatype.NSEC, dns.rdatatype.NSEC3)

slots = threading.BoundedSemaphore(MAX_INFLIGHT)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def strip(wire):
    """The reply without DNSSEC records, AD and DO; unparsable replies pass."""
    try:
        msg = dns.message.from_wire(wire)
    except Exception as e:  # a reply the proxy cannot parse is passed on
        log("strip: unparsable reply (%s), passed unchanged" % e)
        return wire
    for section in (msg.answer, msg.authority, msg.additional):
        section[:] = [r for r in section if r.rdtype not in STRIP_TYPES]
    msg.flags &= ~dns.flags.AD
    if msg.edns >= 0:
        msg.ednsflags &= ~dns.flags.DO
    return msg.to_wire()


class Proxy:
    def __init__(self, args):
        self.args = args

    def ask_backend(self, query, tcp):
        fam = socket.AF_INET6 if ":" in self.args.backend else socket.AF_INET
        dst = (self.args.backend, self.args.backend_port)
        with socket.socket(fam, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as s:
            s.settimeout(BACKEND_TIMEOUT)
            if tcp:
                s.connect(dst)
                s.sendall(struct.pack("!H", len(query)) + query)
                hdr = recv_exact(s, 2)
                return recv_exact(s, struct.unpack("!H", hdr)[0])
            s.sendto(query, dst)
            return s.recvfrom(65535)[0]

    def answer(self, query, tcp):
        if self.args.delay_ms:
            time.sleep(self.args.delay_ms / 1000.0)
        reply = self.ask_backend(query, tcp)
        return strip(reply) if self.args.strip else reply

    def udp_one(self, sock, query, peer):
        try:
            sock.sendto(self.answer(query, False), peer)
        except Exception as e:
            log("udp %s: %s" % (peer[0], e))
        finally:
            slots.release()

    def serve_udp(self, sock):
        while True:
            query, peer = sock.recvfrom(65535)
            if not slots.acquire(blocking=False):
                log("udp %s: too many queries in flight, dropped" % peer[0])
                continue
            threading.Thread(target=self.udp_one, args=(sock, query, peer), daemon=True).start()

    def tcp_conn(self, conn, peer):
        try:
            conn.settimeout(10)
            for _ in range(100):  # bounded queries per connection
                hdr = recv_exact(conn, 2)
                if not hdr:
                    break
                query = recv_exact(conn, struct.unpack("!H", hdr)[0])
                reply = self.answer(query, True)
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except Exception as e:
            log("tcp %s: %s" % (peer[0], e))
        finally:
            conn.close()
            slots.release()

    def serve_tcp(self, sock):
        while True:
            conn, peer = sock.accept()
            if not slots.acquire(blocking=False):
                conn.close()
                continue
            threading.Thread(target=self.tcp_conn, args=(conn, peer), daemon=True).start()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            if buf:
                raise EOFError("connection closed mid-message")
            return b""
        buf += chunk
    return buf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", action="append", required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--backend-port", type=int, default=53)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--strip", action="store_true")
    args = ap.parse_args()
    proxy = Proxy(args)
    threads = []
    for addr in args.listen:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.bind((addr, 53))
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((addr, 53))
        t.listen(16)
        threads.append(threading.Thread(target=proxy.serve_udp, args=(u,), daemon=True))
        threads.append(threading.Thread(target=proxy.serve_tcp, args=(t,), daemon=True))
    for th in threads:
        th.start()
    log("proxy: listening on %s, backend %s:%d, delay %d ms, strip %s"
        % (",".join(args.listen), args.backend, args.backend_port, args.delay_ms, args.strip))
    for th in threads:
        th.join()


if __name__ == "__main__":
    main()
