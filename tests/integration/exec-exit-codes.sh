# exec-exit-codes: POST /v1/workspaces/{id}/exec passes the command's exit
# status through: 0, 1, 3, 127 (no such command), 137 (killed by SIGKILL),
# for argv and for command (run by the workspace's shell).
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new ex1 "$K")

code() { # JSON: prints exit_code
	xrun "$ID" "$K" "$1"
	jq -r '"\(.exit_code) \(.timed_out)"' "$WORK/x.json"
}
assert_eq "$(code '{"argv":["true"]}')" "0 false" "true"
assert_eq "$(code '{"argv":["false"]}')" "1 false" "false"
assert_eq "$(code '{"argv":["sh","-c","exit 3"]}')" "3 false" "exit 3"
assert_eq "$(code '{"command":"exit 3"}')" "3 false" "command exit 3"
assert_eq "$(code '{"argv":["no-such-command-here"]}')" "127 false" "missing command"
grep -q 'executable file not found' <<<"$(jq -r .stderr "$WORK/x.json")" ||
	fail "the engine's message is not on stderr: $(cat "$WORK/x.json")"
assert_eq "$(code '{"argv":["/no/such/path"]}')" "127 false" "missing path"
assert_eq "$(code '{"argv":["/etc/hostname"]}')" "126 false" "not executable"
assert_eq "$(code '{"command":"no-such-command-here"}')" "127 false" "missing command via the shell"
assert_eq "$(code '{"command":"kill -9 $$"}')" "137 false" "killed by SIGKILL"
jq -e '.duration_ms | type == "number" and . >= 0' "$WORK/x.json" >/dev/null ||
	fail "duration_ms: $(cat "$WORK/x.json")"
ok "exit codes 0, 1, 3, 127, 137 pass through; duration_ms set"
