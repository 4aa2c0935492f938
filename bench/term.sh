#!/usr/bin/env bash
# term: the WebSocket terminal against the SSH gateway, same workspace,
# same run (both through a pty in the same container):
#   1. output throughput: base64 of BENCH_MB MiB of zeros to a headless
#      client (ws / the stock ssh -tt), MB/s;
#   2. keystroke echo latency through bash's line editor, median and p99
#      of 200 (ws / paramiko invoke_shell);
#   3. BENCH_TERMS (200) terminals open at once: berthd RSS and the echo
#      latency of one keystroke in each (median, p99).
# Usage: bench/term.sh   (BENCH_MB default 100, BENCH_TERMS 200, BUILD_DIR)
# Starts its own berthd on free loopback ports; talks only to 127.0.0.1.
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/integration/ssh-lib/common.bash"

MB=${BENCH_MB:-100}
TERMS=${BENCH_TERMS:-200}
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
export NODE_PATH=$T/node_modules
setup_one
export URL KEY=$KA WS=$WSA BERTHD_PID
J=$SRC_DIR/bench/term.js

# 1. throughput
wt=$(node "$J" tput "$MB") || fail "terminal throughput"
t0=$(date +%s%N)
n=$(gssh "$IDA" "$WSA" -tt "head -c ${MB}M /dev/zero | base64" </dev/null |
    wc -c)
t1=$(date +%s%N)
st=$(awk -v n="$n" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%.1f", n / ((b - a) / 1e9) / 1e6 }')
printf 'output throughput (%d MiB base64): terminal %.1f MB/s, ssh gateway %s MB/s, ratio %.2f\n' \
    "$MB" "$(jget "$wt" .mbps)" "$st" \
    "$(awk -v a="$(jget "$wt" .mbps)" -v b="$st" 'BEGIN { print a / b }')"

# 2. echo latency
we=$(node "$J" echo 200) || fail "terminal echo"
se=$(/usr/bin/python3 - "$SSH_PORT" "$WSA" "$IDA" <<'PY'
import json, sys, time, paramiko
port, login, keyfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=port, username=login, key_filename=keyfile,
          look_for_keys=False, allow_agent=False)
ch = c.invoke_shell(term="xterm", width=80, height=24)
buf = b""
ch.send(b"echo READY\r")
while b"READY\r\n" not in buf:
    buf += ch.recv(65536)
time.sleep(0.3)
while ch.recv_ready():
    ch.recv(65536)
lat = []
letters = b"abcdefghijklmnopqrstuvwxyz"
for i in range(200):
    k = letters[i % 26:i % 26 + 1]
    t0 = time.perf_counter()
    ch.send(k)
    got = b""
    while k not in got:
        got += ch.recv(65536)
    lat.append((time.perf_counter() - t0) * 1000)
    if i % 26 == 25:
        ch.send(b"\x15")
        time.sleep(0.05)
        while ch.recv_ready():
            ch.recv(65536)
lat.sort()
print(json.dumps({"median_ms": lat[100], "p99_ms": lat[197]}))
c.close()
PY
) || fail "ssh echo"
printf 'echo latency (200 keystrokes): terminal median %.2f ms p99 %.2f ms; ssh gateway median %.2f ms p99 %.2f ms\n' \
    "$(jget "$we" .median_ms)" "$(jget "$we" .p99_ms)" \
    "$(jget "$se" .median_ms)" "$(jget "$se" .p99_ms)"

# 3. many terminals
wm=$(node "$J" many "$TERMS") || fail "$TERMS terminals"
printf '%d terminals open: berthd RSS %.1f MB (%.1f MB before), echo median %.2f ms p99 %.2f ms\n' \
    "$TERMS" "$(jget "$wm" .rss_mb)" "$(jget "$wm" .rss0_mb)" \
    "$(jget "$wm" .median_ms)" "$(jget "$wm" .p99_ms)"
