#!/usr/bin/env bash
# ssh-exec: through the gateway, "ssh ws CMD" runs CMD in the workspace
# and exits with its status (0, 3, and 255 from the command itself, 143
# and 137 when killed), stdout and stderr stay separate, env passes only
# LANG/LC_*/TERM, keepalives are answered, stdin and EOF reach CMD.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

out=$(gssh "$IDA" "$WSA" 'echo hello; hostname') || fail "exec: $?"
[ "$out" = "hello
$WSA" ] || fail "exec output: '$out'"

set +e
gssh "$IDA" "$WSA" true; rc0=$?
gssh "$IDA" "$WSA" 'exit 3'; rc3=$?
gssh "$IDA" "$WSA" 'exit 255'; rc255=$?
gssh "$IDA" "$WSA" 'kill -TERM $$'; rcsig=$?
set -e
[ "$rc0" = 0 ] || fail "true exited $rc0"
[ "$rc3" = 3 ] || fail "exit 3 exited $rc3"
[ "$rc255" = 255 ] || fail "exit 255 exited $rc255"
[ "$rcsig" = 143 ] || fail "kill -TERM exited $rcsig (want 143)"

# stdout and stderr separate.
gssh "$IDA" "$WSA" 'echo out; echo err >&2; echo out2' \
    >"$T_TMP/o" 2>"$T_TMP/e" || fail "stderr run"
[ "$(cat "$T_TMP/o")" = "out
out2" ] || fail "stdout: $(cat "$T_TMP/o")"
[ "$(cat "$T_TMP/e")" = "err" ] || fail "stderr: $(cat "$T_TMP/e")"

# env: LANG and LC_* pass, others do not.
out=$(LANG=C.UTF-8 LC_FOO=bar BERTH_SECRET=x gssh "$IDA" "$WSA" \
    -o SendEnv=LANG -o SendEnv=LC_FOO -o SendEnv=BERTH_SECRET \
    'echo "$LANG|$LC_FOO|${BERTH_SECRET-unset}"')
[ "$out" = "C.UTF-8|bar|unset" ] || fail "env: $out"

# Client keepalives are answered (the client would give up after 2
# unanswered ones, 1 s apart).
out=$(gssh "$IDA" "$WSA" -o ServerAliveInterval=1 -o ServerAliveCountMax=2 \
    'sleep 5; echo alive') || fail "keepalive session: $?"
[ "$out" = alive ] || fail "keepalive: $out"

# A command killed by SIGKILL reports 137, like a local shell.
set +e
gssh "$IDA" "$WSA" 'kill -KILL $$'; rc=$?
set -e
[ "$rc" = 137 ] || fail "kill -KILL exited $rc (want 137)"

# stdin reaches the command; EOF ends it.
out=$(printf 'a\nb\nc\n' | gssh "$IDA" "$WSA" 'wc -l')
[ "$out" = 3 ] || fail "stdin: $out"
echo ok
