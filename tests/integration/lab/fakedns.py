#!/usr/bin/env python3
"""A nameserver that misbehaves on purpose, for the lab (run inside a test's own namespace).

--mode silent    reads every query and never answers
--mode servfail  answers every query SERVFAIL
--mode refused   answers every query REFUSED
--mode answer    answers A queries with --a ADDR (TTL --ttl, default 60), anything else
                 NODATA, after --delay milliseconds
--mode alternate answers the A queries with each address of --a ADDR,ADDR,... in turn (a
                 rebinding name: --ttl 0 so that no cache keeps one), anything else NODATA

Answers copy the query's id and question (RFC 1035 section 4.1); nothing else is parsed.
Ends by itself after --seconds. Prints "ready" on stderr once bound.
"""
import argparse
import heapq
import select
import socket
import struct
import sys
import time

RCODES = {"servfail": 2, "refused": 5}


def question_end(q):
    """Offset just past the question section's first entry (name, type, class)."""
    i = 12
    while i < len(q) and q[i] != 0:
        i += 1 + q[i]
    return i + 1 + 4


def answer(q, mode, a, ttl):
    if len(q) < 12:
        return None
    (qid, flags) = struct.unpack("!HH", q[:4])
    end = question_end(q)
    if end > len(q):
        return None
    question = q[12:end]
    rd = flags & 0x0100
    if mode in RCODES:
        hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0080 | rd | RCODES[mode], 1, 0, 0, 0)
        return hdr + question
    qtype = struct.unpack("!H", q[end - 4:end - 2])[0]
    if qtype == 1 and a:
        rr = struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + socket.inet_aton(a)
        hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0080 | rd, 1, 1, 0, 0)
        return hdr + question + rr
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0080 | rd, 1, 0, 0, 0)
    return hdr + question


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--addr", default="127.0.0.3")
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--mode", choices=["silent", "servfail", "refused", "answer", "alternate"], required=True)
    p.add_argument("--a", default=None)
    p.add_argument("--ttl", type=int, default=60)
    p.add_argument("--delay", type=float, default=0.0, help="milliseconds")
    p.add_argument("--seconds", type=float, default=120.0)
    args = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    print("ready", file=sys.stderr, flush=True)
    end = time.monotonic() + args.seconds
    pending = []  # (due, seq, reply, peer)
    seq = 0
    addrs = args.a.split(",") if args.a else []
    turn = 0  # the next address an A query gets (--mode alternate)
    while time.monotonic() < end:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, reply, peer = heapq.heappop(pending)
            s.sendto(reply, peer)
        wait = min(end - now, (pending[0][0] - now) if pending else 0.5)
        r, _, _ = select.select([s], [], [], max(wait, 0.0))
        if not r:
            continue
        q, peer = s.recvfrom(4096)
        if args.mode == "silent":
            continue
        a = addrs[0] if addrs else None
        if args.mode == "alternate" and addrs and len(q) > 12:
            qend = question_end(q)
            if qend <= len(q) and struct.unpack("!H", q[qend - 4:qend - 2])[0] == 1:
                a = addrs[turn % len(addrs)]
                turn += 1
        reply = answer(q, args.mode, a, args.ttl)
        if reply is None:
            continue
        seq += 1
        heapq.heappush(pending, (time.monotonic() + args.delay / 1000.0, seq, reply, peer))


if __name__ == "__main__":
    main()
