#!/usr/bin/env python3
"""flood.py PORT SECONDS IDLE STALLED ADDRS: holds IDLE silent TCP
connections and STALLED ones stopped mid key exchange (banner sent, the
server's banner and KEXINIT read, nothing more) to 127.0.0.1:PORT, spread
over ADDRS loopback source addresses (127.0.0.2 ...), reconnecting every
one the server cuts (0.1 s later), for SECONDS. Prints "ready" once the first wave is
out, and at the end "held N cut M refused R" (connections open at the end,
cut by the server after connecting, refused at connect)."""
import resource, selectors, socket, sys, time

port, secs, n_idle, n_stall, n_addr = map(int, sys.argv[1:6])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
stats = {"cut": 0, "refused": 0}


def open_one(kind, i):
    src = "127.0.0.%d" % (2 + i % n_addr)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    except OSError:
        stats["refused"] += 1
        s.close()
        return
    if kind == "stall":
        try:
            s.send(b"SSH-2.0-stall\r\n")
        except OSError:
            pass
    sel.register(s, selectors.EVENT_READ, (kind, i))


for i in range(n_idle):
    open_one("idle", i)
for i in range(n_stall):
    open_one("stall", i)
print("ready", flush=True)
redial = []     # (when, kind, i): cut ones are redialled 0.1 s later
end = time.time() + secs
while time.time() < end:
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        kind, i = key.data
        try:
            d = s.recv(65536)
        except OSError:
            d = b""
        if d:
            continue    # the server's banner and KEXINIT: never answered
        sel.unregister(s)
        s.close()
        stats["cut"] += 1
        redial.append((time.time() + 0.1, kind, i))
    while redial and redial[0][0] <= time.time():
        _, kind, i = redial.pop(0)
        open_one(kind, i)
print("held %d cut %d refused %d" % (len(sel.get_map()), stats["cut"],
                                     stats["refused"]), flush=True)
