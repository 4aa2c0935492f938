#!/usr/bin/env bash
# exec-memory.sh: berthd's memory bound under exec output (issue 10): N
# (64) concurrent execs each printing 100 MB of control bytes (16 MiB kept
# per answer, ~100 MB of escaped JSON sent); berthd's peak RSS (VmHWM)
# before and after, against the documented bound (docs/exec.md: about
# 0.5 MB per exec; 256 MB with 64).
# Usage: bench/exec-memory.sh [N]
. "$(dirname "$0")/lib.sh"
N=${1:-64}
berthd_start
expect 201 POST /v1/workspaces '{"name":"bxmem","wait":true,"memory":"2g"}'
ID=$(jget "$BODY" .id)
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$BERTHD_PID/status"; }
expect 200 POST "/v1/workspaces/$ID/exec" '{"command":"true"}'
hwm0=$(hwm)
t0=$(now_ms)
pids=()
mkdir -p "$WORK/codes"
for i in $(seq "$N"); do
	curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ADMIN_KEY" \
	    -H 'Content-Type: application/json' \
	    -d '{"command":"head -c 100000000 /dev/zero | tr \"\\0\" \"\\1\"","timeout":600}' \
	    "$URL/v1/workspaces/$ID/exec" >"$WORK/codes/$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(now_ms)
ok200=$(cat "$WORK"/codes/* | grep -c '^200$' || true)
hwm1=$(hwm)
printf '%d concurrent execs x 100 MB of control bytes: %d answered 200 in %.0f s; berthd peak RSS %d MB -> %d MB (+%d MB; documented bound 256 MB)\n' \
    "$N" "$ok200" "$(awk -v a="$t1" -v b="$t0" 'BEGIN {print (a - b) / 1000}')" \
    $((hwm0 / 1024)) $((hwm1 / 1024)) $(((hwm1 - hwm0) / 1024))
