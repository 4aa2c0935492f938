# proxy: the port proxy /w/{id}/ports/{port}/... with curl and a plain
# WebSocket client against a python3 server inside a real workspace
# (tests/integration/proxy/server.py): a page through it, the path and the
# X-Forwarded-* headers the server sees (berthd's key and cookie not
# passed on), a Location rewritten under the prefix, a 1 MiB POST body,
# a WebSocket echo, the redirect to the prefix with a slash, owner-only
# (another user 404, no key 401), the dashboard session cookie (the
# owner's works, an admin's session is refused, an admin's key works), a
# closed port answering a 502 page at once, activity recorded, a stopped
# workspace 409; and nothing published on the host's ports. Keep-alive:
# curl's several URLs on one connection, a close-delimited response, a
# chunked request body, a raw pipelined batch and a WebSocket upgrade
# after it (tests/integration/proxy/pipeline.py).
. "$(dirname "$0")/lib.sh"
P=$SRC_DIR/tests/integration/proxy
berthd_start
cd "$WORK"
KEY=$(mkuser tom)
KEY2=$(mkuser ann)
body=$(jq -n --rawfile s "$P/server.py" \
	'{name:"p1",wait:true,command:["python3","-c",$s,"8000"]}')
expect 201 POST /v1/workspaces "$body" "$KEY"
WS=$(jget "$BODY" .id)
a0=$(sqlite3 "$STATE/berth.db" "SELECT last_activity_at FROM workspaces WHERE id='$WS'")
sleep 1.1
B=$URL/w/p1/ports/8000
pcurl() { curl -sS -H "Authorization: Bearer $KEY" "$@"; }
wait_for pcurl -f "$B/headers" || fail "the server in the workspace never answered through the proxy: $(pcurl "$B/headers" | head -c 300)"

page=$(pcurl -f "$B/")
grep -q 'proxied page' <<<"$page" || fail "page: $page"
ok "a page served inside the workspace, through /w/p1/ports/8000/"

h=$(pcurl -f -H 'Cookie: a=b; berth_session=zzz; c=d' -H 'X-Forwarded-For: 10.9.9.9' "$B/headers?x=1&y=%2F")
assert_eq "$(jget "$h" .path)" "/headers?x=1&y=%2F" "path and query below the prefix"
assert_eq "$(jget "$h" '.headers["X-Forwarded-Prefix"]')" "/w/p1/ports/8000" "X-Forwarded-Prefix"
assert_eq "$(jget "$h" '.headers["X-Forwarded-Proto"]')" "http" "X-Forwarded-Proto"
assert_eq "$(jget "$h" '.headers["X-Forwarded-Host"]')" "127.0.0.1:$HTTP_PORT" "X-Forwarded-Host"
assert_eq "$(jget "$h" '.headers["X-Forwarded-For"]')" "10.9.9.9, 127.0.0.1" "X-Forwarded-For"
assert_eq "$(jget "$h" '.headers["Host"]')" "127.0.0.1:$HTTP_PORT" "Host kept"
assert_eq "$(jget "$h" '.headers["Authorization"]')" "null" "berthd's key not passed on"
assert_eq "$(jget "$h" '.headers["Cookie"]')" "a=b; c=d" "berthd's session cookie not passed on"
ok "the server sees the path below the prefix, X-Forwarded-*, no berthd credentials"

loc=$(pcurl -o /dev/null -w '%{http_code} %{redirect_url}' "$B/redir")
assert_eq "$loc" "302 $B/target" "a Location on the server, rewritten under the prefix"
head -c 1048576 /dev/urandom >big.bin
got=$(pcurl -f --data-binary @big.bin -H 'Content-Type: application/octet-stream' "$B/echo" | sha256sum | cut -c1-64)
assert_eq "$got" "$(sha256sum big.bin | cut -c1-64)" "1 MiB POST body echoed"
# The full-path form passes the whole path on (the test server knows
# only /headers, so it answers its own 404).
got=$(pcurl -sS -w ' %{http_code}' "$URL/w/p1/absolute/8000/headers" | tr -d '\n')
assert_eq "$got" "not here 404" "/absolute/ passes the whole path"
ok "Location rewritten; a 1 MiB request body through and back; /absolute/ keeps the path"

