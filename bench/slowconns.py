#!/usr/bin/env python3
"""slowconns.py: holds N hostile connections to berthd (idle: connect and
send nothing; slow: a request head at 1 byte/s that never ends) from A
loopback source addresses (127.0.0.2...), reopening any the server closes,
while a good client on 127.0.0.1 times GET /healthz and GET /v1/workspaces
on fresh connections. Prints one JSON line with the good client's
latencies (ms) and what the hostile side saw.

Usage: slowconns.py PORT KEY MODE(idle|slow|none) N ADDRS SECONDS [PID]
"""
import asyncio
import json
import socket
import sys
import threading
import time

port, key, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, naddr, secs = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
pid = int(sys.argv[7]) if len(sys.argv) > 7 else None
stats = {"opened": 0, "refused_status": {}, "closed_by_server": 0,
         "connect_errors": 0, "held_max": 0}
held = 0
stop = False


def rss_kb():
    if pid is None:
        return None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


async def hostile(i):
    global held
    src = "127.0.0.%d" % (2 + i % naddr)
    while not stop:
        try:
            r, w = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(src, 0))
        except OSError:
            stats["connect_errors"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["opened"] += 1
        held += 1
        stats["held_max"] = max(stats["held_max"], held)
        head = b"GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nX-Slow: " + \
            b"a" * 100000
        k = 0
        try:
            while not stop:
                if mode == "slow":
                    w.write(head[k:k + 1])
                    k += 1
                    await w.drain()
                try:
                    data = await asyncio.wait_for(r.read(4096), 1.0)
                except asyncio.TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 "):
                    st = data[9:12].decode()
                    stats["refused_status"][st] = \
                        stats["refused_status"].get(st, 0) + 1
                stats["closed_by_server"] += 1
                break
        except (OSError, ConnectionError):
            stats["closed_by_server"] += 1
        held -= 1
        w.close()


def get(path):
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Connection: close\r\n\r\n" % (path, key)).encode())
    d = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        d += b
    s.close()
    return (time.perf_counter() - t0) * 1000, d[9:12].decode()


def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(len(v) * p / 100))], 2) if v else None


def good(out):
    lat = {"/healthz": [], "/v1/workspaces": []}
    codes = {}
    errors = 0
    t_end = time.time() + secs
    while time.time() < t_end:
        for p in lat:
            try:
                ms, code = get(p)
                lat[p].append(ms)
                codes[code] = codes.get(code, 0) + 1
            except OSError:
                errors += 1
        time.sleep(0.01)
    for p, v in lat.items():
        out[p] = {"n": len(v), "p50": pct(v, 50), "p99": pct(v, 99),
                  "max": pct(v, 100)}
    out["codes"] = codes
    out["errors"] = errors


async def hold():
    """The hostile side, in its own process (no GIL shared with the good
    client); reports on stdin EOF."""
    global stop
    tasks = [asyncio.create_task(hostile(i)) for i in range(n)]
    loop = asyncio.get_running_loop()
    t0 = time.time()
    while held < n * 0.95 and time.time() - t0 < 30:
        await asyncio.sleep(0.2)
    print(json.dumps({"held": held}), flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    res = dict(stats)
    res["held_at_end"] = held
    stop = True
    for t in tasks:
        t.cancel()
    print(json.dumps(res), flush=True)


def main():
    import subprocess
    rss0 = rss_kb()
    res = {"mode": mode, "conns": n, "addrs": naddr}
    child = None
    if mode != "none":
        child = subprocess.Popen([sys.executable, sys.argv[0], str(port),
                                  key, "hold-" + mode, str(n), str(naddr),
                                  "0"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        res["held_before"] = json.loads(child.stdout.readline())["held"]
        time.sleep(1)
    rss1 = rss_kb()
    good(res)
    if child is not None:
        child.stdin.close()
        res["hostile"] = json.loads(child.stdout.readline())
        child.wait()
        if rss0 and rss1 and res["held_before"]:
            res["kb_per_conn"] = round((rss1 - rss0) /
                                       res["held_before"], 2)
    res.update(rss_kb_before=rss0, rss_kb_held=rss1)
    print(json.dumps(res))


if mode.startswith("hold-"):
    mode = mode[5:]
    asyncio.run(hold())
else:
    main()
