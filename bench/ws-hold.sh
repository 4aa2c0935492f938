#!/usr/bin/env bash
# ws-hold: BENCH_VIEWERS (1000) WebSocket connections held open on berthd
# at once, all viewers of one named terminal session (one shell), opened
# from 50 loopback addresses so the per-address cap (1,000) is not what is
# measured: berthd's RSS before and with them all open (target < 150 MB,
# issue 10), and how long one typed line takes to reach every viewer.
# Usage: bench/ws-hold.sh   (BENCH_VIEWERS, BUILD_DIR)
# Starts its own berthd on free loopback ports; talks only to 127.0.0.x.
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/integration/ssh-lib/common.bash"
N=${BENCH_VIEWERS:-1000}
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
export NODE_PATH=$T/node_modules
setup_one
export URL KEY=$KA WS=$WSA BERTHD_PID
r=$(node "$SRC_DIR/bench/term.js" viewers "$N") || fail "$N viewers"
printf '%d WebSockets held (%d open): berthd RSS %.1f MB (%.1f MB before; target < 150 MB); one line to every viewer: median %.0f ms, p99 %.0f ms, max %.0f ms\n' \
    "$N" "$(jget "$r" .open)" "$(jget "$r" .rss_mb)" "$(jget "$r" .rss0_mb)" \
    "$(jget "$r" .line_median_ms)" "$(jget "$r" .line_p99_ms)" "$(jget "$r" .line_max_ms)"