echo=$(python3 "$P/wsclient.py" "ws://127.0.0.1:$HTTP_PORT/w/p1/ports/8000/echo" hello-ws "Authorization: Bearer $KEY") ||
	fail "WebSocket through the proxy"
assert_eq "$echo" hello-ws "WebSocket echo through the proxy"
python3 "$P/wsclient.py" "ws://127.0.0.1:$HTTP_PORT/w/p1/ports/8000/echo" x "Authorization: Bearer $KEY2" 2>ws.err &&
	fail "another user's WebSocket went through"
ok "a WebSocket echo through the proxy (another user's refused: $(cat ws.err))"

# Keep-alive: several requests on one client connection, each response
# framed as the server framed it (length, chunked, none for 204/HEAD),
# and berthd's connection to the server kept between them.
curl -sS -v -w '\n' -H "Authorization: Bearer $KEY" "$B/headers" \
	"$B/chunked?n=3" "$B/empty" "$B/conn" "$B/conn" \
	--next -sS -v -w '\n' -H "Authorization: Bearer $KEY" -X POST \
	--data-binary @big.bin "$B/echo" -o echoed.bin \
	--next -sS -v -w '\n' -H "Authorization: Bearer $KEY" -I "$B/headers" \
	--next -sS -v -w '\n' -H "Authorization: Bearer $KEY" \
	-H 'If-None-Match: "v1"' "$B/etag" \
	--next -sS -v -w '\n' -H "Authorization: Bearer $KEY" "$B/conn" \
	>ka.out 2>ka.err || fail "curl with several URLs: $(tail -5 ka.err)"
assert_eq "$(grep -c 'Re-using existing connection' ka.err)" 8 "requests 2-9 on the first connection"
assert_eq "$(grep -c '^\* Connected to' ka.err)" 1 "one connection for nine requests"
grep -q '^chunk 2$' ka.out || fail "chunked body: $(cat ka.out)"
grep -q '^< HTTP/1.1 204' ka.err || fail "no 204 in $(grep '^< HTTP' ka.err)"
grep -q '^< HTTP/1.1 304' ka.err || fail "no 304 in $(grep '^< HTTP' ka.err)"
grep -qi '^< Connection: close' ka.err && fail "a kept response said Connection: close"
assert_eq "$(sha256sum <echoed.bin | cut -c1-64)" "$(sha256sum big.bin | cut -c1-64)" "1 MiB POST on a kept connection"
conns=$(grep -E '^[0-9.]+:[0-9]+$' ka.out | sort -u)
assert_eq "$(wc -l <<<"$conns")" 1 "the server saw one connection from berthd for /conn x3 ($conns)"
ok "keep-alive: 9 requests (GET, chunked, 204, POST 1 MiB, HEAD, 304) on one client connection; berthd kept its connection to the server ($conns)"

# A response the server ends by closing: the proxy closes the client's
# connection after it too, and curl opens another for the next.
curl -sS -v -H "Authorization: Bearer $KEY" "$B/close" "$B/conn" \
	>close.out 2>close.err || fail "close-delimited: $(tail -5 close.err)"
grep -q '^closed-delimited body$' close.out || fail "close-delimited body: $(cat close.out)"
grep -qi '^< Connection: close' close.err || fail "no Connection: close after a close-delimited body"
assert_eq "$(grep -c '^\* Connected to' close.err)" 2 "a new connection after a close-delimited response"
# A chunked request body, sent on chunked.
got=$(pcurl -f -H 'Transfer-Encoding: chunked' --data-binary @big.bin -D chunk.h "$B/echo" | sha256sum | cut -c1-64)
assert_eq "$got" "$(sha256sum big.bin | cut -c1-64)" "1 MiB chunked POST echoed"
grep -qi '^X-Framing: chunked' chunk.h || fail "the server did not get a chunked body: $(cat chunk.h)"
# An HTTP/1.0 client gets a chunked body decoded, ended by the close.
curl -sS -0 -D h10.h -H "Authorization: Bearer $KEY" "$B/chunked?n=3" >h10.out ||
	fail "HTTP/1.0 client"
