# cli-workspaces: deploy/ls/inspect/stop/start/restart/redeploy/rm through
# berth against a real berthd and dockerd: tables for people, the API's
# objects with --json (checked with jq), exit codes, and TTY behaviour
# (colour and the rm prompt only on a terminal, run under script(1)).
. "$(dirname "$0")/lib.sh"
berthd_start
export BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json
tty() { script -qec "$1" /dev/null; }

j=$("$BERTH" deploy cli-w1 --wait --json -e FOO=bar --ttl 2h --idle-timeout 0) || fail "deploy"
assert_eq "$(jget "$j" .state)" running "deploy --wait state"
assert_eq "$(jget "$j" .name)" cli-w1 "deploy name"
assert_eq "$(jget "$j" .env.FOO)" bar "deploy env"
assert_eq "$(jget "$j" .ttl)" 7200 "deploy ttl"
id=$(jget "$j" .id)
docker inspect -f '{{.State.Running}}' "$(jget "$j" .container_id)" | grep -q true || fail "container not running"
ok "deploy --wait --json"

out=$("$BERTH" deploy cli-w2 2>"$WORK/err") || fail "deploy without wait"
echo "$out" | grep -q "^Workspace cli-w2 (" || fail "deploy output: $out"
! grep -q $'\r' "$WORK/err" || fail "spinner without a TTY"
ok "deploy, human output, no spinner off a TTY"

rc=0; "$BERTH" deploy cli-w1 >/dev/null 2>"$WORK/err" || rc=$?
assert_eq "$rc" 1 "duplicate name"
grep -q "^berth: " "$WORK/err" || fail "duplicate message"
rc=0; "$BERTH" deploy BAD_NAME >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "bad name"
ok "server errors: exit 1, message on stderr"

"$BERTH" ls >"$WORK/ls" || fail "ls"
head -1 "$WORK/ls" | grep -Eq '^NAME +ID +STATE +GPU +IMAGE +CREATED +TTL LEFT$' || fail "ls header: $(head -1 "$WORK/ls")"
grep -Eq "^cli-w1 +${id:0:8} +running +- +[^ ]+ +[0-9]+s ago|^cli-w1 +${id:0:8} +running +- +[^ ]+ +just now" "$WORK/ls" || fail "ls row: $(cat "$WORK/ls")"
grep -Eq '^cli-w1 .* (1h 59m|2h)$' "$WORK/ls" || fail "ls ttl column: $(cat "$WORK/ls")"
! grep -q $'\e' "$WORK/ls" || fail "colour without a TTY"
# columns line up: STATE starts at the same offset on every line
awk '{ print index($0, $3) }' "$WORK/ls" | sort -u | wc -l | grep -qx 1 || fail "columns not aligned"
assert_eq "$("$BERTH" ls -q | sort | tr '\n' ' ')" "cli-w1 cli-w2 " "ls -q"
"$BERTH" ls --json | jq -e 'length == 2 and all(.[]; has("id") and has("ssh"))' >/dev/null || fail "ls --json"
ok "ls: aligned table, -q names, --json array"

"$BERTH" stop cli-w2 >/dev/null || fail "stop"
assert_eq "$("$BERTH" ls -q --status stopped)" cli-w2 "ls --status stopped"
assert_eq "$("$BERTH" ls -q --status running)" cli-w1 "ls --status running"
assert_eq "$("$BERTH" start cli-w2 --json | jq -r .state)" running "start"
assert_eq "$("$BERTH" restart cli-w2)" "cli-w2: running" "restart"
assert_eq "$("$BERTH" redeploy cli-w2 --json | jq -r .state)" running "redeploy"
rc=0; "$BERTH" stop cli-w2 cli-nope >"$WORK/out" 2>"$WORK/err" || rc=$?
assert_eq "$rc" 1 "stop with one bad id"
grep -q "cli-w2: stopped" "$WORK/out" || fail "stop of the good one"
grep -q "cli-nope" "$WORK/err" || fail "stop error names the bad one"
ok "stop/start/restart/redeploy and partial failure"

