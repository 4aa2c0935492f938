#!/usr/bin/env bash
# ssh-ratelimit: 200 failed authentications from one address get rate
# limited (the gateway says so in its log) but do not slow a good client
# connecting at the same time from the same address.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
mkkey "$T_TMP/bad"

# timed_ok: runs a good login, prints its wall time in ms.
timed_ok() {
	local t0 t1
	t0=$(date +%s%N)
	gssh "$IDA" "$WSA" true || fail "good client refused"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
median() {
	sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

for i in 1 2 3 4 5; do timed_ok; done >"$T_TMP/base"
base=$(median <"$T_TMP/base")

# 200 bad attempts, 10 streams of 20.
bad() {
	local i
	for i in $(seq 20); do
		gssh "$T_TMP/bad" "$WSA" true >/dev/null 2>&1 && echo IN
	done
	return 0
}
pids=()
for s in $(seq 10); do
	bad >"$T_TMP/stream.$s" &
	pids+=($!)
done
sleep 1
for i in 1 2 3 4 5; do timed_ok; done >"$T_TMP/during"
wait "${pids[@]}"
during=$(median <"$T_TMP/during")
note "good client median: ${base} ms alone, ${during} ms under 200 bad logins"
# (Not bad.*: that glob takes in bad.pub, whose base64 may hold "IN".)
! cat "$T_TMP"/stream.* | grep -qx IN || fail "a bad key got in"
grep -q 'ssh auth rate limited' "$WORK/berthd.log" ||
    fail "200 failures were never rate limited"
[ "$during" -le $((base * 3 + 1000)) ] ||
    fail "good client slowed: ${during} ms vs ${base} ms"
echo ok
