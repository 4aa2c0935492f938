#!/usr/bin/env bash
# term-restart: a named terminal session (?session=NAME) outlives berthd,
# stopped cleanly (SIGTERM) and killed (-9): berth-sup keeps the shell and
# its last output; on the new berthd the same name reattaches to the same
# shell (same pid) with that output replayed, and its exit closes 1000
# with the status. With nobody attached a kept shell lives terminal_idle,
# berthd or not: after that the name starts a new shell.
. "$(dirname "$0")/lib.sh"
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
berthd_start --terminal-idle 8s
KEY=$(mkuser rita)
expect 201 POST /v1/workspaces '{"name":"r1","wait":true}' "$KEY"
WS=$(jget "$BODY" .id)
export URL KEY WS

# stop_berthd SIGNAL: stops berthd with SIGNAL and waits for it.
stop_berthd() {
	kill "-$1" "$BERTHD_PID"
	wait "$BERTHD_PID" 2>/dev/null || true
	BERTHD_PID=
}

for sig in TERM KILL; do
	name=keep-$sig
	out=$(node "$T/restart.js" before "$name") || fail "before ($sig): $out"
	PID=${out#pid=}
	stop_berthd "$sig"
	berthd_start_once --terminal-idle 8s || fail "berthd did not start again"
	PID=$PID node "$T/restart.js" after "$name" || fail "after SIG$sig"
	[ ! -e "$STATE/term/$WS.rita.$name" ] ||
		fail "the kept session's record outlived its shell"
done
ok "named sessions survive berthd's SIGTERM and kill -9"

out=$(node "$T/restart.js" before idle) || fail "before (idle): $out"
PID=${out#pid=}
stop_berthd KILL
sleep 10
berthd_start_once --terminal-idle 8s || fail "berthd did not start again"
PID=$PID node "$T/restart.js" fresh idle || fail "after terminal_idle"
