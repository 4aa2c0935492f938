# sup-exec: the exec API through berth-sup, the in-container supervisor:
# the workspace says "runner":"sup"; exit codes and signals (128+N), stdin
# and EOF, env, cwd, the workspace user, output cap, timeout; a timeout
# kills the whole tree, a double-forked `setsid ... env -i sleep` escapee
# included; the supervisor's RSS stays under 2 MB.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start --exec-output-cap 1m
K=$(mkuser alice)
ID=$(ws_new sx1 "$K")
B=$(api GET "/v1/workspaces/$ID" "" "$K")
assert_eq "$(jget "$B" .runner)" sup "runner"
C=$(jget "$B" .container_id)

code() { # JSON: prints exit_code timed_out
	xrun "$ID" "$K" "$1"
	jq -r '"\(.exit_code) \(.timed_out)"' "$WORK/x.json"
}
assert_eq "$(code '{"argv":["true"]}')" "0 false" "true"
assert_eq "$(code '{"argv":["sh","-c","exit 7"]}')" "7 false" "exit 7"
assert_eq "$(code '{"command":"kill -TERM $$"}')" "143 false" "SIGTERM is 128+15"
assert_eq "$(code '{"command":"kill -9 $$"}')" "137 false" "SIGKILL is 128+9"
assert_eq "$(code '{"argv":["no-such-command-here"]}')" "127 false" "missing command"
grep -q 'executable file not found' <<<"$(jq -r .stderr "$WORK/x.json")" ||
	fail "no cause on stderr: $(cat "$WORK/x.json")"

# stdin to EOF, stdout and stderr apart
xrun "$ID" "$K" '{"argv":["sh","-c","wc -c; echo err >&2"],"stdin":"hello\n"}'
assert_eq "$(jq -r .stdout "$WORK/x.json" | tr -d ' ')" 6 "stdin bytes up to EOF"
assert_eq "$(jq -r .stderr "$WORK/x.json")" err "stderr apart"
# 3 MB of stdin (past the 256 KiB window: credit flow) comes back whole
head -c 3000000 /dev/urandom | base64 -w0 >"$WORK/in.b64"
jq -n --rawfile d "$WORK/in.b64" '{argv:["md5sum"],stdin:$d,stdin_encoding:"base64"}' >"$WORK/in.json"
st=$(curl -sS -o "$WORK/x.json" -w '%{http_code}' -H "Authorization: Bearer $K" \
	-H 'Content-Type: application/json' --data-binary @"$WORK/in.json" \
	"$URL/v1/workspaces/$ID/exec")
assert_eq "$st" 200 "big stdin"
assert_eq "$(jq -r .stdout "$WORK/x.json" | cut -d' ' -f1)" \
	"$(base64 -d "$WORK/in.b64" | md5sum | cut -d' ' -f1)" "3 MB of stdin, md5"

# env, cwd, user: the workspace's own
xrun "$ID" "$K" '{"argv":["sh","-c","echo $FOO; pwd; id -u; echo ${BERTH_SUP_SECRET:-none}"],"env":{"FOO":"foo val"},"workdir":"/tmp"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "foo val
/tmp
1000
none" "env, workdir, uid 1000, no secret in the environment"
xrun "$ID" "$K" '{"argv":["pwd"]}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" /home/dev "default workdir"

# output cap (1 MiB here): flagged, the process still ends
xrun "$ID" "$K" '{"command":"head -c 3000000 /dev/zero | tr \"\\\\0\" a"}'
assert_eq "$(jq -r '"\(.stdout_truncated) \(.stdout | length) \(.exit_code)"' "$WORK/x.json")" \
	"true 1048576 0" "output cap"

# 900 KB of output (past the 256 KiB window: credit flow) arrives whole
xrun "$ID" "$K" '{"command":"head -c 900000 /dev/zero | tr \"\\\\0\" b; echo; echo end"}'
assert_eq "$(jq -r '.stdout | length' "$WORK/x.json") $(jq -r '.stdout | split("\n") | .[-2]' "$WORK/x.json")" \
	"900005 end" "output through the window"

# a timeout kills the whole tree, the escapee that cleared its
# environment and left the tree included
t0=$(date +%s%N)
xrun "$ID" "$K" '{"command":"setsid sh -c '\''env -i sleep 1001 & env -i sleep 1002 &'\''; sleep 1003","timeout":2}'
assert_eq "$(code '{"argv":["true"]}' >/dev/null; jq -r '"\(.exit_code)"' "$WORK/x.json")" 0 "next exec"
xrun "$ID" "$K" '{"argv":["ps","-eo","pid,ppid,args"]}'
if grep -E 'sleep 100[123]' <<<"$(jq -r .stdout "$WORK/x.json")"; then
	fail "the timed-out tree left processes: $(jq -r .stdout "$WORK/x.json")"
fi
docker top "$C" -eo pid,args | grep -E 'sleep 100[123]' &&
	fail "escapee still runs (docker top)"

# the supervisor's own memory: under 2 MB RSS
SUPPID=$(docker top "$C" -eo pid,args | awk '$2 == "/.berth/sup" {print $1; exit}')
[ -n "$SUPPID" ] || fail "no supervisor process: $(docker top "$C" -eo pid,args)"
RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$SUPPID/status")
echo "berth-sup RSS: ${RSS} kB"
[ "$RSS" -lt 2048 ] || fail "supervisor RSS ${RSS} kB >= 2 MB"
ok "exec through berth-sup: codes, signals, stdin/EOF, env, cwd, user, cap, timeout kills the tree, RSS ${RSS} kB"
