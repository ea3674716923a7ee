"""A stub that asks several questions on one DNS-over-TCP connection, as a
client that keeps its connection open does (dig +keepopen), and waits before
a question until a file exists, so that a test can act between two of them.

Each question is sent after the previous answer was read (the next message
on the stream with the question's ID; messages with another ID are skipped,
as dig does). Output, per answer: its records as "name ttl class type rdata"
lines (dig's +noall +answer); "; no answer for NAME" when the stream ended
or --timeout passed first. Exit 0 when every question was answered, 1 when
not, 2 on bad usage.
"""

import argparse
import os
import select
import socket
import struct
import sys
import time

import dns.message
import dns.rdatatype

MAX_MESSAGES = 64  # messages read per question before giving up


def read_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return None
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def answer(sock, query, deadline):
    """The next message on the stream that answers query, or None."""
    for _ in range(MAX_MESSAGES):
        head = read_exact(sock, 2, deadline)
        if head is None:
            return None
        wire = read_exact(sock, struct.unpack("!H", head)[0], deadline)
        if wire is None:
            return None
        try:
            msg = dns.message.from_wire(wire)
        except Exception:
            print("; unparsable message of %d bytes skipped" % len(wire), flush=True)
            continue
        if msg.id == query.id:
            return msg
        print("; message with id %d skipped" % msg.id, flush=True)
    return None


def wait_file(path, deadline):
    while not os.path.exists(path):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def main():
    ap = argparse.ArgumentParser(prog="tcpask.py")
    ap.add_argument("--server", required=True)
    ap.add_argument("--timeout", type=float, default=4.0, help="seconds per question")
    ap.add_argument("--wait-file", help="before the last question, wait until this file exists")
    ap.add_argument("questions", nargs="+", metavar="NAME/TYPE")
    args = ap.parse_args()
    if not 0 < args.timeout <= 30 or len(args.questions) > 8:
        print("tcpask: --timeout in (0, 30], at most 8 questions", file=sys.stderr)
        return 2
    fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_STREAM)
    sock.settimeout(args.timeout)
    try:
        sock.connect((args.server, 53))
    except OSError as e:
        print("; cannot connect to %s: %s" % (args.server, e), flush=True)
        return 1
    ok = True
    for i, q in enumerate(args.questions):
        name, _, qtype = q.partition("/")
        if i == len(args.questions) - 1 and args.wait_file and i > 0:
            if not wait_file(args.wait_file, time.monotonic() + args.timeout):
                print("; %s did not appear" % args.wait_file, flush=True)
                return 1
        query = dns.message.make_query(name, dns.rdatatype.from_text(qtype or "A"))
        wire = query.to_wire()
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        msg = answer(sock, query, time.monotonic() + args.timeout)
        if msg is None:
            print("; no answer for %s" % name, flush=True)
            ok = False
            break
        for rrset in msg.answer:
            print(rrset.to_text(), flush=True)
    sock.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
