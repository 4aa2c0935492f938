#!/usr/bin/env bash
# cli.sh: berth CLI wall times against a real berthd on 127.0.0.1:
# `berth version` and `berth ls` (median of N, default 50; targets <= 5 ms
# and <= 15 ms), and `berth exec WS -- true` vs `docker exec C true`
# (median of M, default 20, alternating; target <= 0.6x). Timing uses
# bash's $EPOCHREALTIME, so no extra process is forked per sample.
# Usage: bench/cli.sh [N] [M]
. "$(dirname "$0")/lib.sh"
N=${1:-50}
M=${2:-20}
berthd_start
export BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json

# elapsed_ms T0 T1: milliseconds between two $EPOCHREALTIME values.
elapsed_ms() {
	awk -v a="$2" -v b="$1" 'BEGIN {printf "%.3f\n", (a - b) * 1000}'
}

# sample FILE N CMD...: runs CMD N times, one wall time (ms) a line.
sample() {
	local f=$1 n=$2 i t0 t1
	shift 2
	: >"$f"
	for ((i = 0; i < n; i++)); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		echo "$t0 $t1" >>"$f.raw"
	done
	awk '{printf "%.3f\n", ($2 - $1) * 1000}' "$f.raw" >"$f"
	rm -f "$f.raw"
}

for i in 1 2 3; do
	"$BERTH" deploy "bench-cli-$i" --wait -q >/dev/null || fail "deploy"
done
sample "$WORK/true.txt" "$N" /bin/true
sample "$WORK/version.txt" "$N" "$BERTH" version
sample "$WORK/ls.txt" "$N" "$BERTH" ls
BERTH_USE_CURL=1 sample "$WORK/ls-curl.txt" "$N" "$BERTH" ls
v=$(median <"$WORK/version.txt")
t=$(median <"$WORK/true.txt")
printf 'berth version: median of %d %.2f ms (target <= 5 ms); /bin/true %.2f ms here, so berth itself adds %.2f ms\n' \
	"$N" "$v" "$t" "$(awk -v a="$v" -v b="$t" 'BEGIN {print a - b}')"
printf 'berth ls (3 workspaces): median of %d %.2f ms (target <= 15 ms); through libcurl %.2f ms\n' \
	"$N" "$(median <"$WORK/ls.txt")" "$(median <"$WORK/ls-curl.txt")"

# exec: only when the server has the exec route
cid=$("$BERTH" inspect bench-cli-1 --json | jq -r .container_id)
if ! "$BERTH" exec bench-cli-1 -- true >/dev/null 2>"$WORK/exec.err"; then
	echo "berth exec: not measured: $(cat "$WORK/exec.err")"
	exit 0
fi
: >"$WORK/bexec.txt"
: >"$WORK/dexec.txt"
for ((i = 0; i < M; i++)); do
	t0=$EPOCHREALTIME
	"$BERTH" exec bench-cli-1 -- true >/dev/null 2>&1 || fail "berth exec"
	t1=$EPOCHREALTIME
	elapsed_ms "$t0" "$t1" >>"$WORK/bexec.txt"
	t0=$EPOCHREALTIME
	docker exec "$cid" true >/dev/null 2>&1 || fail "docker exec"
	t1=$EPOCHREALTIME
	elapsed_ms "$t0" "$t1" >>"$WORK/dexec.txt"
done
b=$(median <"$WORK/bexec.txt")
d=$(median <"$WORK/dexec.txt")
printf 'exec true: median of %d berth exec %.1f ms, docker exec %.1f ms, ratio %.2fx (target <= 0.6x)\n' \
	"$M" "$b" "$d" "$(awk -v a="$b" -v b="$d" 'BEGIN {print a / b}')"
