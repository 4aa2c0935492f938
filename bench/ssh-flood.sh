#!/usr/bin/env bash
# ssh-flood: SSH login time ("ssh host true", median of ROUNDS) through the
# gateway under a flood (IDLE silent TCP connections + STALLED ones stopped
# mid key exchange, from ADDRS loopback addresses, redialled when cut) vs
# with none, measured in the same run; and berthd's RSS under the flood.
# Usage: bench/ssh-flood.sh   (BENCH_IDLE 500, BENCH_STALLED 200,
#        BENCH_ADDRS 20, BENCH_ROUNDS 10; BUILD_DIR)
# Target: every login under 2 s; the ratio is the figure to quote.
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/integration/ssh-lib/common.bash"

IDLE=${BENCH_IDLE:-500}
STALLED=${BENCH_STALLED:-200}
ADDRS=${BENCH_ADDRS:-20}
ROUNDS=${BENCH_ROUNDS:-10}

setup_one
login_ms() {	# median and max ms of ROUNDS logins from 127.0.0.99
	local i t0 t1
	for i in $(seq "$ROUNDS"); do
		t0=$(date +%s%N)
		gssh "$IDA" "$WSA" -o BindAddress=127.0.0.99 true ||
		    fail "login failed"
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000000 ))
	done | sort -n | awk '{a[NR]=$1} END {printf "%d %d", a[int((NR+1)/2)], a[NR]}'
}
read -r quiet_med quiet_max <<<"$(login_ms)"
/usr/bin/python3 "$SRC_DIR/tests/integration/ssh-lib/flood.py" "$SSH_PORT" \
    $(( ROUNDS * 3 + 20 )) "$IDLE" "$STALLED" "$ADDRS" >"$T_TMP/flood" 2>&1 &
FL=$!
trap 'rc=$?; set +e; kill $FL 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for grep -q ready "$T_TMP/flood" || fail "flood did not start"
sleep 5
read -r flood_med flood_max <<<"$(login_ms)"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$BERTHD_PID/status")
kill "$FL" 2>/dev/null || true
cat <<EOT
ssh-flood: $IDLE idle + $STALLED stalled connections from $ADDRS addresses, $(nproc) CPUs
                          no flood    flood   flood/none
login median (ms)         $(printf '%8d %8d' "$quiet_med" "$flood_med")   $(awk -v a="$flood_med" -v b="$quiet_med" 'BEGIN { printf "%.2fx", a / b }')
login max (ms)            $(printf '%8d %8d' "$quiet_max" "$flood_max")   (target < 2000)
berthd RSS under the flood: $(( rss / 1024 )) MB
EOT
