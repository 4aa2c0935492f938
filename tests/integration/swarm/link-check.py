# link-check.py HOST PORT TOKENFILE STATE: the agent link from outside, as a
# manager that holds the token would speak it (an independent reading
# of agent-link.h and agent-seal.h, with Python's hmac and the
# cryptography package's ChaCha20-Poly1305):
#   - a wrong proof gets "NO bad join token" and nothing else;
#   - with the proof, a sealed Docker /_ping crosses and its sealed
#     answer opens;
#   - that same record sent again (a replay) gets no answer: the link is
#     dropped; so is a record with one byte changed;
#   - even with the token, no directory outside STATE/sup/<id> is made or
#     removed, and no other target is opened.
import hashlib
import hmac
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

host, port, state = sys.argv[1], int(sys.argv[2]), sys.argv[4]
tok = open(sys.argv[3], "rb").read().split(b"\n")[0].rstrip(b"\r")
PING = b"GET /_ping HTTP/1.1\r\nHost: engine\r\n\r\n"


def mac(*parts):
    return hmac.new(tok, "\n".join(parts).encode(), hashlib.sha256)


class Link:
    def __init__(self, target, good=True, refused=False):
        self.s = socket.create_connection((host, port), timeout=10)
        self.f = self.s.makefile("rb")
        g = self.f.readline().decode().rstrip("\n")
        assert g.startswith("BERTH-AGENT/2 ") and len(g) == 46, g
        sn, cn = g[14:], os.urandom(16).hex()
        m = mac("manager", sn, cn, target).hexdigest()
        if not good:
            m = ("0" if m[0] != "0" else "1") + m[1:]
        self.s.sendall(("AUTH %s %s %s\n" % (cn, m, target)).encode())
        self.answer = self.f.readline().decode().rstrip("\n")
        if not good or refused:
            return
        want = "OK " + mac("agent", cn, sn, target).hexdigest()
        assert self.answer == want, self.answer
        self.tx = ChaCha20Poly1305(mac("key manager", sn, cn,
                                       target).digest())
        self.rx = ChaCha20Poly1305(mac("key agent", sn, cn,
                                       target).digest())
        self.ntx = self.nrx = 0

    def seal(self, data):
        hdr = struct.pack(">I", len(data))
        n = b"\0" * 4 + struct.pack(">Q", self.ntx)
        self.ntx += 1
        return hdr + self.tx.encrypt(n, data, hdr)

    def record(self):
        """The next record opened, or None at the link's end."""
        try:
            hdr = self.f.read(4)
        except ConnectionResetError:
            return None
        if len(hdr) < 4:
            return None
        (n,) = struct.unpack(">I", hdr)
        body = self.f.read(n + 16)
        nonce = b"\0" * 4 + struct.pack(">Q", self.nrx)
        self.nrx += 1
        return self.rx.decrypt(nonce, body, hdr)

    def ping_answer(self):
        got = b""
        while not got.endswith(b"\r\n\r\nOK"):
            r = self.record()
            assert r, "the link ended before the answer: %r" % got
            got += r
        return got


bad = Link("engine", good=False)
assert bad.answer == "NO bad join token", bad.answer
assert bad.f.read(1) == b"", "more after a refused proof"

ln = Link("engine")
rec = ln.seal(PING)
ln.s.sendall(rec)
assert b" 200 " in ln.ping_answer()
ln.s.sendall(rec)			# the same record again
r = ln.record()
assert r is None, "a replayed record was answered: %r" % r

ln = Link("engine")
rec = bytearray(ln.seal(PING))
rec[10] ^= 1				# one byte of the sealed request
ln.s.sendall(bytes(rec))
r = ln.record()
assert r is None, "a changed record was answered: %r" % r
print("link-check ok")

for t in ("mkdir /tmp/link-check-evil", "mkdir %s/link-check-evil" % state,
          "mkdir %s/sup/../link-check-evil" % state,
          "mkdir %s/sup/a/link-check-evil" % state,
          "rmdir %s/sup/.." % state, "rmdir %s/sup" % state,
          "sup ../x", "port zz 80", "port 0123abcd 99999", "shell"):
    ln = Link(t, refused=True)
    assert ln.answer.startswith("NO "), "%s: %s" % (t, ln.answer)
for p in ("/tmp/link-check-evil", state + "/link-check-evil"):
    assert not os.path.exists(p), p
print("link-check: no target outside the agent's own")
