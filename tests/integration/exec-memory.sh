#!/usr/bin/env bash
# exec-memory: exec output is kept on disk past 64 KiB per stream, not in
# berthd's memory, and the JSON answer is written piece by piece: 8
# concurrent execs each printing 100 MB of control bytes (16 MiB kept, ~100
# MB of escaped JSON sent) raise berthd's peak RSS (VmHWM) by less than 96
# MiB (it was ~900 MB), and each answer is exact: the first 16 MiB, as
# text, truncated flagged. docs/exec.md states the bound.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new exmem "$K")

hwm() { awk '/^VmHWM/ {print $2}' "/proc/$BERTHD_PID/status"; }
xrun "$ID" "$K" '{"command":"true"}'
hwm0=$(hwm)
pids=()
for i in 1 2 3 4 5 6 7 8; do
	xexec "$ID" "$K" '{"command":"head -c 100000000 /dev/zero | tr \"\\0\" \"\\1\"","timeout":300}' \
	    "$WORK/m$i.json" >"$WORK/m$i.st" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "an exec failed"; done
hwm1=$(hwm)
for i in 1 2 3 4 5 6 7 8; do
	[ "$(cat "$WORK/m$i.st")" = 200 ] || fail "exec $i: $(cat "$WORK/m$i.st")"
	assert_eq "$(jq -r '"\(.exit_code) \(.stdout_truncated) \(.stdout_encoding // "text") \(.stdout | length)"' "$WORK/m$i.json")" \
	    "0 true text 16777216" "exec $i answer"
done
[ "$(jq -r .stdout "$WORK/m1.json" | tr -d '\001' | wc -c)" = 1 ] ||
    fail "stdout is not all \\001"
note=$(( (hwm1 - hwm0) / 1024 ))
echo "# peak RSS grew ${note} MiB (VmHWM $((hwm0 / 1024)) -> $((hwm1 / 1024)) MiB)" >&2
[ $((hwm1 - hwm0)) -lt $((96 * 1024)) ] ||
    fail "berthd peak RSS grew by ${note} MiB with 8 x 100 MB of control bytes"
ok "8 concurrent execs of 100 MB of control bytes: peak RSS +${note} MiB, answers exact"
