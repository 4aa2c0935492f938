# link-check.py HOST PORT TOKENFILE STATE: the agent link from outside, as a
# manager that holds the token would speak it (an independent reading
# of agent-link.h and agent-seal.h, with Python's hmac and the
# cryptography package's X25519 and ChaCha20-Poly1305):
#   - a wrong proof gets "NO bad join token" and nothing else;
#   - with the proof and an X25519 exchange, a sealed Docker /_ping
#     crosses and its sealed answer opens, and does not open under keys
#     made from the token and what crossed the network alone;
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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat)

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
        assert g.startswith("BERTH-AGENT/3 ") and len(g) == 111, g
        sn, spub = g[14:46], g[47:]
        cn = os.urandom(16).hex()
        k = X25519PrivateKey.generate()
        cpub = k.public_key().public_bytes(Encoding.Raw,
                                           PublicFormat.Raw).hex()
        m = mac("manager", sn, cn, spub, cpub, target).hexdigest()
        if not good:
            m = ("0" if m[0] != "0" else "1") + m[1:]
        self.s.sendall(("AUTH %s %s %s %s\n" % (cn, cpub, m,
                                                target)).encode())
        self.answer = self.f.readline().decode().rstrip("\n")
        if not good or refused:
            return
        want = "OK " + mac("agent", sn, cn, spub, cpub, target).hexdigest()
        assert self.answer == want, self.answer
        dh = k.exchange(X25519PublicKey.from_public_bytes(
            bytes.fromhex(spub))).hex()
        self.tx = ChaCha20Poly1305(mac("key manager", sn, cn, target,
                                       dh).digest())
        self.rx = ChaCha20Poly1305(mac("key agent", sn, cn, target,
                                       dh).digest())
        # Without the exchange's secret (the token and a recording of
        # the link only), the keys are other ones.
        self.old = ChaCha20Poly1305(mac("key agent", sn, cn,
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
hdr = ln.f.read(4)
(n,) = struct.unpack(">I", hdr)
body = ln.f.read(n + 16)
try:
    ln.old.decrypt(b"\0" * 12, body, hdr)
    assert False, "a record opened with the token alone"
except InvalidTag:
    pass
got = ln.rx.decrypt(b"\0" * 12, body, hdr)
ln.nrx = 1
while not got.endswith(b"\r\n\r\nOK"):
    r = ln.record()
    assert r, "the link ended before the answer: %r" % got
    got += r
assert b" 200 " in got
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
          "sup ../x", "port zz 80", "port 0123abcd 99999", "shell",
          "sweep ..", "sweep ../sup", "sweep a/b", "sweep "):
    ln = Link(t, refused=True)
    assert ln.answer.startswith("NO "), "%s: %s" % (t, ln.answer)
for p in ("/tmp/link-check-evil", state + "/link-check-evil"):
    assert not os.path.exists(p), p
print("link-check: no target outside the agent's own")
