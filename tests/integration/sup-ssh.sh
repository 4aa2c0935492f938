#!/usr/bin/env bash
# sup-ssh: SSH gateway sessions run through berth-sup (docs/exec.md) and
# belong to their connection: after kill -9 of berthd a session's whole
# tree (a background grandchild included) is gone within seconds, instead
# of running on unowned (issue 12 item 9); the gateway works again after
# the restart.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
C=$(jget "$BODY" .container_id)
[ "$(jget "$BODY" .runner)" = sup ] || fail "runner: $BODY"
count() { docker top "$C" -eo pid,args | grep -cE "^[0-9]+ +sleep 30[34]" || true; }
both() { [ "$(count)" = 2 ]; }
none() { [ "$(count)" = 0 ]; }

gssh "$IDA" "$WSA" 'sleep 304 & sleep 303' >/dev/null 2>&1 &
SSHPID=$!
wait_for both || fail "session did not start: $(docker top "$C" -eo pid,args)"
berthd_kill9
wait_for none || fail "the session's tree outlived berthd: $(docker top "$C" -eo pid,args)"
wait "$SSHPID" 2>/dev/null || true
berthd_start
out=$(gssh "$IDA" "$WSA" 'echo back') || fail "ssh after restart: $?"
[ "$out" = back ] || fail "ssh after restart: '$out'"
ok "an SSH session's tree goes with berthd's connection; the gateway serves again after a restart"
