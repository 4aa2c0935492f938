#!/usr/bin/env bash
# lifecycle: how late the lifecycle loop stops workspaces whose TTL runs
# out, with N (1000) running workspaces falling due in the same minute.
# Lateness = from the second a workspace fell due (its expires_at) to its
# stop being done (recorded stopped, event written), as berthd logs it
# (lateness_ms=); p50/p99/max over all N.
#
# Two patterns: "spread" (due times spread evenly over one minute, ~17 a
# second) and "burst" (all N due in the same second); each run with
# lifecycle_workers=1 (the baseline: one stop at a time, as the loop did
# before it had workers) and with WORKERS (8), same run, same containers.
#
# What is real and what is not: berthd, its store, the state machine and
# the Docker Engine API are real, and each workspace has a real container;
# but the containers are created and never started (1,000 running
# containers do not fit on a shared 2-core test machine), so the engine's
# stop of a container is the fast answer for one that is not running; the
# records are put into the store directly (as tests/integration/authz.sh
# does). The time Docker takes to stop a running container (SIGTERM to
# its init, then reaping) is printed for one, for scale: a real stop adds
# about that much work per workspace, spread over the workers.
#
# Then REAL (50) workspaces with running containers, all due in the same
# second, the same two ways: there each stop is Docker's real one.
#
# Usage: bench/lifecycle.sh   (N=1000, WORKERS=8, PATTERNS="spread burst",
# REAL=50, BUILD_DIR). Starts its own berthd per round on free loopback ports;
# removes the containers it made.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
N=${N:-1000}
WORKERS=${WORKERS:-8}
PATTERNS=${PATTERNS:-spread burst}
TAG=berth-bench-lifecycle-$$
IMAGE=berth/workspace:latest

bench_cleanup() {
	local ids
	ids=$(docker ps -aq --filter "label=$TAG" 2>/dev/null || true)
	[ -z "$ids" ] || echo "$ids" | xargs -r -n 100 docker rm -f >/dev/null 2>&1 || true
}
trap 'rc=$?; bench_cleanup; cleanup; exit $rc' EXIT

echo "creating $N containers (not started)..." >&2
t0=$(date +%s)
seq "$N" | xargs -P 8 -I{} docker create --label "$TAG=1" --network none \
	"$IMAGE" true >"$WORK/cids"
[ "$(wc -l <"$WORK/cids")" = "$N" ] || fail "created $(wc -l <"$WORK/cids") of $N containers"
echo "  $(($(date +%s) - t0)) s" >&2

# One real stop of a running container, for scale.
rc=$(docker run -d --label "$TAG=1" --network none --init "$IMAGE" sleep 600)
s0=$(now_ms)
docker stop -t 10 "$rc" >/dev/null
s1=$(now_ms)
REALSTOP=$(awk -v a="$s0" -v b="$s1" 'BEGIN {printf "%.0f", b - a}')

