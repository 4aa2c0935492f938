# logs-follow: GET /v1/workspaces/{id}/logs: stdout and stderr of the
# container demultiplexed (tail, stream=), follow=1 receives lines written
# after it started, and a follower that disconnects leaves no thread or
# fd behind in berthd.
. "$(dirname "$0")/inside-lib/lib.sh"
# Few workers, so that all of them can be warmed up (each keeps its own
# store connection, which would otherwise show up as new fds).
berthd_start --http-threads 4
K=$(mkuser alice)
ID=$(ws_new logs1 "$K")
C=$(ws_cid "$ID" "$K")
# The container's output is PID 1's stdout/stderr.
# The engine reads the two pipes apart: stderr goes last, after a pause,
# so that the order in the log is known.
dexec "$C" 'for i in 1 2 3; do echo out$i >/proc/1/fd/1; done; sleep 0.5; for i in 1 2 3; do echo err$i >/proc/1/fd/2; done'
sleep 0.5

expect 200 GET "/v1/workspaces/$ID/logs" "" "$K"
for l in out1 out2 out3 err1 err2 err3; do
	grep -qx "$l" <<<"$BODY" || fail "line $l missing from logs: $BODY"
done
expect 200 GET "/v1/workspaces/$ID/logs?stream=stdout" "" "$K"
assert_eq "$BODY" "out1
out2
out3" "stdout only"
expect 200 GET "/v1/workspaces/$ID/logs?stream=stderr&tail=1" "" "$K"
assert_eq "$BODY" "err3" "stderr, tail=1"
expect 200 GET "/v1/workspaces/$ID/logs?tail=1&timestamps=1" "" "$K"
[[ $BODY =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z\ err3$ ]] || fail "timestamps: $BODY"
expect 400 GET "/v1/workspaces/$ID/logs?stream=stdin" "" "$K"
ok "stdout/stderr demultiplexed; stream=, tail=, timestamps= honoured"

# ---- follow ----
# Warm-up: four followers at once occupy all four workers; then they leave.
pids=()
for i in 1 2 3 4; do
	curl -sS -N -H "Authorization: Bearer $K" \
		"$URL/v1/workspaces/$ID/logs?follow=1&tail=0" >/dev/null 2>&1 &
	pids+=($!)
done
sleep 1.5
kill "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
sleep 1
fd0=$(fd_count "$BERTHD_PID")
th0=$(thread_count "$BERTHD_PID")
curl -sS -N -H "Authorization: Bearer $K" \
	"$URL/v1/workspaces/$ID/logs?follow=1&tail=0" >"$WORK/follow.out" 2>/dev/null &
CURL=$!
sleep 1
dexec "$C" 'echo late-line-1 >/proc/1/fd/1; echo late-err >/proc/1/fd/2'
sleep 0.5
dexec "$C" 'echo late-line-2 >/proc/1/fd/1'
wait_for grep -qx late-line-2 "$WORK/follow.out" || fail "follow did not get the late line: $(cat "$WORK/follow.out")"
grep -qx late-line-1 "$WORK/follow.out" || fail "follow missed late-line-1"
grep -qx late-err "$WORK/follow.out" || fail "follow missed stderr"
grep -q out1 "$WORK/follow.out" && fail "tail=0 replayed old lines"
[ "$(fd_count "$BERTHD_PID")" -gt "$fd0" ] || fail "no fds held while following?"
ok "follow gets lines written after it started"

# The follower leaves while the container is silent.
kill "$CURL"
wait "$CURL" 2>/dev/null || true
gone() { [ "$(fd_count "$BERTHD_PID")" -le "$fd0" ]; }
wait_for gone || fail "fds after disconnect: $(fd_count "$BERTHD_PID"), before: $fd0"
[ "$(thread_count "$BERTHD_PID")" -le "$th0" ] || fail "threads after disconnect: $(thread_count "$BERTHD_PID"), before: $th0"
ok "disconnecting the follower frees its fds ($fd0) and threads ($th0)"
# berthd still serves
expect 200 GET "/v1/workspaces/$ID/logs?tail=1&stream=stdout" "" "$K"
assert_eq "$BODY" late-line-2 "logs after the follower left"
ok "berthd serves logs after the follower left"