assert_eq "$(cat h10.out)" "$(printf 'chunk 0\nchunk 1\nchunk 2')" "a chunked body to an HTTP/1.0 client"
grep -qi '^Transfer-Encoding' h10.h && fail "chunked to an HTTP/1.0 client: $(cat h10.h)"
grep -qi '^Connection: close' h10.h || fail "no Connection: close to an HTTP/1.0 client: $(cat h10.h)"
# A kept connection the server closed without saying so: the next
# request goes on a new one, not a 502.
curl -sS -w ' %{http_code}\n' -H "Authorization: Bearer $KEY" "$B/conn" "$B/bye" \
	"$B/conn" "$B/bye" "$B/conn" >bye.out 2>bye.err || fail "after /bye: $(cat bye.err)"
assert_eq "$(awk '{ print $NF }' bye.out | tr '\n' ' ')" "200 200 200 200 200 " "requests after the server closed its kept connection ($(tr '\n' ' ' <bye.out))"
assert_eq "$(grep -cE '^[0-9.]+:[0-9]+ 200$' bye.out) $(grep -c '^bye 200$' bye.out)" "3 2" "/conn and /bye answers"
[ "$(sed -n 1p bye.out)" != "$(sed -n 3p bye.out)" ] || fail "the connection the server closed was used again: $(cat bye.out)"
ok "a close-delimited response closes the client's connection; a chunked request body goes on chunked; an HTTP/1.0 client gets a chunked body decoded; a kept connection the server closed is replaced"

# Pipelined, raw: a batch written at once, answers in order; then a
# WebSocket upgrade on the same connection.
python3 "$P/pipeline.py" 127.0.0.1 "$HTTP_PORT" /w/p1/ports/8000 "$KEY" >pipe.out ||
	fail "pipelined requests: $(cat pipe.out)"
cat pipe.out
ok "pipelining and an upgrade after keep-alive requests on one connection"

code=$(pcurl -o /dev/null -w '%{http_code} %{redirect_url}' "$URL/w/p1/ports/8000?a=1")
assert_eq "$code" "308 $URL/w/p1/ports/8000/?a=1" "no slash: redirect"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY2" "$B/")
assert_eq "$code" 404 "another user"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$B/")
assert_eq "$code" 401 "no key"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" "$URL/w/$WS/ports/8000/")
assert_eq "$code" 200 "an admin's key"
ok "owner and admin's key only: another user 404, no key 401, slash redirect"

# The dashboard's session: the owner's cookie works; an admin's session
# does not open another user's pages (they would run as the admin).
login() { # KEY JAR
	curl -sS -c "$2" -H 'Content-Type: application/json' \
		-d "{\"key\":\"$1\"}" "$URL/v1/session"
}
s=$(login "$KEY" tom.jar)
assert_eq "$(jget "$s" .user)" tom "login"
grep -q 'HttpOnly' <(curl -sS -D - -o /dev/null -H 'Content-Type: application/json' -d "{\"key\":\"$KEY\"}" "$URL/v1/session") ||
	fail "the session cookie is not HttpOnly"
