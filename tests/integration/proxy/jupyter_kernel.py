# jupyter_kernel.py BASE KEY: through the port proxy, start a Jupyter
# kernel (REST, with the _xsrf cookie the notebook sets), open its channels
# WebSocket, run 6*7 and print the result ("result 42"). Exit 1 otherwise.
import base64, json, os, socket, struct, sys, time, urllib.request, uuid
from urllib.parse import urlparse
base, key = sys.argv[1], sys.argv[2]
H = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
r0 = urllib.request.urlopen(urllib.request.Request(base + "tree", headers=H))
xsrf = [c.split(";")[0].split("=", 1)[1] for c in r0.headers.get_all("Set-Cookie") or [] if c.startswith("_xsrf=")][0]
H["Cookie"] = "_xsrf=" + xsrf
H["X-XSRFToken"] = xsrf
req = urllib.request.Request(base + "api/kernels", data=b"{}", headers=H, method="POST")
k = json.load(urllib.request.urlopen(req))
print("kernel", k["id"], k["name"])
u = urlparse(base + "api/kernels/%s/channels" % k["id"])
s = socket.create_connection((u.hostname, u.port), timeout=30)
wk = base64.b64encode(os.urandom(16)).decode()
s.sendall((f"GET {u.path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {wk}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {key}\r\n"
           f"Cookie: _xsrf={xsrf}\r\nOrigin: http://{u.netloc}\r\n\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
print(buf.split(b"\r\n")[0].decode())
rest = buf.split(b"\r\n\r\n", 1)[1]
def send(obj):
    d = json.dumps(obj).encode(); m = os.urandom(4); n = len(d)
    hdr = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xFE]) + struct.pack(">H", n)
    s.sendall(hdr + m + bytes(b ^ m[i % 4] for i, b in enumerate(d)))
def recv():
    global rest
    while True:
        while len(rest) < 2:
            rest += s.recv(65536)
        n = rest[1] & 127; o = 2
        if n == 126:
            while len(rest) < 4: rest += s.recv(65536)
            n = struct.unpack(">H", rest[2:4])[0]; o = 4
        elif n == 127:
            while len(rest) < 10: rest += s.recv(65536)
            n = struct.unpack(">Q", rest[2:10])[0]; o = 10
        while len(rest) < o + n:
            rest += s.recv(65536)
        op = rest[0] & 15; d = rest[o:o + n]; rest = rest[o + n:]
        if op == 1:
            return json.loads(d)
msg_id = uuid.uuid4().hex
send({"header": {"msg_id": msg_id, "username": "t", "session": uuid.uuid4().hex, "msg_type": "execute_request", "version": "5.3"},
      "parent_header": {}, "metadata": {}, "channel": "shell",
      "content": {"code": "6*7", "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}})
t0 = time.time()
while time.time() - t0 < 30:
    m = recv()
    if m.get("parent_header", {}).get("msg_id") == msg_id and m["msg_type"] == "execute_result":
        print("result", m["content"]["data"]["text/plain"]); sys.exit(0)
sys.exit(1)
