# exec-output: stdout and stderr are kept apart and byte-exact: text, binary
# with NUL bytes (base64 with *_encoding), 10 MB of random output (md5),
# in the JSON answer and in the NDJSON stream.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new exo "$K")
C=$(ws_cid "$ID" "$K")

xrun "$ID" "$K" '{"command":"echo to-out; echo to-err >&2; printf \"h\\303\\251\""}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "to-out
hé" "text stdout"
assert_eq "$(jq -r .stderr "$WORK/x.json")" "to-err" "text stderr"
assert_eq "$(jq -r '.stdout_encoding // "none"' "$WORK/x.json")" none "no encoding for text"
ok "text stdout and stderr apart, UTF-8 kept as text"

# Binary with NUL bytes on both streams.
head -c 65536 /dev/urandom >"$WORK/bin"
docker cp "$WORK/bin" "$C:/tmp/bin" >/dev/null
printf '\000a\000\377' >"$WORK/nul"
xrun "$ID" "$K" '{"command":"cat /tmp/bin; printf \"\\000a\\000\\377\" >&2"}'
assert_eq "$(jq -r .stdout_encoding "$WORK/x.json")" base64 "binary stdout encoding"
assert_eq "$(jq -r .stderr_encoding "$WORK/x.json")" base64 "binary stderr encoding"
out_bytes "$WORK/x.json" stdout | cmp - "$WORK/bin" || fail "binary stdout differs"
out_bytes "$WORK/x.json" stderr | cmp - "$WORK/nul" || fail "stderr with NULs differs"
ok "binary output and NUL bytes byte-exact (base64)"

# 10 MB of random bytes, whole in the JSON answer and through the stream.
head -c 10000000 /dev/urandom >"$WORK/ten"
docker cp "$WORK/ten" "$C:/tmp/ten" >/dev/null
want=$(md5sum <"$WORK/ten" | cut -d' ' -f1)
xrun "$ID" "$K" '{"command":"cat /tmp/ten; echo done >&2"}'
assert_eq "$(out_bytes "$WORK/x.json" stdout | md5sum | cut -d' ' -f1)" "$want" "md5 of 10 MB in the JSON answer"
assert_eq "$(jq -r '"\(.stdout_truncated) \(.stderr) \(.exit_code)"' "$WORK/x.json")" "false done
 0" "flags of the 10 MB answer"
st=$(curl -sS -o "$WORK/ten.ndjson" -w '%{http_code}' -H "Authorization: Bearer $K" \
	-H 'Accept: application/x-ndjson' -H 'Content-Type: application/json' -d '{"command":"cat /tmp/ten; echo done >&2"}' \
	"$URL/v1/workspaces/$ID/exec")
[ "$st" = 200 ] || fail "stream 10 MB -> $st"
got=$(jq -r 'select(.stream == "stdout") | if .encoding == "base64" then .data else (.data | @base64) end' \
	"$WORK/ten.ndjson" | while read -r l; do printf '%s' "$l" | base64 -d; done | md5sum | cut -d' ' -f1)
assert_eq "$got" "$want" "md5 of 10 MB through NDJSON"
assert_eq "$(jq -r 'select(.stream == "stderr") | .data' "$WORK/ten.ndjson")" done "stderr line in the stream"
assert_eq "$(tail -n 1 "$WORK/ten.ndjson" | jq -c '{exit_code, timed_out}')" '{"exit_code":0,"timed_out":false}' "last line"
ok "10 MB random output byte-exact in the JSON answer and through the stream (md5)"

