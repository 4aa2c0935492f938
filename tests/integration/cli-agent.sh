# cli-agent: the loop an AI agent runs, every step parsed from --json:
# deploy --wait, exec that writes a file, exec that computes and exits with
# a code, cp the result out, logs, rm.
. "$(dirname "$0")/lib.sh"
berthd_start
export BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json
cd "$WORK"

ws=$("$BERTH" deploy cli-agent --wait --json) || fail "deploy"
id=$(jget "$ws" .id)
assert_eq "$(jget "$ws" .state)" running "state after deploy --wait"
ok "deploy --wait --json"

r=$("$BERTH" --json exec "$id" -- sh -c 'seq 1 5 > /tmp/nums.txt && echo wrote') || fail "exec write"
assert_eq "$(jget "$r" .exit_code)" 0 "write exit code"
assert_eq "$(jget "$r" .stdout)" wrote "write stdout"
assert_eq "$(jget "$r" .timed_out)" false "write timed_out"
ok "exec writes a file (--json)"

rc=0; r=$("$BERTH" --json exec "${id:0:8}" -- sh -c 's=0; for n in $(cat /tmp/nums.txt); do s=$((s + n)); done; echo $s; exit $((s % 7))') || rc=$?
assert_eq "$rc" 1 "berth exit status = remote exit code (15 % 7)"
assert_eq "$(jget "$r" .exit_code)" 1 "compute exit code"
assert_eq "$(jget "$r" .stdout)" 15 "compute stdout"
ok "exec computes; exit code passed through"

"$BERTH" --json cp "$id:/tmp/nums.txt" ./nums.txt >"$WORK/cp.json" || fail "cp out"
jq -e . "$WORK/cp.json" >/dev/null || fail "cp --json output"
assert_eq "$(tr '\n' ' ' <nums.txt)" "1 2 3 4 5 " "copied file"
ok "cp out"

"$BERTH" --json logs "$id" --tail 20 >"$WORK/logs" || fail "logs"
"$BERTH" --json logs "$id" --deploy | jq -e 'type == "array" and length > 0' >/dev/null || fail "deploy events"
ok "logs and deploy events"

"$BERTH" --json rm "$id" | jq -e . >/dev/null || fail "rm --json"
rc=0; err=$("$BERTH" --json inspect "$id" 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "inspect after rm"
assert_eq "$(jget "$err" .error.code)" not_found "error after rm"
ok "rm; the workspace is gone"
