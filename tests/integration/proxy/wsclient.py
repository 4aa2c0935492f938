# wsclient.py URL MESSAGE [HEADER...]: opens a WebSocket (stdlib only),
# sends MESSAGE as a text frame, prints the first message back, closes.
# Exit 0 when it came back, 1 otherwise (the handshake status on stderr).
import base64, os, socket, sys, struct
from urllib.parse import urlparse

u = urlparse(sys.argv[1])
msg = sys.argv[2].encode()
s = socket.create_connection((u.hostname, u.port or 80), timeout=10)
key = base64.b64encode(os.urandom(16)).decode()
path = u.path + ("?" + u.query if u.query else "")
head = (f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\n")
for h in sys.argv[3:]:
    head += h + "\r\n"
s.sendall((head + "\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
status = buf.split(b"\r\n")[0]
if b" 101 " not in status + b" ":
    sys.stderr.write(status.decode(errors="replace") + "\n")
    sys.exit(1)
rest = buf.split(b"\r\n\r\n", 1)[1]
mask = os.urandom(4)
s.sendall(bytes([0x81, 0x80 | len(msg)]) + mask +
          bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
while len(rest) < 2 or len(rest) < 2 + (rest[1] & 127):
    d = s.recv(4096)
    if not d:
        sys.exit(1)
    rest += d
n = rest[1] & 127
print(rest[2:2 + n].decode())
s.sendall(bytes([0x88, 0x80]) + mask)
s.close()
