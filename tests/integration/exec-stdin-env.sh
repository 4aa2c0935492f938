# exec-stdin-env: stdin reaches the command and ends with EOF (text and
# base64 binary); env, workdir and user are honoured; the shell of
# "command" is the workspace's.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new exin "$K")

xrun "$ID" "$K" '{"argv":["sh","-c","cat; echo EOF-seen"],"stdin":"line1\nline2\n"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "line1
line2
EOF-seen" "stdin then EOF"
xrun "$ID" "$K" '{"argv":["wc","-c"],"stdin":""}'
assert_eq "$(jq -r .stdout "$WORK/x.json" | tr -d ' ')" 0 "empty stdin is EOF at once"
xrun "$ID" "$K" '{"argv":["cat"]}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "" "no stdin: /dev/null"
ok "stdin delivered, EOF after it; none means EOF at once"

head -c 300000 /dev/urandom >"$WORK/in.bin"
printf '{"argv":["md5sum"],"stdin_encoding":"base64","stdin":"%s"}' "$(base64 -w0 "$WORK/in.bin")" >"$WORK/req.json"
xrun "$ID" "$K" "$(cat "$WORK/req.json")"
assert_eq "$(jq -r .stdout "$WORK/x.json" | cut -d' ' -f1)" "$(md5sum <"$WORK/in.bin" | cut -d' ' -f1)" "md5 of binary stdin"
ok "300 KB binary stdin (base64) arrives byte-exact"

# Another user than the workspace's is an admin's to ask for (exec-user).
xrun "$ID" "$ADMIN_KEY" '{"argv":["sh","-c","echo $FOO/$BAR; pwd; id -u; id -un"],"env":{"FOO":"foo val","BAR":"b=r"},"workdir":"/tmp","user":"root"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "foo val/b=r
/tmp
0
root" "env, workdir, user root"
xrun "$ID" "$K" '{"command":"id -u; pwd"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "1000
/home/dev" "defaults: the workspace user and workdir"
xrun "$ID" "$K" '{"command":"echo $0"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" /bin/bash "the workspace shell runs command"
ok "env, workdir, user honoured; defaults are the workspace's"

for bad in '{}' '{"argv":[]}' '{"argv":["x"],"command":"y"}' '{"argv":"ls"}' \
	'{"argv":["ls"],"timeout":0}' '{"argv":["ls"],"timeout":3601}' \
	'{"argv":["ls"],"tiemout":5}' '{"argv":["ls"],"env":{"A B":"x"}}' \
	'{"argv":["ls"],"workdir":"rel"}' '{"argv":["ls"],"user":"a b"}' \
	'{"argv":["ls"],"stdin":"x","stdin_encoding":"base64"}'; do
	st=$(xexec "$ID" "$K" "$bad")
	[ "$st" = 400 ] || fail "$bad -> $st, want 400"
done
ok "bad bodies -> 400 (unknown field, both argv and command, bad timeout, env key, workdir, user, base64)"
