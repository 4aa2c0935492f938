#!/usr/bin/env bash
# http-slow.sh: the front door under hostile connections. A good client on
# 127.0.0.1 times GET /healthz and GET /v1/workspaces (fresh connection
# each) with no load, then with N (2000) idle connections and N clients
# sending their head at 1 byte/s, from one address and from 20 loopback
# addresses (bench/slowconns.py holds them, reopening what berthd closes);
# berthd's RSS per held connection. Targets: p99 < 100 ms (/healthz) and
# < 200 ms (list) under load.
# Usage: bench/http-slow.sh [N] [SECONDS]
# BERTHD=path runs another berthd build (e.g. an older one) the same way.
. "$(dirname "$0")/lib.sh"
N=${1:-2000}
SECS=${2:-10}
[ -z "${BERTHD_OVERRIDE:-}" ] || BERTHD=$BERTHD_OVERRIDE
# One address holding N needs a cap above N; the 20-address runs keep the
# default (1000 per address).
berthd_start --http-conns-per-addr $((N + 100))
PORT=${URL##*:}
py() {
	timeout $((SECS + 60)) python3 "$(dirname "$0")/slowconns.py" "$PORT" \
		"$ADMIN_KEY" "$@" "$SECS" "$BERTHD_PID" || echo '{"failed":true}'
}
report() {
	jq -r --arg what "$1" '"\($what): healthz p50 \(."/healthz".p50) p99 \(."/healthz".p99) max \(."/healthz".max) ms; list p50 \(."/v1/workspaces".p50) p99 \(."/v1/workspaces".p99) max \(."/v1/workspaces".max) ms; n=\(."/healthz".n) errors=\(.errors) held=\(.held_before // 0) kb/conn=\(.kb_per_conn // "-") hostile=\(.hostile.refused_status // {} | tostring)"'
}
py none 0 1 | tee "$WORK/none.json" | report "no load"
py idle "$N" 1 | tee "$WORK/idle1.json" | report "$N idle, 1 address"
py slow "$N" 1 | tee "$WORK/slow1.json" | report "$N slow (1 B/s), 1 address"
py idle "$N" 20 | tee "$WORK/idle20.json" | report "$N idle, 20 addresses"
py slow "$N" 20 | tee "$WORK/slow20.json" | report "$N slow (1 B/s), 20 addresses"
base=$(jq '."/healthz".p99' "$WORK/none.json")
for f in idle1 slow1 idle20 slow20; do
	jq -r --arg f "$f" --argjson b "$base" '"\($f): healthz p99 \(."/healthz".p99) ms = \((."/healthz".p99 / $b * 10 | round) / 10)x no-load p99 (target < 100 ms); list p99 \(."/v1/workspaces".p99) ms (target < 200 ms)"' "$WORK/$f.json"
done
echo "berthd RSS after: $(rss_mb "$BERTHD_PID") MB"
