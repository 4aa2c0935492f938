#!/usr/bin/env bash
# exec.sh: exec round trip of `true` through the API (curl POST .../exec,
# median of N) vs `docker exec C true` (median of N), alternating so both
# see the same load, in one run; plus where the API's time goes: the
# engine's exec path (create, start, inspect: duration_ms in the answer)
# and berthd's HTTP/auth/store overhead around it.
# Usage: bench/exec.sh [N]   (default 50)
. "$(dirname "$0")/lib.sh"
N=${1:-50}
berthd_start
expect 201 POST /v1/workspaces '{"name":"bexec","wait":true}'
ID=$(jget "$BODY" .id)
C=$(jget "$BODY" .container_id)
: >"$WORK/api.txt"; : >"$WORK/dur.txt"; : >"$WORK/docker.txt"; : >"$WORK/rest.txt"
# warm both paths once
curl -sS -o /dev/null -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' -d '{"argv":["true"]}' "$URL/v1/workspaces/$ID/exec"
docker exec "$C" true
for i in $(seq "$N"); do
	t=$(curl -sS -o "$WORK/o.json" -w '%{time_total}' -H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d '{"argv":["true"]}' "$URL/v1/workspaces/$ID/exec")
	[ "$(jq -r .exit_code "$WORK/o.json")" = 0 ] || fail "exec failed: $(cat "$WORK/o.json")"
	awk -v t="$t" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$WORK/api.txt"
	jq -r .duration_ms "$WORK/o.json" >>"$WORK/dur.txt"
	t0=$(now_ms)
	docker exec "$C" true
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$WORK/docker.txt"
	# a cheap authenticated API call: berthd's own floor
	t=$(curl -sS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $ADMIN_KEY" "$URL/v1/account")
	awk -v t="$t" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$WORK/rest.txt"
done
api=$(median <"$WORK/api.txt")
dur=$(median <"$WORK/dur.txt")
dk=$(median <"$WORK/docker.txt")
rest=$(median <"$WORK/rest.txt")
printf 'exec `true`, median of %d: API %.1f ms, docker exec %.1f ms, ratio %.2fx (target <= 0.6x)\n' \
	"$N" "$api" "$dk" "$(awk -v a="$api" -v b="$dk" 'BEGIN {print a / b}')"
printf '  of the API time: engine exec path (create+start+wait+inspect) %.1f ms, berthd around it %.1f ms (an authenticated GET /v1/account: %.1f ms)\n' \
	"$dur" "$(awk -v a="$api" -v b="$dur" 'BEGIN {print a - b}')" "$rest"
printf '  docker exec CLI = the same engine calls + Go CLI start-up (~%.0f ms more than the engine path)\n' \
	"$(awk -v a="$dk" -v b="$dur" 'BEGIN {print a - b}')"
# Per-step engine costs, when the proc.h bench is there.
if [ -x "$SRC_DIR/bench/exec-rtt.sh" ] || [ -f "$SRC_DIR/bench/exec-rtt.sh" ]; then
	echo "  engine steps (bench/exec-rtt.sh, 20 runs):"
	bash "$SRC_DIR/bench/exec-rtt.sh" 20 2>/dev/null | sed 's/^/    /' || true
fi
