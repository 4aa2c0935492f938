#!/usr/bin/env bash
# list.sh: GET /v1/workspaces with 200 workspaces (real containers), wrk
# with 2 threads and CONNS (50) connections on 127.0.0.1 for 10 s; berthd's RSS
# before and after.
# Usage: bench/list.sh [COUNT] [SECONDS]
. "$(dirname "$0")/lib.sh"
COUNT=${1:-200}
SECS=${2:-10}
berthd_start --quota-workspaces 1000 --default-memory 64m
echo "creating $COUNT workspaces..." >&2
for i in $(seq "$COUNT"); do
	expect 201 POST /v1/workspaces "{\"name\":\"w$i\",\"wait\":true,\"memory\":\"64m\"}"
done
n=$(api GET /v1/workspaces | jq length)
assert_eq "$n" "$COUNT" "workspace count"
rss0=$(rss_mb "$BERTHD_PID")
bytes=$(curl -s -H "Authorization: Bearer $ADMIN_KEY" "$URL/v1/workspaces" | wc -c)
cat >"$WORK/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $ADMIN_KEY"
LUA
wrk -t2 -c"${CONNS:-50}" -d"${SECS}s" -s "$WORK/auth.lua" "$URL/v1/workspaces" | tee "$WORK/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $4}' "$WORK/wrk.txt")
rss1=$(rss_mb "$BERTHD_PID")
printf 'GET /v1/workspaces (%d workspaces, %d bytes): %.0f req/s (target >= 5000), non-2xx: %s\n' \
	"$COUNT" "$bytes" "$rps" "${non2xx:-0}"
printf 'berthd RSS with %d workspaces: %s MB idle, %s MB after the load (target < 40 MB)\n' \
	"$COUNT" "$rss0" "$rss1"
# BASELINE_BERTHD=path: the same state and load through another berthd
# build (e.g. main before a change), for a ratio measured in this run.
if [ -n "${BASELINE_BERTHD:-}" ]; then
	kill -TERM "$BERTHD_PID"
	wait "$BERTHD_PID" 2>/dev/null || true
	BERTHD=$BASELINE_BERTHD berthd_start --quota-workspaces 1000 --default-memory 64m
	wrk -t2 -c"${CONNS:-50}" -d"${SECS}s" -s "$WORK/auth.lua" "$URL/v1/workspaces" | tee "$WORK/wrk0.txt"
	rps0=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk0.txt")
	printf 'baseline %s: %.0f req/s; this build / baseline = %.2f\n' \
		"$BASELINE_BERTHD" "$rps0" "$(echo "$rps $rps0" | awk '{print $1 / $2}')"
fi
