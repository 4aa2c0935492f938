#!/usr/bin/env bash
# ssh-flood: the gateway holds under a connection flood, as sshd's
# MaxStartups makes sshd hold: 500 silent TCP connections and 200 stalled
# mid key exchange, from 20 loopback addresses and reconnecting whenever
# cut, while a good client from another address logs in and runs a command
# within 2 s, five times over. Per-address limits hold (no address gets
# more than its share of unauthenticated slots).
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
gssh "$IDA" "$WSA" true || fail "login before the flood"

/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/flood.py" \
    "$SSH_PORT" 40 500 200 20 >"$T_TMP/flood" 2>&1 &
FL=$!
trap 'rc=$?; set +e; kill $FL 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for grep -q ready "$T_TMP/flood" || fail "flood did not start"
sleep 5
for i in 1 2 3 4 5; do
	t0=$(date +%s%N)
	out=$(gssh "$IDA" "$WSA" -o BindAddress=127.0.0.99 'echo in') ||
	    fail "login $i under the flood failed: $?"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	note "login $i under the flood: $ms ms"
	[ "$out" = in ] || fail "login $i: '$out'"
	[ "$ms" -lt 2000 ] || fail "login $i took $ms ms (want < 2000)"
	sleep 1
done
wait "$FL" || fail "flood: $(cat "$T_TMP/flood")"
note "flood: $(tail -1 "$T_TMP/flood")"
grep -q "early drop" "$WORK/berthd.log" || fail "no early drop logged"
kill -0 "$BERTHD_PID" || fail "berthd died"
gssh "$IDA" "$WSA" true || fail "login after the flood"
echo ok
