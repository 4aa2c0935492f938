#!/usr/bin/env bash
# gpulab-ssh: `gpulab ssh` against berthd, as GPULab-AI/gpulab-cli does it
# (docs/gpulab.md): POST /v1/containers/{uuid}/terminal with the api-key
# header, then a WebSocket to terminal_url + "/ws" with no subprotocol
# and no first message, resize as a text frame, input as binary '0'
# frames (tests/integration/term/gpulab-ssh.js with npm ws): stty size
# follows, the shell's exit closes 1000 with its status, the single-use
# URL cannot be replayed, another user gets a 404 with a message, a
# stopped container a 409 with one.
. "$(dirname "$0")/lib.sh"
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
berthd_start
KEY=$(mkuser gina)
KEY2=$(mkuser hal)
expect 201 POST /v1/workspaces '{"name":"g1","wait":true}' "$KEY"
ID=$(jget "$BODY" .id)
export URL KEY KEY2 ID
for s in session other; do
	node "$T/gpulab-ssh.js" "$s" || fail "scenario $s"
done

expect 200 POST "/v1/workspaces/$ID/stop" "" "$KEY"
code=$(curl -sS -o "$WORK/t.json" -w '%{http_code}' -X POST \
    -H "api-key: $KEY" -H 'Accept: application/json' \
    "$URL/v1/containers/$ID/terminal")
[ "$code" = 409 ] || fail "stopped: $code $(cat "$WORK/t.json")"
jq -e '.message | test("stopped")' "$WORK/t.json" >/dev/null ||
	fail "stopped: no message: $(cat "$WORK/t.json")"
ok "a stopped container: 409 \"$(jq -r .message "$WORK/t.json")\""
