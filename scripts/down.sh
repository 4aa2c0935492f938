#!/usr/bin/env bash
# down.sh: stops the berthd that scripts/up.sh started (SIGTERM: it drains
# in-flight requests and exits). Workspaces keep running in the engine and
# are picked up again by the next start.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${BERTH_STATE_DIR:-$(pwd)/var}
pidf=$state/berthd.pid
if [ ! -f "$pidf" ] || ! kill -0 "$(cat "$pidf")" 2>/dev/null; then
	echo "berthd is not running"
	exit 0
fi
pid=$(cat "$pidf")
kill -TERM "$pid"
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || { rm -f "$pidf"; echo "berthd stopped"; exit 0; }
	sleep 0.1
done
echo "berthd (pid $pid) did not stop in 10 s" >&2
exit 1
