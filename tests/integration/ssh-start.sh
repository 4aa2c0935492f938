#!/usr/bin/env bash
# ssh-start: ssh into a stopped workspace starts it, with a note on
# stderr, and the command runs; the connection is recorded as an event.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
expect 200 POST "/v1/workspaces/$WSA/stop" '' "$KA"
expect 200 GET "/v1/workspaces/$WSA" '' "$KA"
[ "$(jget "$BODY" .state)" = stopped ] || fail "not stopped: $BODY"

out=$(gssh "$IDA" "$WSA" 'echo ran' 2>"$T_TMP/e") || fail "ssh: $(cat "$T_TMP/e")"
[ "$out" = ran ] || fail "output: $out"
grep -q "starting" "$T_TMP/e" || fail "no note on stderr: $(cat "$T_TMP/e")"
expect 200 GET "/v1/workspaces/$WSA" '' "$KA"
[ "$(jget "$BODY" .state)" = running ] || fail "not running: $BODY"

# The session is an event: who, which workspace, from where, how long.
wait_for grep -q 'ssh session end' "$WORK/berthd.log"
expect 200 GET "/v1/events?workspace=$WSA" '' "$KA"
jget "$BODY" '.[] | select(.action == "ssh.session") | .detail' |
    grep -q 'from 127.0.0.1' || fail "no ssh.session event: $BODY"
echo ok
