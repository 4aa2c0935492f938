# tasks-crash: a task survives kill -9 of berthd (the supervisor owns it),
# keeps writing while berthd is down, and its output continues at the
# right offset: what a follower read before the crash plus what it reads
# from that offset after is the task's output exactly, no byte lost or
# doubled. berth run, following a task across the same crash, resumes by
# itself and exits with the task's status.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new tc1 "$K")
T=/v1/workspaces/$ID/tasks

expect 201 POST "$T" '{"command":"i=0; while [ $i -lt 60 ]; do echo line-$i; i=$((i+1)); sleep 0.05; done; exit 4"}' "$K"
TID=$(jget "$BODY" .id)
curl -sS -N -o "$WORK/a" -H "Authorization: Bearer $K" "$URL$T/$TID/output?follow=1" &
CURL=$!
has_some() { [ "$(wc -l <"$WORK/a")" -ge 5 ]; }
wait_for has_some || fail "no output before the crash"
# A second follower through the CLI: berth run's way of following.
"$BERTH" --api-key "$K" run tc1 -- sh -c 'for i in $(seq 40); do echo n$i; sleep 0.05; done; exit 5' >"$WORK/run.out" 2>"$WORK/run.err" &
RUN=$!
sleep 0.5
berthd_kill9
wait "$CURL" 2>/dev/null || true
n1=$(stat -c %s "$WORK/a")
sleep 2	# the task goes on writing with nobody reading
berthd_start
t=$(api GET "$T/$TID" "" "$K")
end=$(jget "$t" .output.end)
[ "$end" -gt "$n1" ] || fail "no output written while berthd was down ($end <= $n1)"
curl -sS -N -D "$WORK/h" -o "$WORK/b" -H "Authorization: Bearer $K" "$URL$T/$TID/output?offset=$n1&follow=1"
grep -qi "^X-Berth-Offset: $n1" "$WORK/h" || fail "resumed at $(grep -i offset "$WORK/h")"
cat "$WORK/a" "$WORK/b" >"$WORK/ab"
i=0; while [ $i -lt 60 ]; do echo "line-$i"; i=$((i+1)); done >"$WORK/want"
cmp -s "$WORK/ab" "$WORK/want" || fail "output across the crash differs: $(diff "$WORK/ab" "$WORK/want" | head -5)"
t=$(api GET "$T/$TID" "" "$K")
assert_eq "$(jget "$t" .state):$(jget "$t" .exit_code)" "exited:4" "the task ran to its end"
ok "a task outlived kill -9 of berthd; its output resumed at byte $n1 with nothing lost or doubled"

set +e
wait "$RUN"
rc=$?
set -e
assert_eq "$rc" 5 "berth run's exit status across the crash"
seq 40 | sed 's/^/n/' >"$WORK/want2"
cmp -s "$WORK/run.out" "$WORK/want2" || fail "berth run output across the crash: $(diff "$WORK/run.out" "$WORK/want2" | head -5)"
ok "berth run followed the task across the crash (resumed by offset) and exited 5"
