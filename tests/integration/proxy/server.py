# server.py: the HTTP server the port-proxy tests run inside a workspace
# (python3 is in the default image; stdlib only). Usage: server.py PORT
#   GET  /            a small HTML page (title "proxied page") whose script
#                     opens a WebSocket to ./echo and shows the echo
#   GET  /headers     the request line and headers it got, as JSON
#   GET  /redir       302 to /target (a path on the server)
#   GET  /big?mb=N    N MiB of zeros (bench/proxy.sh)
#   GET  /conn        the address and port berthd connected from (a kept
#                     connection to the server answers the same)
#   GET  /chunked?n=N N chunks "chunk I\n", Transfer-Encoding: chunked
#   GET  /close       a body with no length, ended by closing (HTTP/1.0)
#   GET  /bye         a 200 with a length, then the connection closed
#                     without saying so (as a server closes an idle one)
#   GET  /empty       204
#   GET  /etag        200 with ETag "v1"; 304 with If-None-Match: "v1"
#   POST /echo        the request body back (Content-Length or chunked)
#   GET  /echo + Upgrade: websocket   echoes every text/binary message
import base64, hashlib, json, struct, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>proxied page</title></head><body><h1 id="h">served from inside the workspace</h1>
<p>WebSocket echo: <output id="ws">waiting</output></p>
<script>
const u = new URL('echo', location.href);
u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
const s = new WebSocket(u);
s.onopen = () => s.send('ping-through-proxy');
s.onmessage = e => { document.getElementById('ws').textContent = 'echo:' + e.data; };
s.onerror = () => { document.getElementById('ws').textContent = 'error'; };
</script></body></html>
"""
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A head and a body in two writes would wait on delayed ACKs (40 ms
    # a response on a kept connection).
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="text/plain", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?")[0]
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if path == "/":
            return self.send(200, PAGE, "text/html; charset=utf-8")
        if path == "/headers":
            h = {k: v for k, v in self.headers.items()}
            body = json.dumps({"line": self.requestline, "path": self.path,
                               "headers": h}).encode()
            return self.send(200, body, "application/json")
        if path == "/conn":
            a = "%s:%d" % self.client_address[:2]
            return self.send(200, a.encode())
        if path == "/chunked":
            n = int(self.path.split("n=")[1]) if "n=" in self.path else 3
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command == "HEAD":
                return
            for i in range(n):
                c = b"chunk %d\n" % i
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/close":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            if self.command != "HEAD":
                self.wfile.write(b"closed-delimited body\n")
            return
        if path == "/bye":
            self.send(200, b"bye")
            self.close_connection = True
            return
        if path == "/empty":
            self.send_response(204)
            self.end_headers()
            return
        if path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
                return
            return self.send(200, b"etag body\n", extra=[("ETag", '"v1"')])
        if path == "/redir":
            return self.send(302, b"", extra=[("Location", "/target")])
        if path == "/big":
            mb = int(self.path.split("mb=")[1]) if "mb=" in self.path else 1
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(mb << 20))
            self.end_headers()
            chunk = b"\0" * (1 << 20)
            for _ in range(mb):
                self.wfile.write(chunk)
            return
        self.send(404, b"not here\n")

    def do_POST(self):
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            body = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    break
                body += self.rfile.read(n)
                self.rfile.readline()
        else:
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
        self.send(200, body, "application/octet-stream",
                  extra=[("X-Framing", self.headers.get(
                      "Transfer-Encoding", "length"))])

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        acc = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", acc.decode())
        self.end_headers()
        self.wfile.flush()
        r = self.rfile
        while True:
            hd = r.read(2)
            if len(hd) < 2:
                return
            op, n = hd[0] & 15, hd[1] & 127
            if n == 126:
                n = struct.unpack(">H", r.read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", r.read(8))[0]
            mask = r.read(4) if hd[1] & 128 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(r.read(n)))
            if op == 8:
                self.wfile.write(b"\x88\x00")
                return
            if op == 9:
                op = 10
            ln = len(data)
            if ln < 126:
                out = bytes([0x80 | op, ln])
            elif ln < 65536:
                out = bytes([0x80 | op, 126]) + struct.pack(">H", ln)
            else:
                out = bytes([0x80 | op, 127]) + struct.pack(">Q", ln)
            self.wfile.write(out + data)
            self.wfile.flush()


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
