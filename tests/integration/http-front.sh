# http-front: the front door holds and speaks HTTP right. Idle and slow
# connections cost no worker (300 of them, more than the 64 ready workers,
# and /healthz still answers at once); a slow head gets 408 at the header
# time limit; one address over its connection cap gets 429; HEAD on GET
# routes; 405 with Allow; CORS only as configured (204 preflight either
# way); 415, 431, 400 without Host, 400 for a WebSocket upgrade to a plain
# route; keep-alive and pipelining on one connection.
. "$(dirname "$0")/lib.sh"
BERTHD_UNHEALTHY_OK=1 berthd_start --docker-host "unix://$WORK/no-such.sock" \
	--cors-origins "http://ok.example" --http-header-timeout 2 \
	--http-conns-per-addr 400
PORT=${URL##*:}
H="Authorization: Bearer $ADMIN_KEY"

# raw PY-ARGS...: runs the socket helper below.
raw() {
	python3 "$WORK/raw.py" "$PORT" "$@"
}
cat >"$WORK/raw.py" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1]); what = sys.argv[2]
def conn(src="127.0.0.1"):
    s = socket.socket(); s.bind((src, 0)); s.connect(("127.0.0.1", port))
    return s
def reply(s, t=10):
    s.settimeout(t); d = b""
    try:
        while True:
            b = s.recv(65536)
            if not b: break
            d += b
            if b"\r\n\r\n" in d:
                head, _, body = d.partition(b"\r\n\r\n")
                cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if cl and len(body) >= int(cl[0].split(b":")[1]): break
    except socket.timeout:
        pass
    return d.decode(errors="replace")
if what == "idle":
    n = int(sys.argv[3]); cs = [conn() for _ in range(n)]
    t0 = time.time(); s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    r = reply(s); print(r.split("\r\n")[0], "%.3f" % (time.time() - t0))
elif what == "slow":
    s = conn(); t0 = time.time()
    for c in b"GET /healthz HTTP/1.1\r\nHost: x\r\n":
        try: s.send(bytes([c]))
        except OSError: break
        time.sleep(0.2)
        if time.time() - t0 > 6: break
    print(reply(s, 5).split("\r\n")[0], "%.0f" % (time.time() - t0))
elif what == "cap":
    n = int(sys.argv[3]); cs = [conn("127.0.0.3") for _ in range(n)]
    s = conn("127.0.0.3"); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    over = reply(s).split("\r\n")[0]
    s = conn("127.0.0.4"); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    print(over, "|", reply(s).split("\r\n")[0])
elif what == "nohost":
    s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\n\r\n"); print(reply(s).split("\r\n")[0])
elif what == "pipeline":
    s = conn(); s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    s.settimeout(5); d = b""
    while True:
        b = s.recv(65536)
        if not b: break
        d += b
    import re
    print(" ".join(re.findall(r"(?m)^HTTP/1.1 (\d+)", d.decode())))
PYEOF

# Idle connections are a socket each, not a worker.
r=$(raw idle 300)
[[ $r =~ ^HTTP/1.1\ 503\ .*\ 0\.[0-4] ]] || fail "healthz with 300 idle connections: $r"
ok "300 idle connections; /healthz answered in ${r##* } s"

r=$(raw slow)
[[ $r =~ ^HTTP/1.1\ 408 ]] || fail "slow head: $r"
ok "a head sent at 5 bytes/s gets 408 at the 2 s limit"

r=$(raw cap 400)
[[ $r =~ ^HTTP/1.1\ 429.*\|\ HTTP/1.1\ 503 ]] || fail "per-address cap: $r"
ok "connection 401 from one address gets 429; another address is served"

assert_eq "$(raw nohost)" "HTTP/1.1 400 Bad Request" "HTTP/1.1 without Host"
assert_eq "$(raw pipeline)" "503 404" "two pipelined requests"

