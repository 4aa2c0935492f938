#!/usr/bin/env bash
# tasks.sh: the tasks API's figures against baselines measured in the same
# run, on one workspace with berth-sup:
#  - start latency: POST .../tasks {"argv":["true"]} answered 201 (the
#    supervisor has forked it and berthd recorded it), interleaved with
#    POST .../exec {"argv":["true"]} (started, run and reaped: the API's
#    fastest way into a workspace), N each;
#  - output-follow latency: a line written inside the workspace (`date
#    +%s%N`, 20 a second) until the client following the task's output
#    (GET .../output?follow=1) has it, against the same loop run as a
#    streamed exec (NDJSON), ROUNDS alternating rounds of LINES lines.
# p50 and p99 of each, and the ratios.
# Usage: bench/tasks.sh [N] [ROUNDS] [LINES]   (default 100 4 50)
. "$(dirname "$0")/lib.sh"
N=${1:-100}
ROUNDS=${2:-4}
LINES=${3:-50}
berthd_start
expect 201 POST /v1/workspaces '{"name":"btask","wait":true}'
ID=$(jget "$BODY" .id)
[ "$(jget "$BODY" .runner)" = sup ] || fail "runner is not sup: $BODY"
T=$URL/v1/workspaces/$ID/tasks

pct() { # P: the P-th percentile of numbers on stdin
	sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'
}
post_ms() { # URL BODY OUT WANT: one POST, its time in ms
	local t
	t=$(curl -sS -o "$WORK/o.json" -w '%{http_code} %{time_total}' \
		-H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
		-d "$2" "$1")
	[ "${t%% *}" = "$4" ] || fail "POST $1 -> ${t%% *}: $(cat "$WORK/o.json")"
	awk -v t="${t#* }" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$3"
}
: >"$WORK/start.txt"; : >"$WORK/exec.txt"; : >"$WORK/follow.txt"; : >"$WORK/xfollow.txt"
post_ms "$T" '{"argv":["true"]}' /dev/null 201
post_ms "$URL/v1/workspaces/$ID/exec" '{"argv":["true"]}' /dev/null 200
for _ in $(seq "$N"); do
	post_ms "$T" '{"argv":["true"]}' "$WORK/start.txt" 201
	post_ms "$URL/v1/workspaces/$ID/exec" '{"argv":["true"]}' "$WORK/exec.txt" 200
done

# The task starts writing once its follower is connected (it waits for a
# line on stdin, which tasks-follow.py sends then); the exec is its own
# stream from the start.
LOOP="i=0; while [ \$i -lt $LINES ]; do date +%s%N; sleep 0.05; i=\$((i+1)); done"
BODY=$(jq -nc --arg c "read go; $LOOP" '{command: $c}')
for _ in $(seq "$ROUNDS"); do
	b=$(curl -sS -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' -d "$BODY" "$T")
	tid=$(jget "$b" .id)
	python3 "$(dirname "$0")/tasks-follow.py" raw "$T/$tid/output?follow=1" "$ADMIN_KEY" \
		"$T/$tid/input" >>"$WORK/follow.txt" ||
		fail "follow of task $tid"
	python3 "$(dirname "$0")/tasks-follow.py" ndjson "$URL/v1/workspaces/$ID/exec" "$ADMIN_KEY" \
		"$(jq -nc --arg c "sleep 0.5; $LOOP" '{command: $c, timeout: 120}')" >>"$WORK/xfollow.txt" ||
		fail "streamed exec"
done
[ "$(wc -l <"$WORK/follow.txt")" = $((ROUNDS * LINES)) ] || fail "follow: $(wc -l <"$WORK/follow.txt") lines, want $((ROUNDS * LINES))"

line() { # NAME FILE BASE BASENAME
	local p50 p99 b50 b99
	p50=$(pct 50 <"$2"); p99=$(pct 99 <"$2"); b50=$(pct 50 <"$3"); b99=$(pct 99 <"$3")
	printf '%-40s p50 %7.2f ms  p99 %7.2f ms   vs %s: p50 %.2fx  p99 %.2fx\n' \
		"$1" "$p50" "$p99" "$4" "$(awk -v a="$p50" -v b="$b50" 'BEGIN {print a / b}')" \
		"$(awk -v a="$p99" -v b="$b99" 'BEGIN {print a / b}')"
}
echo "tasks on one workspace (berth-sup), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s p50 %7.2f ms  p99 %7.2f ms\n' "API exec of true (baseline), N=$N" "$(pct 50 <"$WORK/exec.txt")" "$(pct 99 <"$WORK/exec.txt")"
line "task start (POST .../tasks -> 201), N=$N" "$WORK/start.txt" "$WORK/exec.txt" "exec"
printf '%-40s p50 %7.2f ms  p99 %7.2f ms\n' "streamed exec, write -> seen (baseline)" "$(pct 50 <"$WORK/xfollow.txt")" "$(pct 99 <"$WORK/xfollow.txt")"
line "task output follow, write -> seen, n=$((ROUNDS * LINES))" "$WORK/follow.txt" "$WORK/xfollow.txt" "exec stream"
