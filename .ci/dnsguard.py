#!/usr/bin/env python3
"""The resolver guard's nameserver: CI runs the whole test suite in a namespace whose
resolv.conf points here, so any lookup a test makes outside a lab of its own lands here
instead of at the host's nameserver.

Listens on UDP and TCP port 53 of --addr (the guard namespace's loopback), answers every
query REFUSED (copying its id and question, RFC 1035 section 4.1), and appends one line per
query to --log: "QNAME TYPE". No test may send one; .ci/run fails when the log is not empty.
Prints "ready" on stderr once bound; ends on SIGTERM or after --seconds.
"""
import argparse
import select
import socket
import struct
import sys
import time

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
         33: "SRV", 64: "SVCB", 65: "HTTPS"}


def parse(q):
    """(name, type, question bytes) of a query's first question, or None."""
    if len(q) < 12:
        return None
    i, labels = 12, []
    while i < len(q) and q[i] != 0:
        n = q[i]
        if n & 0xC0 or i + 1 + n > len(q):
            return None
        labels.append(q[i + 1:i + 1 + n].decode("ascii", "backslashreplace"))
        i += 1 + n
    end = i + 1 + 4
    if end > len(q):
        return None
    qtype = struct.unpack("!H", q[end - 4:end - 2])[0]
    return ".".join(labels) + ".", TYPES.get(qtype, str(qtype)), q[12:end]


def refuse(q, log):
    p = parse(q)
    with open(log, "a") as f:
        f.write(f"{p[0]} {p[1]}\n" if p else f"(unparsed query of {len(q)} bytes)\n")
    if not p:
        return None
    (qid, flags) = struct.unpack("!HH", q[:4])
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | (flags & 0x0100) | 0x0080 | 5, 1, 0, 0, 0)
    return hdr + p[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--log", required=True)
    ap.add_argument("--seconds", type=float, default=6 * 3600)
    args = ap.parse_args()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.addr, 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.addr, 53))
    tcp.listen(16)
    open(args.log, "a").close()
    print("ready", file=sys.stderr, flush=True)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        r, _, _ = select.select([udp, tcp], [], [], 1.0)
        if udp in r:
            q, peer = udp.recvfrom(4096)
            reply = refuse(q, args.log)
            if reply:
                udp.sendto(reply, peer)
        if tcp in r:
            c, _ = tcp.accept()
            c.settimeout(2.0)
            try:
                head = c.recv(2)
                if len(head) == 2:
                    n = struct.unpack("!H", head)[0]
                    q = b""
                    while len(q) < n:
                        part = c.recv(n - len(q))
                        if not part:
                            break
                        q += part
                    reply = refuse(q, args.log)
                    if reply:
                        c.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass
            finally:
                c.close()


if __name__ == "__main__":
    main()