"$BERTH" inspect cli-w1 >"$WORK/insp" || fail "inspect"
grep -Eq "^ID: +$id$" "$WORK/insp" || fail "inspect id"
grep -Eq '^Env: +FOO=bar$' "$WORK/insp" || fail "inspect env"
grep -Eq '^SSH: +ssh -p [0-9]+ cli-w1@' "$WORK/insp" || fail "inspect ssh"
assert_eq "$("$BERTH" inspect "${id:0:8}" --json | jq -r .name)" cli-w1 "inspect by prefix"
assert_eq "$("$BERTH" inspect "$id" --json | jq -r .name)" cli-w1 "inspect by uuid"
rc=0; err=$("$BERTH" inspect cli-nope --json 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "inspect missing"
assert_eq "$(jget "$err" .error.code)" not_found "inspect missing --json error"
ok "inspect by name, prefix, uuid; JSON errors"

assert_eq "$("$BERTH" ssh cli-w1 --print)" "$(jget "$j" .ssh.command)" "ssh --print"
mkdir -p "$WORK/home"
HOME=$WORK/home "$BERTH" ssh-config >/dev/null || fail "ssh-config"
HOME=$WORK/home "$BERTH" ssh-config >/dev/null || fail "ssh-config again"
grep -q '^Host cli-w1.berth$' "$WORK/home/.ssh/berth_config" || fail "ssh-config host block"
grep -q "^	Port $SSH_PORT$" "$WORK/home/.ssh/berth_config" || fail "ssh-config port"
assert_eq "$(head -1 "$WORK/home/.ssh/config")" "Include berth_config" "Include at the top"
assert_eq "$(grep -c berth_config "$WORK/home/.ssh/config")" 1 "Include once"
assert_eq "$(stat -c %a "$WORK/home/.ssh/berth_config")" 600 "berth_config mode"
# (OpenSSH resolves the relative Include against the real home, so the
# block itself is checked here)
ssh -G -F "$WORK/home/.ssh/berth_config" cli-w1.berth >"$WORK/sshg" 2>/dev/null || fail "ssh -G"
grep -qx "port $SSH_PORT" "$WORK/sshg" || fail "ssh does not read the block"
ok "ssh --print and ssh-config"

# on a terminal: colour, and rm asks
tty "$BERTH ls" >"$WORK/tty" || fail "ls on a tty"
grep -q $'\e\[32mrunning' "$WORK/tty" || fail "no colour on a TTY"
NO_COLOR=1 tty "$BERTH ls" >"$WORK/tty" || fail "ls NO_COLOR"
! grep -q $'\e\[' "$WORK/tty" || fail "colour with NO_COLOR"
tty "$BERTH --no-color ls" >"$WORK/tty" || fail "ls --no-color"
! grep -q $'\e\[' "$WORK/tty" || fail "colour with --no-color"
rc=0; echo n | tty "$BERTH rm cli-w2" >"$WORK/tty" 2>&1 || rc=$?
grep -q "Delete workspace cli-w2? \[y/N\]" "$WORK/tty" || fail "rm did not ask: $(cat "$WORK/tty")"
"$BERTH" inspect cli-w2 >/dev/null || fail "rm deleted after 'n'"
echo y | tty "$BERTH rm cli-w2" >"$WORK/tty" 2>&1 || fail "rm y"
rc=0; "$BERTH" inspect cli-w2 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "rm after 'y'"
ok "TTY: colour (not with NO_COLOR/--no-color), rm asks"

tty "$BERTH deploy cli-w3 --wait" >"$WORK/tty" 2>&1 || fail "deploy --wait on a tty"
grep -q "waiting for the workspace" "$WORK/tty" || fail "no spinner on a TTY"
tty "$BERTH rm -f cli-w3" >"$WORK/tty" 2>&1 || fail "rm -f on a tty"
! grep -q "y/N" "$WORK/tty" || fail "rm -f asked"
ok "TTY: spinner; rm --force does not ask"

# without a terminal rm deletes at once; --json shows what was deleted
cid=$(jget "$j" .container_id)
"$BERTH" rm cli-w1 --json </dev/null | jq -e '.id or .deleted' >/dev/null || fail "rm --json"
rc=0; "$BERTH" inspect cli-w1 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "rm without a TTY"
! docker inspect "$cid" >/dev/null 2>&1 || fail "container left behind"
assert_eq "$("$BERTH" ls --json)" "[]" "empty ls --json"
ok "rm without a TTY deletes without asking"
