# tasks-attach: several viewers attached to one running task at once: two
# browser-terminal WebSockets (?task=TID, npm ws), the stock OpenSSH client
# (`ssh -tt ws@host attach TID`) and `berth attach` (Ctrl-] detaches and
# leaves the task running). Each gets the recent output replayed; what any
# viewer types reaches the task's stdin and every viewer sees the answer;
# they all end with the task's exit status.
. "$(dirname "$0")/ssh-lib/common.bash"
N=$SRC_DIR/tests/integration/term
if [ ! -d "$N/node_modules/ws" ]; then
	(cd "$N" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $N"
fi
setup_one
WS=$(jget "$BODY" .id)
T=/v1/workspaces/$WS/tasks
expect 201 POST "$T" '{"command":"echo ready; read x; echo got:$x; read y; echo got2:$y; exit 6","tty":true,"name":"shared"}' "$KA"
TID=$(jget "$BODY" .id)

# berth attach: the replay, then Ctrl-] detaches; the task runs on.
(sleep 3; printf '\035') | timeout 20 "$BERTH" --api-key "$KA" attach "$WSA" shared >"$WORK/cli.out" 2>"$WORK/cli.err" ||
	fail "berth attach: $(cat "$WORK/cli.err")"
grep -q ready "$WORK/cli.out" || fail "berth attach showed: $(cat "$WORK/cli.out")"
grep -q detached "$WORK/cli.err" || fail "no detach note: $(cat "$WORK/cli.err")"
assert_eq "$(jget "$(api GET "$T/$TID" "" "$KA")" .state)" running "after a detach"
ok "berth attach: replayed output, Ctrl-] detached, the task runs on"

# The SSH viewer, its stdin a fifo this script writes later.
mkfifo "$WORK/in"
gssh "$IDA" "$WSA" -tt attach "$TID" <"$WORK/in" >"$WORK/ssh.out" 2>&1 &
SSHP=$!
exec 3>"$WORK/in"
wait_for grep -q ready "$WORK/ssh.out" || fail "ssh attach: $(cat "$WORK/ssh.out")"
ok "ssh -tt ws@host attach TID: replayed output"

URL=$URL KEY=$KA WS=$WS TID=$TID EXPECT_STATUS=6 node "$N/attach.js" >"$WORK/node.out" 2>&1 &
NODE=$!
wait_for grep -q "got:hello" "$WORK/ssh.out" ||
	fail "the SSH viewer did not see what the browser typed: $(cat "$WORK/ssh.out") / $(cat "$WORK/node.out")"
printf 'world\r' >&3
set +e
wait "$NODE"
nrc=$?
wait "$SSHP"
src=$?
set -e
exec 3>&-
cat "$WORK/node.out"
assert_eq "$nrc" 0 "browser viewers"
grep -q "got2:world" "$WORK/ssh.out" || fail "ssh output: $(cat "$WORK/ssh.out")"
assert_eq "$src" 6 "ssh attach exit status"
t=$(api GET "$T/$TID" "" "$KA")
assert_eq "$(jget "$t" .state):$(jget "$t" .exit_code)" "exited:6" "the task"
ok "typed over SSH, seen by all; every viewer ended with the task's status 6"

# Attaching to a task that ended: refused with the cause.
set +e
gssh "$IDA" "$WSA" -tt attach "$TID" >"$WORK/late" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] && grep -q "nothing to attach" "$WORK/late" || fail "late attach ($rc): $(cat "$WORK/late")"
ok "attach to an ended task: refused with the cause"