code=$(curl -sS -b tom.jar -o /dev/null -w '%{http_code}' "$B/headers")
assert_eq "$code" 200 "the owner's session"
login "$ADMIN_KEY" admin.jar >/dev/null
code=$(curl -sS -b admin.jar -o forbid.html -w "%{http_code}" "$URL/w/$WS/ports/8000/")
assert_eq "$code" 403 "an admin's session on another user's workspace"
grep -q 'only to its owner' forbid.html || fail "403 page: $(cat forbid.html)"
# CSRF: a call that changes something needs the session's token.
csrf=$(jget "$s" .csrf)
code=$(curl -sS -b tom.jar -o csrf.out -w '%{http_code}' -X POST "$URL/v1/workspaces/$WS/restart")
assert_eq "$code" 403 "a session's POST without X-CSRF-Token"
grep -q X-CSRF-Token csrf.out || fail "403 body: $(cat csrf.out)"
code=$(curl -sS -b tom.jar -o /dev/null -w '%{http_code}' -H 'X-CSRF-Token: nope' -X POST "$URL/v1/workspaces/$WS/restart")
assert_eq "$code" 403 "a wrong X-CSRF-Token"
assert_eq "$(curl -sS -b tom.jar "$URL/v1/session" | jq -r .csrf)" "$csrf" "GET /v1/session gives the token back"
code=$(curl -sS -b tom.jar -o /dev/null -w '%{http_code}' -H "Origin: http://evil.example" -H 'Content-Type: application/json' -d "{\"key\":\"$KEY\"}" "$URL/v1/session")
assert_eq "$code" 403 "a login from another site's page"
login "$KEY" tom2.jar >/dev/null
code=$(curl -sS -b tom2.jar -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $csrf" -X DELETE "$URL/v1/session")
assert_eq "$code" 403 "another session's token"
csrf2=$(curl -sS -b tom2.jar "$URL/v1/session" | jq -r .csrf)
code=$(curl -sS -b tom2.jar -o /dev/null -w '%{http_code}' -H "X-CSRF-Token: $csrf2" -X DELETE "$URL/v1/session")
assert_eq "$code" 204 "logout"
code=$(curl -sS -b tom2.jar -o /dev/null -w '%{http_code}' "$URL/v1/workspaces")
assert_eq "$code" 401 "a signed-out session"
code=$(curl -sS -b tom.jar -o /dev/null -w '%{http_code}' "$URL/v1/workspaces")
assert_eq "$code" 200 "the other session lives on"
# Revoking the key a session was made from ends the session.
K3=$(api POST /v1/users/tom/api-keys '{"name":"short"}' | jq -r .key)
login "$K3" tom3.jar >/dev/null
code=$(curl -sS -b tom3.jar -o /dev/null -w '%{http_code}' "$URL/v1/workspaces")
assert_eq "$code" 200 "a session from the third key"
k3id=$(cut -d_ -f2 <<<"$K3")
expect 204 DELETE "/v1/api-keys/$k3id" '' "$K3"
code=$(curl -sS -b tom3.jar -o revoked.out -w '%{http_code}' "$URL/v1/workspaces")
assert_eq "$code" 401 "a session whose key was revoked"
grep -q 'is gone' revoked.out || fail "401 body: $(cat revoked.out)"
ok "session cookie: the owner's works, an admin's session is refused (403 page); CSRF token required and checked; login only from berthd's own origin; logout ends that session only; revoking its key ends a session"

t0=$(date +%s%N)
code=$(pcurl -o closed.html -w '%{http_code}' "$URL/w/p1/ports/8001/")
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "$code" 502 "a port nothing listens on"
grep -q 'nothing answers on port 8001' closed.html || fail "502 page: $(cat closed.html)"
grep -q '<title>502' closed.html || fail "502 is not an HTML page"
[ "$ms" -lt 4000 ] || fail "502 took $ms ms"
ok "a closed port: a 502 page in $ms ms"

# Activity is noted in memory and written to the store by the lifecycle
# thread at least every 5 s (activity.h).
for _ in $(seq 40); do
	a1=$(sqlite3 "$STATE/berth.db" "SELECT last_activity_at FROM workspaces WHERE id='$WS'")
	[ "$a1" -gt "$a0" ] && break
	sleep 0.25
done
[ "$a1" -gt "$a0" ] || fail "no activity recorded by proxied requests ($a0 -> $a1)"
ok "proxied requests count as activity ($a0 -> $a1)"

docker inspect "$(cname "$WS")" --format '{{json .HostConfig.PortBindings}}' >pb.json
assert_eq "$(cat pb.json)" "{}" "nothing published on the host"
expect 200 POST "/v1/workspaces/$WS/stop" '' "$KEY"
code=$(pcurl -o stopped.html -w '%{http_code}' "$B/")
assert_eq "$code" 409 "a stopped workspace"
ok "no host port published; a stopped workspace answers 409"
