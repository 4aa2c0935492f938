# pipeline.py HOST PORT PREFIX KEY: HTTP/1.1 keep-alive through the port
# proxy on one raw connection (stdlib only), against server.py: a batch
# of requests written at once (pipelined: GET, HEAD, a chunked response,
# a POST with a body, a chunked POST, 204, 304, the server's view of its
# connection), each response read in order by its own framing; then a
# second batch on the same connection, and a WebSocket upgrade after
# them, its echo. Prints one line per step; exit 1 at the first wrong
# answer (why on stderr).
import base64, os, socket, sys

host, port, prefix, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]
s = socket.create_connection((host, port), timeout=20)
f = s.makefile("rb")


def die(msg):
    sys.stderr.write("pipeline.py: " + msg + "\n")
    sys.exit(1)


def req(method, path, body=None, extra=(), chunked=False):
    h = f"{method} {prefix}{path} HTTP/1.1\r\nHost: {host}:{port}\r\n" \
        f"Authorization: Bearer {key}\r\n"
    for e in extra:
        h += e + "\r\n"
    b = b""
    if body is not None and chunked:
        h += "Transfer-Encoding: chunked\r\n"
        half = len(body) // 2
        for part in (body[:half], body[half:]):
            b += b"%x\r\n%s\r\n" % (len(part), part)
        b += b"0\r\n\r\n"
    elif body is not None:
        h += f"Content-Length: {len(body)}\r\n"
        b = body
    return (h + "\r\n").encode() + b


def response(method):
    line = f.readline()
    if not line:
        die("the connection closed before a response to " + method)
    status = int(line.split()[1])
    hdrs = {}
    while True:
        l = f.readline()
        if l in (b"\r\n", b""):
            break
        k, v = l.decode().split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    body = b""
    if method == "HEAD" or status in (204, 304) or status < 200:
        pass
    elif "chunked" in hdrs.get("transfer-encoding", ""):
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                while f.readline() not in (b"\r\n", b""):
                    pass
                break
            body += f.read(n)
            f.readline()
    elif "content-length" in hdrs:
        body = f.read(int(hdrs["content-length"]))
    else:
        die(f"{method}: a response with no length on a kept connection")
    if hdrs.get("connection", "").lower() == "close":
        die(f"{method} {status}: Connection: close on a kept connection")
    return status, hdrs, body


def expect(got, want, what):
    if got != want:
        die(f"{what}: got {got!r}, want {want!r}")


big = os.urandom(200000)
batch = [
    (req("GET", "/headers"), "GET", 200, None),
    (req("HEAD", "/headers"), "HEAD", 200, b""),
    (req("GET", "/chunked?n=4"), "GET", 200,
     b"".join(b"chunk %d\n" % i for i in range(4))),
    (req("POST", "/echo", b"pipelined-body"), "POST", 200,
     b"pipelined-body"),
    (req("POST", "/echo", big, chunked=True), "POST", 200, big),
    (req("GET", "/empty"), "GET", 204, b""),
    (req("GET", "/etag", extra=['If-None-Match: "v1"']), "GET", 304, b""),
    (req("GET", "/conn"), "GET", 200, None),
]
s.sendall(b"".join(b[0] for b in batch))
conns = []
for raw, method, want, body in batch:
    st, h, b = response(method)
    expect(st, want, f"{method} status")
    if body is not None:
        expect(len(b), len(body), f"{method} body length")
        expect(b, body, f"{method} body")
    if method == "HEAD":
        expect(h.get("content-length") is not None, True, "HEAD length")
    if raw.startswith(b"GET " + prefix.encode() + b"/conn"):
        conns.append(b.decode())
print(f"ok: {len(batch)} pipelined requests answered in order on one "
      f"connection")

# A second batch on the same connection, one at a time.
for path in ("/headers", "/conn", "/chunked?n=2"):
    s.sendall(req("GET", path))
    st, h, b = response("GET")
    expect(st, 200, "GET " + path)
    if path == "/conn":
        conns.append(b.decode())
print("ok: three more requests on the same connection")
if conns[0] != conns[1]:
    die(f"berthd's connection to the server was not kept: {conns}")
print(f"ok: the server saw one kept connection from berthd ({conns[0]})")

# A WebSocket upgrade after all that, on the same connection.
wkey = base64.b64encode(os.urandom(16)).decode()
s.sendall(req("GET", "/echo", extra=[
    "Upgrade: websocket", "Connection: Upgrade",
    f"Sec-WebSocket-Key: {wkey}", "Sec-WebSocket-Version: 13"]))
line = f.readline()
if b" 101 " not in line:
    die("upgrade after keep-alive requests: " + line.decode(errors="replace"))
while f.readline() not in (b"\r\n", b""):
    pass
msg = b"ws-after-keepalive"
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask +
          bytes(c ^ mask[i % 4] for i, c in enumerate(msg)))
hd = f.read(2)
got = f.read(hd[1] & 127)
expect(got, msg, "WebSocket echo after keep-alive requests")
s.sendall(bytes([0x88, 0x80]) + mask)
print("ok: a WebSocket upgrade on the same connection, echoed")
