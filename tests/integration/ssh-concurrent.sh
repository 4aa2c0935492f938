#!/usr/bin/env bash
# ssh-concurrent: 20 sessions at once all run and exit right, while one
# client that never reads its output (a stalled channel with 'cat
# /dev/zero') and one that connects and says nothing stall nobody.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

# A reader that never reads, and a silent TCP client.
mkfifo "$T_TMP/never"
gssh "$IDA" "$WSA" 'cat /dev/zero' >"$T_TMP/never" &
STALL=$!
exec 7<>/dev/tcp/127.0.0.1/"$SSH_PORT"
trap 'kill $STALL 2>/dev/null; exec 7>&-; cleanup' EXIT
sleep 1

t0=$(date +%s)
pids=()
for i in $(seq 20); do
	gssh "$IDA" "$WSA" "sleep 1; echo s$i; exit $((i % 5))" \
	    >"$T_TMP/out.$i" 2>"$T_TMP/err.$i" &
	pids+=($!)
done
for i in $(seq 20); do
	set +e
	wait "${pids[$((i - 1))]}"
	rc=$?
	set -e
	[ "$rc" = $((i % 5)) ] || fail "session $i exited $rc: $(cat "$T_TMP/err.$i")"
	[ "$(cat "$T_TMP/out.$i")" = "s$i" ] || fail "session $i output"
done
t1=$(date +%s)
note "20 concurrent sessions in $((t1 - t0)) s"
[ $((t1 - t0)) -le 60 ] || fail "20 sessions took $((t1 - t0)) s"
kill -0 "$STALL" 2>/dev/null || fail "the stalled session died"
echo ok
