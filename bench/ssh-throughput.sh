#!/usr/bin/env bash
# ssh-throughput: the SSH gateway against a per-container sshd (direct
# mode) in the same kind of workspace, same cipher, same client:
#   1. "cat /dev/zero | head -c N" streamed to the client (MB/s)
#   2. scp of an N-byte file from the workspace (MB/s)
#   3. "ssh host true", connection to exit, median of 20 (ms)
# Usage: bench/ssh-throughput.sh   (BENCH_BYTES, default 1 GiB;
#        BENCH_CIPHER, default aes128-gcm@openssh.com; BUILD_DIR)
# Starts its own berthd on free loopback ports; talks only to 127.0.0.1.
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/integration/ssh-lib/common.bash"

N=${BENCH_BYTES:-1073741824}
CIPHER=${BENCH_CIPHER:-aes128-gcm@openssh.com}
ROUNDS=${BENCH_ROUNDS:-20}

setup_one
mkws "$KA" dws '"ssh":"direct"'
DPORT=$(jget "$BODY" .ssh.port)
DUSER=$(jget "$BODY" .ssh.user)
[ -n "$DPORT" ] && [ "$DPORT" != null ] || fail "no direct port: $BODY"

# The two targets as ssh argument lists.
GW=(-p "$SSH_PORT" "$WSA@127.0.0.1")
DI=(-p "$DPORT" "$DUSER@127.0.0.1")
OPTS="$(ssh_opts "$IDA") -c $CIPHER"
wait_for ssh $OPTS "${DI[@]}" true || fail "direct sshd never answered"

secs() {	# secs CMD...: wall seconds of CMD, 3 decimals
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}
mbps() {
	awk -v n="$N" -v s="$1" 'BEGIN { printf "%.1f", n / s / 1e6 }'
}
stream() {
	# shellcheck disable=SC2086
	ssh $OPTS "$@" "cat /dev/zero | head -c $N" | wc -c >"$T_TMP/n"
	[ "$(cat "$T_TMP/n")" = "$N" ] || fail "short stream: $(cat "$T_TMP/n")"
}
scpget() {
	local port=$1 dest=$2
	# shellcheck disable=SC2086
	scp -q $OPTS -P "$port" "$dest:/tmp/bench.bin" "$T_TMP/got"
	[ "$(stat -c %s "$T_TMP/got")" = "$N" ] || fail "short scp"
	rm -f "$T_TMP/got"
}
conn_ms() {	# median ms of ROUNDS "ssh host true"
	local i
	for i in $(seq "$ROUNDS"); do
		# shellcheck disable=SC2086
		secs ssh $OPTS "$@" true
		echo
	done | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)] * 1000}'
}

for who in GW DI; do
	declare -n T=$who
	# shellcheck disable=SC2086
	ssh $OPTS "${T[@]}" "head -c $N /dev/zero >/tmp/bench.bin"
	s=$(secs stream "${T[@]}")
	printf -v "${who}_stream" '%s' "$(mbps "$s")"
	s=$(secs scpget "${T[1]}" "${T[2]}")
	printf -v "${who}_scp" '%s' "$(mbps "$s")"
	printf -v "${who}_true" '%s' "$(conn_ms "${T[@]}")"
	# shellcheck disable=SC2086
	ssh $OPTS "${T[@]}" "rm -f /tmp/bench.bin"
	unset -n T
done
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
cat <<EOT
ssh-throughput: $N bytes, cipher $CIPHER, $(nproc) CPUs
                              gateway   direct sshd   gateway/direct
cat /dev/zero | head (MB/s)  $(printf '%8s' "$GW_stream")   $(printf '%11s' "$DI_stream")   $(ratio "$GW_stream" "$DI_stream")x
scp from workspace (MB/s)    $(printf '%8s' "$GW_scp")   $(printf '%11s' "$DI_scp")   $(ratio "$GW_scp" "$DI_scp")x
ssh true, median of $ROUNDS (ms) $(printf '%7s' "$GW_true")   $(printf '%11s' "$DI_true")   $(ratio "$GW_true" "$DI_true")x
EOT
