#!/usr/bin/env bash
# ssh-ttl-warn: the TTL warning of SPEC section 7 in SSH sessions. A pty
# session open while the workspace's TTL is brought under 5 minutes gets
# the line "[berth] this workspace expires in ..." on its screen within
# the gateway's check interval; one that starts under 5 minutes gets it
# at once; an exec without a pty (scripts, scp, rsync) gets nothing.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
WS=$(jget "$BODY" .id)
expect 200 PATCH "/v1/workspaces/$WS" '{"ttl":"1h"}' "$KA"

gssh "$IDA" "$WSA" -tt 'sleep 25; echo the-end' </dev/null >"$T_TMP/open.out" &
SSHP=$!
trap 'rc=$?; set +e; kill $SSHP 2>/dev/null; (exit $rc); cleanup' EXIT
sleep 4
grep -q "expires in" "$T_TMP/open.out" && fail "warned with an hour left"
expect 200 PATCH "/v1/workspaces/$WS" '{"ttl":"4m30s"}' "$KA"
wait "$SSHP" || fail "pty session: $(cat "$T_TMP/open.out")"
grep -qE '\[berth\] this workspace expires in 4m[0-9]{2}s \(its TTL\)' \
    "$T_TMP/open.out" || fail "no warning in the open session: $(cat -v "$T_TMP/open.out")"
grep -q the-end "$T_TMP/open.out" || fail "the session's own output is missing"
[ "$(grep -c 'expires in' "$T_TMP/open.out")" = 1 ] ||
	fail "warned more than once: $(cat -v "$T_TMP/open.out")"
ok "a pty session open when the TTL fell under 5 minutes was warned once"

out=$(gssh "$IDA" "$WSA" -tt 'sleep 3; echo done' </dev/null)
echo "$out" | grep -qE 'expires in [34]m[0-9]{2}s' ||
	fail "a new pty session was not warned: $(echo "$out" | cat -v)"
out=$(gssh "$IDA" "$WSA" 'sleep 3; echo done')
[ "$out" = done ] || fail "an exec without a pty got more than its output: $out"
ok "a new pty session is warned at once; exec output stays clean"
