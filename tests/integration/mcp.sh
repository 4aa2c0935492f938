# mcp: the MCP server (docs/mcp.md) driven end to end by the official
# TypeScript SDK's client (tests/integration/mcp, npm
# @modelcontextprotocol/sdk), over both transports: berthd's streamable
# HTTP at /mcp and `berth mcp` on stdio. Each run makes a workspace, execs
# (full result, timeout, signal), writes, reads and lists files, reads
# logs and the free GPUs, gets the API's errors as tool errors, is refused
# another user's workspace, stops, starts and deletes it; then runs tasks
# (output read from offsets, stdin, a tree killed with nothing left).
# Scoped keys get the API's refusals (a read-only key, a key for one
# workspace). Then the HTTP transport's rules with curl: auth, sessions
# (bound to the user, ended by DELETE), protocol version, Origin, GET,
# parse errors, notifications.
. "$(dirname "$0")/lib.sh"
T=$SRC_DIR/tests/integration/mcp
if [ ! -d "$T/node_modules/@modelcontextprotocol/sdk" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (@modelcontextprotocol/sdk) in $T"
fi
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/plain-2gpu.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env
KEY=$(mkuser alice)
KEY2=$(mkuser bob)
export URL KEY KEY2 BERTH

for mode in http stdio; do
	WSNAME=mcp-$mode node "$T/client.mjs" "$mode" e2e ||
		fail "MCP over $mode"
	WSNAME=mcpt-$mode node "$T/client.mjs" "$mode" tasks ||
		fail "MCP task tools over $mode"
done
# berth mcp through libcurl (what an https:// API URL takes).
BERTH_USE_CURL=1 WSNAME=mcp-curl node "$T/client.mjs" stdio e2e ||
	fail "MCP over stdio with libcurl"

# Scoped keys (auth.h): the tools are refused what the key may not do.
expect 201 POST /v1/workspaces '{"name":"sa","wait":true}' "$KEY"
expect 201 POST /v1/workspaces '{"name":"sb","wait":true}' "$KEY"
expect 201 POST /v1/api-keys '{"name":"ro","scopes":["read"]}' "$KEY"
KEY_RO=$(jget "$BODY" .key)
expect 201 POST /v1/api-keys '{"name":"sa","scopes":["read","exec","files"],"workspaces":["sa"]}' "$KEY"
KEY_SA=$(jget "$BODY" .key)
export SA=sa SB=sb KEY_RO KEY_SA
for mode in http stdio; do
	node "$T/client.mjs" "$mode" scoped || fail "scoped keys over $mode"
done

# The HTTP transport's rules, as the spec has them.
# mcp KEY [HEADER...] BODY: POST /mcp; status in $CODE, body in $RESP,
# headers in $WORK/h.
mcp() {
	local key=$1 args=()
	shift
	while [ $# -gt 1 ]; do
		args+=(-H "$1")
		shift
	done
	CODE=$(curl -sS -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' \
		-X POST ${key:+-H "Authorization: Bearer $key"} \
		-H 'Content-Type: application/json' \
		-H 'Accept: application/json, text/event-stream' \
		"${args[@]}" --data-binary "$1" "$URL/mcp")
	RESP=$(cat "$WORK/b")
}
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
LIST='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'

mcp "" "$INIT"
assert_eq "$CODE" 401 "initialize without a key"
mcp "$KEY" "$INIT"
assert_eq "$CODE" 200 "initialize"
assert_eq "$(jget "$RESP" .result.protocolVersion)" 2025-06-18 "version"
SID=$(tr -d '\r' <"$WORK/h" | awk 'tolower($1)=="mcp-session-id:" {print $2}')
[[ $SID =~ ^[0-9a-f]{32}$ ]] || fail "no session id: $(cat "$WORK/h")"
mcp "$KEY" '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}'
assert_eq "$(jget "$RESP" .result.protocolVersion)" 2025-11-25 \
	"an unknown version is answered with the latest"
ok "initialize: 401 without a key, a session id, version negotiation"

mcp "$KEY" "Mcp-Session-Id: $SID" \
	'{"jsonrpc":"2.0","method":"notifications/initialized"}'
assert_eq "$CODE" 202 "notification"
[ -z "$RESP" ] || fail "a notification got a body: $RESP"
mcp "$KEY" "Mcp-Session-Id: $SID" "MCP-Protocol-Version: 2025-06-18" "$LIST"
assert_eq "$CODE" 200 "tools/list"
[ "$(jget "$RESP" '.result.tools | length')" -ge 11 ] || fail "tools: $RESP"
ok "notification 202 without a body; tools/list in the session"

mcp "$KEY" "$LIST"
assert_eq "$CODE" 400 "no session id"
mcp "$KEY" "Mcp-Session-Id: 0123456789abcdef0123456789abcdef" "$LIST"
assert_eq "$CODE" 404 "unknown session"
mcp "$KEY2" "Mcp-Session-Id: $SID" "$LIST"
assert_eq "$CODE" 404 "another user's session"
mcp "$KEY" "Mcp-Session-Id: $SID" "MCP-Protocol-Version: 1999-01-01" "$LIST"
assert_eq "$CODE" 400 "unsupported MCP-Protocol-Version"
ok "sessions: 400 without one, 404 unknown or another user's, 400 bad version"

mcp "$KEY" "Mcp-Session-Id: $SID" 'not json'
assert_eq "$CODE" 400 "parse error status"
assert_eq "$(jget "$RESP" .error.code)" -32700 "parse error code"
mcp "$KEY" "Mcp-Session-Id: $SID" '[{"jsonrpc":"2.0","id":1,"method":"ping"}]'
assert_eq "$(jget "$RESP" .error.code)" -32600 "batch"
mcp "$KEY" "Mcp-Session-Id: $SID" '{"jsonrpc":"2.0","id":3,"method":"nope"}'
assert_eq "$(jget "$RESP" .error.code)" -32601 "unknown method"
mcp "$KEY" "Mcp-Session-Id: $SID" '{"jsonrpc":"2.0","id":4,"method":"ping"}'
assert_eq "$(jget "$RESP" '.result | tojson')" '{}' "ping"
ok "JSON-RPC errors: -32700 parse, -32600 batch, -32601 method; ping"

mcp "$KEY" "Origin: http://evil.example" "$INIT"
assert_eq "$CODE" 403 "foreign Origin"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
	-H 'Accept: text/event-stream' "$URL/mcp")
assert_eq "$CODE" 405 "GET (no server-sent stream)"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $KEY" -H 'Content-Type: text/plain' \
	--data-binary "$INIT" "$URL/mcp")
assert_eq "$CODE" 415 "not JSON"
ok "403 for a foreign Origin, 405 for GET, 415 for another type"

CODE=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE \
	-H "Authorization: Bearer $KEY" -H "Mcp-Session-Id: $SID" "$URL/mcp")
assert_eq "$CODE" 204 "DELETE session"
mcp "$KEY" "Mcp-Session-Id: $SID" "$LIST"
assert_eq "$CODE" 404 "ended session"
ok "DELETE ends the session"