# round PATTERN WORKERS [CIDS]: prints "p50 p99 max stopped"
round() {
	local pattern=$1 workers=$2 cids=${3:-$WORK/cids} t now n
	HTTP_PORT= SSH_PORT=
	WORK_ROUND=$WORK/r-$pattern-$workers-$(basename "$cids")
	mkdir -p "$WORK_ROUND"
	# A fresh berthd (state dir of its own) with reconcile far off: the
	# records below point at containers that are not running.
	WORK_SAVE=$WORK
	WORK=$WORK_ROUND
	berthd_start --reconcile-interval 86400 --lifecycle-workers "$workers"
	WORK=$WORK_SAVE
	sleep 2		# the first reconcile pass, at start, is over
	now=$(date +%s)
	t=$((now + 15))
	n=$(wc -l <"$cids")
	awk -v t="$t" -v n="$n" -v p="$pattern" -v now="$now" '
	BEGIN { print ".timeout 10000"; print "BEGIN;" }
	{
		due = (p == "burst") ? t : t + int((NR - 1) * 60 / n)
		printf "INSERT INTO workspaces (id, name, owner, image, state, " \
		    "container_id, cpus, memory, pids_limit, ttl, expires_at, " \
		    "idle_timeout, last_activity_at, created_at, started_at) " \
		    "VALUES (\x27%08d-0000-4000-8000-%012d\x27, \x27lc%d\x27, " \
		    "\x27admin\x27, \x27berth/workspace:latest\x27, \x27running\x27, " \
		    "\x27%s\x27, 1, 268435456, 1024, 60, %d, 0, %d, %d, %d);\n",
		    NR, NR, NR, $1, due, now, now, now
	}
	END { print "COMMIT;" }' "$cids" | sqlite3 "$STATE/berth.db" ||
		fail "inserting records"
	# Wait for every one to be stopped (at most 5 minutes past the last).
	local left deadline=$((t + 60 + 300))
	while :; do
		left=$(sqlite3 "$STATE/berth.db" ".timeout 5000" \
			"SELECT COUNT(*) FROM workspaces WHERE state = 'running'")
		[ "$left" = 0 ] && break
		[ "$(date +%s)" -lt "$deadline" ] || fail "$left still running"
		sleep 1
	done
	kill -TERM "$BERTHD_PID"
	wait "$BERTHD_PID" 2>/dev/null || true
	BERTHD_PID=
	! grep -q 'stopped (failed)' "$WORK_ROUND/berthd.log" ||
		fail "stops failed: $(grep -m3 'stopped (failed)\|error' "$WORK_ROUND/berthd.log")"
	grep -o 'lateness_ms=[0-9]*' "$WORK_ROUND/berthd.log" | cut -d= -f2 |
		sort -n >"$WORK_ROUND/late"
	awk '{a[NR]=$1} END {
		p50 = a[int((NR - 1) * 0.50) + 1]; p99 = a[int((NR - 1) * 0.99) + 1]
		printf "%d %d %d %d\n", p50, p99, a[NR], NR }' "$WORK_ROUND/late"
}

echo "lifecycle-loop lateness, $N workspaces due in the same minute (ms from due to stopped):"
for pattern in $PATTERNS; do
	read -r b50 b99 bmax bn <<<"$(round "$pattern" 1)"
	read -r w50 w99 wmax wn <<<"$(round "$pattern" "$WORKERS")"
	[ "$bn" = "$N" ] && [ "$wn" = "$N" ] || fail "stopped $bn / $wn of $N"
	printf '  %-6s workers=1 (baseline): p50 %6d  p99 %6d  max %6d\n' "$pattern" "$b50" "$b99" "$bmax"
	printf '  %-6s workers=%-2d           : p50 %6d  p99 %6d  max %6d  (p99 %.1fx lower)\n' \
		"$pattern" "$WORKERS" "$w50" "$w99" "$wmax" \
		"$(awk -v a="$b99" -v b="$w99" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
echo "  one real stop of a running container (docker stop, --init): $REALSTOP ms"

# The same with REAL (50) running containers, all due in one second: the
# engine's real stop in every one.
REAL=${REAL:-50}
if [ "$REAL" -gt 0 ]; then
	seq "$REAL" | xargs -P 8 -I{} docker run -d --label "$TAG=1" --network none \
		--init "$IMAGE" sleep 3600 >"$WORK/rcids"
	[ "$(wc -l <"$WORK/rcids")" = "$REAL" ] || fail "started $(wc -l <"$WORK/rcids") of $REAL"
	read -r b50 b99 bmax bn <<<"$(round burst 1 "$WORK/rcids")"
	# Started again for the second round.
	xargs -r docker start <"$WORK/rcids" >/dev/null
	read -r w50 w99 wmax wn <<<"$(round burst "$WORKERS" "$WORK/rcids")"
	[ "$bn" = "$REAL" ] && [ "$wn" = "$REAL" ] || fail "stopped $bn / $wn of $REAL"
	echo "$REAL running workspaces (real docker stops), all due in the same second:"
	printf '  burst  workers=1 (baseline): p50 %6d  p99 %6d  max %6d\n' "$b50" "$b99" "$bmax"
	printf '  burst  workers=%-2d           : p50 %6d  p99 %6d  max %6d  (p99 %.1fx lower)\n' \
		"$WORKERS" "$w50" "$w99" "$wmax" \
		"$(awk -v a="$b99" -v b="$w99" 'BEGIN {print (b > 0 ? a / b : 0)}')"
fi
