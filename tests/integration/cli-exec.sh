# cli-exec: berth exec streams stdout/stderr separately and in order, exits
# with the remote status, passes binary output and -i stdin byte-exact,
# honours --timeout/--workdir/--env/--user; berth cp moves files and
# directories both ways, streamed, byte-exact.
. "$(dirname "$0")/lib.sh"
berthd_start
export BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json
cd "$WORK"
"$BERTH" deploy cli-x --wait -q >/dev/null || fail "deploy"

"$BERTH" exec cli-x -- sh -c 'echo out1; echo err1 >&2; echo out2' >out 2>err || fail "exec"
assert_eq "$(cat out)" "$(printf 'out1\nout2')" "stdout"
assert_eq "$(cat err)" "err1" "stderr"
for code in 0 3 255; do
	rc=0; "$BERTH" exec cli-x -- sh -c "exit $code" || rc=$?
	assert_eq "$rc" "$code" "exit $code"
done
ok "stdout/stderr apart; exit codes 0, 3, 255"

# output arrives as it comes: the first line before the command ends
"$BERTH" exec cli-x -- sh -c 'echo first; sleep 3; echo second' >stream &
pid=$!
wait_for grep -q first stream || fail "first line not streamed"
grep -q second stream && fail "not streamed: all at once"
wait "$pid" || fail "streamed exec"
ok "output streamed as it comes"

rc=0; "$BERTH" exec cli-x --timeout 1 -- sleep 30 2>err || rc=$?
assert_eq "$rc" 124 "timeout exit"
grep -q "timed out" err || fail "timeout message"
ok "--timeout kills the command: exit 124"

head -c 300000 /dev/urandom >rand.bin
"$BERTH" exec -i cli-x -- cat <rand.bin >rand.out || fail "exec -i"
cmp rand.bin rand.out || fail "binary stdin/stdout differ"
ok "-i stdin and binary output byte-exact"

assert_eq "$("$BERTH" exec -w /tmp -e GREETING=hi cli-x -- sh -c 'echo $PWD $GREETING')" "/tmp hi" "workdir/env"
assert_eq "$("$BERTH" exec -u root cli-x -- id -u)" 0 "user"
ok "--workdir --env --user"

head -c 20000000 /dev/urandom >big.bin
"$BERTH" cp big.bin cli-x:/tmp/big.bin 2>cp.err || fail "cp up"
! grep -q $'\r' cp.err || fail "progress bar without a TTY"
"$BERTH" cp cli-x:/tmp/big.bin big.back || fail "cp down"
cmp big.bin big.back || fail "20 MB round trip differs"
"$BERTH" cp big.bin cli-x:/tmp/ >/dev/null 2>&1 || fail "cp into a dir"
assert_eq "$("$BERTH" exec cli-x -- sh -c 'wc -c < /tmp/big.bin')" 20000000 "cp into dir"
ok "cp a 20 MB file both ways, byte-exact"

mkdir -p tree/sub && echo a >tree/a && echo b >tree/sub/b && ln -s a tree/link
"$BERTH" cp tree cli-x:/tmp/tree >/dev/null 2>&1 || fail "cp dir up"
assert_eq "$("$BERTH" exec cli-x -- cat /tmp/tree/sub/b)" b "dir up"
"$BERTH" cp cli-x:/tmp/tree back >/dev/null 2>&1 || fail "cp dir down"
diff -r tree back || fail "directory round trip differs"
ok "cp a directory both ways (tar)"

printf '#!/bin/sh\necho ran\n' >tool.sh && chmod 750 tool.sh
"$BERTH" cp tool.sh cli-x:/tmp/tool.sh >/dev/null 2>&1 || fail "cp script up"
assert_eq "$("$BERTH" exec cli-x -- /tmp/tool.sh)" ran "mode kept on upload"
"$BERTH" cp cli-x:/tmp/tool.sh tool.back >/dev/null 2>&1 || fail "cp script down"
assert_eq "$(stat -c %a tool.back)" 750 "mode kept on download"
ok "cp keeps permission bits both ways"

echo piped | "$BERTH" cp - cli-x:/tmp/piped.txt >/dev/null 2>&1 || fail "cp from stdin"
assert_eq "$("$BERTH" cp cli-x:/tmp/piped.txt -)" piped "cp to stdout"
rc=0; "$BERTH" cp cli-x:/nope/nothing out.txt 2>err || rc=$?
assert_eq "$rc" 1 "cp missing file"
[ ! -e out.txt ] || fail "partial file left behind"
rc=0; "$BERTH" cp a b 2>/dev/null || rc=$?
assert_eq "$rc" 2 "cp with no remote side"
ok "cp - (stdin/stdout), errors"
