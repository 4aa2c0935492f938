# tasks: the tasks API and CLI (docs/tasks.md) against a real workspace:
# output with byte offsets (raw and JSON, resumed from any offset, the
# rotation keeping only the last output_max bytes), follow that ends with
# the task, stdin, a tty, states and exit codes, a kill that leaves no
# process of the tree (setsid'd and double-forked ones included), berth
# run's exit status, lost when the container is removed underneath, and a
# clear 409 for a workspace without the supervisor.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new tk1 "$K")
C=$(ws_cid "$ID" "$K")
T=/v1/workspaces/$ID/tasks
B=(--api-key "$K")

task_state() { jget "$(api GET "$T/$1" "" "$K")" .state; }
not_running() { [ "$(task_state "$1")" != running ]; }

# --- output, offsets, follow, exit code
expect 201 POST "$T" '{"command":"printf 0123456789; echo err >&2; sleep 1; printf ABC; exit 3","name":"j1"}' "$K"
TID=$(jget "$BODY" .id)
assert_eq "$(jget "$BODY" .state)" running "state at start"
[[ $TID =~ ^[0-9a-f]{16}$ ]] || fail "task id '$TID'"
out=$(curl -sS -N -D "$WORK/h" -H "Authorization: Bearer $K" "$URL$T/$TID/output?follow=1")
assert_eq "$out" "0123456789err
ABC" "followed output until the end"
grep -qi '^X-Berth-Offset: 0' "$WORK/h" || fail "offset header: $(cat "$WORK/h")"
t=$(api GET "$T/j1" "" "$K")
assert_eq "$(jget "$t" .state):$(jget "$t" .exit_code):$(jget "$t" .output.end)" "exited:3:17" "task by name after the end"
[ "$(jget "$t" .ended_at)" != null ] || fail "no ended_at: $t"
assert_eq "$(curl -sS -H "Authorization: Bearer $K" "$URL$T/$TID/output?offset=10")" "err
ABC" "raw output from offset 10"
assert_eq "$(curl -sS -H "Authorization: Bearer $K" "$URL$T/$TID/output?tail=3")" "ABC" "the last 3 bytes"
j=$(api GET "$T/$TID/output?format=json&offset=4&limit=6" "" "$K")
assert_eq "$(jget "$j" .data):$(jget "$j" .offset):$(jget "$j" .next_offset):$(jget "$j" .eof)" "456789:4:10:false" "json piece"
j=$(api GET "$T/$TID/output?format=json&offset=10" "" "$K")
assert_eq "$(jget "$j" .next_offset):$(jget "$j" .eof)" "17:true" "json piece to the end"
ok "output with byte offsets (raw, tail, json), follow ends with the task, exit code 3"

# --- stdin: a program waiting at a prompt, then EOF
expect 201 POST "$T" '{"argv":["sh","-c","read a; echo got:$a; cat; echo done"]}' "$K"
TID=$(jget "$BODY" .id)
expect 200 POST "$T/$TID/input" '{"data":"hello\n"}' "$K"
expect 200 POST "$T/$TID/input" '{"data":"YmluYXJ5Cg==","encoding":"base64","eof":true}' "$K"
wait_for not_running "$TID" || fail "task with stdin did not end"
assert_eq "$(curl -sS -H "Authorization: Bearer $K" "$URL$T/$TID/output")" "got:hello
binary
done" "stdin reached the task"
expect 409 POST "$T/$TID/input" '{"data":"late"}' "$K"
ok "stdin: a line at a prompt, base64, EOF; 409 once it ended"

