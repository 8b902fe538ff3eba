#!/usr/bin/env python3
"""Scrape load for bench/exporter.sh: TOTAL GET /probe requests, CONCURRENCY at a time, over
new connections (as Prometheus's blackbox relabelling makes one scrape per target), the
targets taken in turn. Prints one JSON line: ok (200 answers with probe_success), other
statuses, wall seconds, probes per second, p50 and p99 latency in ms."""
import asyncio, json, sys, time

async def one(host, port, path, lat, counts):
    t0 = time.perf_counter()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
        w.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                "X-Prometheus-Scrape-Timeout-Seconds: 5\r\n\r\n".encode())
        data = await asyncio.wait_for(r.read(), 10)
        w.close()
        status = data[9:12].decode(errors="replace")
        if status == "200" and b"probe_success" in data:
            status = "ok"
    except Exception as e:
        status = type(e).__name__
    lat.append(time.perf_counter() - t0)
    counts[status] = counts.get(status, 0) + 1

async def main():
    addr, total, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    module, targets = sys.argv[4], sys.argv[5].split(",")
    host, port = addr.rsplit(":", 1)
    lat, counts, sem = [], {}, asyncio.Semaphore(conc)
    async def guarded(i):
        async with sem:
            await one(host, int(port), f"/probe?target={targets[i % len(targets)]}&module={module}", lat, counts)
    t0 = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(total)))
    wall = time.perf_counter() - t0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
    print(json.dumps({"ok": counts.pop("ok", 0), "other": counts, "wall_s": round(wall, 3),
                      "probes_per_s": round(total / wall, 1), "p50_ms": round(q(0.5), 2),
                      "p99_ms": round(q(0.99), 2)}))

asyncio.run(main())