# HEAD on GET routes: the GET's head, no body.
curl -sS -D "$WORK/h" -o "$WORK/b" -I -H "$H" "$URL/v1/workspaces"
grep -q '^HTTP/1.1 200' "$WORK/h" || fail "HEAD list: $(cat "$WORK/h")"
grep -qi '^Content-Length: 3' "$WORK/h" || fail "HEAD length: $(cat "$WORK/h")"
cmp -s "$WORK/h" "$WORK/b" || fail "HEAD carried a body" # -o gets the head only
code=$(curl -sS -o /dev/null -w '%{http_code}' -I -H "$H" "$URL/v1/account")
assert_eq "$code" 200 "HEAD /v1/account"

# 405 names what is allowed.
curl -sS -D "$WORK/h" -o "$WORK/b" -X DELETE -H "$H" "$URL/v1/workspaces"
grep -q '^HTTP/1.1 405' "$WORK/h" || fail "DELETE list: $(cat "$WORK/h")"
grep -qi '^Allow: GET, HEAD, POST' "$WORK/h" || fail "Allow: $(cat "$WORK/h")"
assert_eq "$(jget "$(cat "$WORK/b")" .error.code)" method_not_allowed "405 code"

# CORS: the configured origin only.
curl -sS -D "$WORK/h" -o /dev/null -X OPTIONS -H "Origin: http://ok.example" \
	-H "Access-Control-Request-Method: POST" "$URL/v1/workspaces"
grep -q '^HTTP/1.1 204' "$WORK/h" || fail "preflight: $(cat "$WORK/h")"
grep -qi '^Access-Control-Allow-Origin: http://ok.example' "$WORK/h" || fail "ACAO"
grep -qi '^Vary: Origin' "$WORK/h" || fail "Vary"
grep -qi '^Access-Control-Max-Age: 86400' "$WORK/h" || fail "Max-Age"
grep -qi '^Access-Control-Allow-Methods: .*POST' "$WORK/h" || fail "Allow-Methods"
curl -sS -D "$WORK/h" -o /dev/null -X OPTIONS -H "Origin: http://evil.example" \
	-H "Access-Control-Request-Method: DELETE" "$URL/v1/workspaces"
grep -q '^HTTP/1.1 204' "$WORK/h" || fail "foreign preflight: $(cat "$WORK/h")"
! grep -qi '^Access-Control' "$WORK/h" || fail "CORS headers for a foreign origin"
curl -sS -D "$WORK/h" -o /dev/null -H "Origin: http://ok.example" -H "$H" "$URL/v1/account"
grep -qi '^Access-Control-Allow-Origin: http://ok.example' "$WORK/h" || fail "ACAO on GET"
ok "CORS: 204 preflights, headers only for the configured origin"

# 415: a non-JSON body on a JSON route.
code=$(curl -sS -o "$WORK/b" -w '%{http_code}' -H "$H" -H 'Content-Type: text/plain' \
	--data-binary '{"name":"x"}' "$URL/v1/users")
assert_eq "$code" 415 "text/plain body"
assert_eq "$(jget "$(cat "$WORK/b")" .error.code)" unsupported_media_type "415 code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "$H" -d 'name=x' "$URL/v1/users")
assert_eq "$code" 415 "form body"
# ... but a JSON object that curl -d labels a form is taken (curl's default).
code=$(curl -sS -o "$WORK/b" -w '%{http_code}' -H "$H" -d '{"name":"formjson"}' \
	"$URL/v1/users")
assert_eq "$code" 201 "JSON sent by curl -d ($(cat "$WORK/b"))"

# 431: an oversized head.
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/healthz")
assert_eq "$code" 431 "40 KB header"

# A WebSocket upgrade to a plain route is a 400, with a status line.
code=$(curl -sS -o "$WORK/b" -w '%{http_code}' -H 'Connection: Upgrade' \
	-H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H "$H" "$URL/v1/workspaces")
assert_eq "$code" 400 "upgrade to a plain route"

# Keep-alive: curl reuses one connection for both.
n=$(curl -sS -v -H "$H" "$URL/v1/account" "$URL/v1/account" 2>&1 >/dev/null |
	grep -c 'Re-using existing connection' || true)
assert_eq "$n" 1 "connection reused"
ok "HEAD, 405 Allow, 415, 431, 400 without Host, upgrade 400, keep-alive"