# --- a tty
expect 201 POST "$T" '{"command":"tty; stty size","tty":true,"rows":33,"cols":101}' "$K"
TID=$(jget "$BODY" .id)
wait_for not_running "$TID" || fail "tty task did not end"
out=$(curl -sS -H "Authorization: Bearer $K" "$URL$T/$TID/output" | tr -d '\r')
[[ $out == /dev/pts/*"33 101"* ]] || fail "tty task output: $out"
assert_eq "$(jget "$(api GET "$T/$TID" "" "$K")" .tty)" true "tty flag"
ok "a task on a pty with its size"

# --- rotation: only the last output_max bytes are kept, offsets go on
expect 201 POST "$T" '{"command":"i=0; while [ $i -lt 4000 ]; do printf %099d $i; echo; i=$((i+1)); done","output_max":65536}' "$K"
TID=$(jget "$BODY" .id)
wait_for not_running "$TID" || fail "rotation task did not end"
t=$(api GET "$T/$TID" "" "$K")
assert_eq "$(jget "$t" .output.end)" 400000 "bytes written"
start=$(jget "$t" .output.start)
[ "$start" -gt 300000 ] && [ "$start" -le $((400000 - 49152)) ] ||
	fail "kept from $start (64 KiB in 4 segments)"
curl -sS -D "$WORK/h" -o "$WORK/rot" -H "Authorization: Bearer $K" "$URL$T/$TID/output?offset=0"
grep -qi "^X-Berth-Offset: $start" "$WORK/h" || fail "rotated offset header: $(cat "$WORK/h")"
assert_eq "$(stat -c %s "$WORK/rot")" $((400000 - start)) "bytes from the oldest kept"
i=0; while [ $i -lt 4000 ]; do printf %099d $i; echo; i=$((i+1)); done >"$WORK/all"
tail -c +$((start + 1)) "$WORK/all" | cmp -s - "$WORK/rot" ||
	fail "the kept bytes are not the stream's from offset $start"
files=$(dexec "$C" "ls /.berth/run/tasks/$TID | grep -c out.")
[ "$files" -le 4 ] || fail "$files segments on disk"
ok "rotation: kept $((400000 - start)) of 400000 bytes from offset $start in $files files"

# --- kill: the whole tree, escapees included, and it says so
expect 201 POST "$T" '{"command":"sleep 1001 & setsid sh -c \"sleep 1002 &\"; (sleep 1003 &); sleep 1004"}' "$K"
TID=$(jget "$BODY" .id)
sleeps() { docker top "$C" -eo pid,args | grep -cE "sleep 100[1-4]" || true; }
four() { [ "$(sleeps)" = 4 ]; }
wait_for four || fail "tree did not start: $(docker top "$C" -eo pid,args)"
expect 200 DELETE "$T/$TID" "" "$K"
assert_eq "$(jget "$BODY" .state):$(jget "$BODY" .tree_running):$(jget "$BODY" .signal)" "killed:false:9" "kill answer"
assert_eq "$(sleeps)" 0 "processes left after the kill"
expect 200 DELETE "$T/$TID" "" "$K"
assert_eq "$(jget "$BODY" .state)" killed "a second kill"
expect 404 DELETE "$T/nosuchtask" "" "$K"
ok "kill: no process of the tree left (setsid and double fork included)"

# --- a running task is activity: noted at its start, and again by the
# watcher (every 10 s) while it runs
expect 201 POST "$T" '{"command":"sleep 30","name":"busy"}' "$K"
w=$(api GET "/v1/workspaces/$ID" "" "$K")
assert_eq "$(jget "$w" .activity.source)" task "activity source after a task start"
t0=$(jget "$w" .activity.last_at)
sleep 12
w=$(api GET "/v1/workspaces/$ID" "" "$K")
assert_eq "$(jget "$w" .activity.source)" task "activity source while it runs"
[[ "$(jget "$w" .activity.last_at)" > "$t0" ]] || fail "activity not renewed: $t0 -> $(jget "$w" .activity)"
expect 200 DELETE "$T/busy" "" "$K"
ok "a running task is activity (at its start, then every 10 s)"

# --- the CLI
set +e
"$BERTH" "${B[@]}" run tk1 -- sh -c 'echo via-cli; exit 7' >"$WORK/run.out" 2>&1
rc=$?
set -e
assert_eq "$rc:$(cat "$WORK/run.out")" "7:via-cli" "berth run: output and exit status"
TID=$("$BERTH" "${B[@]}" run --detach --name slow tk1 -- sh -c 'echo started; sleep 600')
[[ $TID =~ ^[0-9a-f]{16}$ ]] || fail "run --detach printed '$TID'"
"$BERTH" "${B[@]}" tasks tk1 >"$WORK/ls"
grep -qE "^$TID +slow +running" "$WORK/ls" || fail "berth tasks: $(cat "$WORK/ls")"
wait_for sh -c "curl -sS -H 'Authorization: Bearer $K' '$URL$T/$TID/output' | grep -q started"
assert_eq "$("$BERTH" "${B[@]}" tasks output tk1 slow)" started "berth tasks output"
assert_eq "$("$BERTH" "${B[@]}" tasks output --offset 4 tk1 slow)" ted "berth tasks output --offset"
"$BERTH" "${B[@]}" tasks kill tk1 slow >"$WORK/kill"
grep -q "no process left" "$WORK/kill" || fail "berth tasks kill: $(cat "$WORK/kill")"
assert_eq "$("$BERTH" "${B[@]}" --json tasks tk1 | jq -r ".[] | select(.id == \"$TID\") | .state")" killed "state after kill"
ok "berth run (exit status), run --detach, tasks, tasks output, tasks kill"

# --- scoped keys: read may look, not start, type or kill
RK=$(api POST /v1/api-keys '{"name":"ro","scopes":["read"]}' "$K" | jq -r .key)
[ "$(last_status)" = 201 ] || fail "scoped key"
expect 200 GET "$T" "" "$RK"
expect 200 GET "$T/j1/output" "" "$RK"
expect 403 POST "$T" '{"command":"true"}' "$RK"
expect 403 POST "$T/j1/input" '{"data":"x"}' "$RK"
expect 403 DELETE "$T/j1" "" "$RK"
ok "a read-only key lists and reads tasks but cannot start, type or kill"

# --- another user sees nothing
K2=$(mkuser bob)
expect 404 GET "$T" "" "$K2"
expect 404 GET "$T/$TID/output" "" "$K2"

# --- lost: the container removed underneath
expect 201 POST "$T" '{"command":"sleep 900","name":"doomed"}' "$K"
TID=$(jget "$BODY" .id)
docker rm -f "$C" >/dev/null
assert_eq "$(task_state "$TID")" lost "state after the container went"
assert_eq "$(jget "$(api GET "$T/j1" "" "$K")" .state)" exited "an ended task stays as it ended"
expect 409 GET "$T/$TID/output" "" "$K"
expect 409 DELETE "$T/$TID" "" "$K"
ok "lost when the container is removed underneath (409 on its output)"

# --- a workspace without the supervisor: a clear 409
berthd_kill9
berthd_start --supervisor off
OLD=$(ws_new tk-nosup "$K")
expect 409 POST "/v1/workspaces/$OLD/tasks" '{"command":"true"}' "$K"
jget "$BODY" .error.message | grep -q "no supervisor" || fail "409 without the cause: $BODY"
ok "a workspace without the supervisor: 409 with the cause"
