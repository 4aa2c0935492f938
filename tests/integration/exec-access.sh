# exec-access: exec reaches only the caller's running workspaces: another
# user's is 404 (and nothing runs there), a stopped one is 409 with a
# message that says so; an admin may exec anywhere.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
KB=$(mkuser bob)
ID=$(ws_new acc "$K")
C=$(ws_cid "$ID" "$K")

st=$(xexec "$ID" "$KB" '{"command":"touch /tmp/bob-was-here"}')
[ "$st" = 404 ] || fail "bob execs in alice's workspace -> $st"
st=$(xexec acc "$KB" '{"argv":["true"]}')
[ "$st" = 404 ] || fail "bob by name -> $st"
docker exec "$C" test ! -e /tmp/bob-was-here || fail "bob's command ran"
ok "another user's workspace -> 404, nothing ran"

xrun acc "$K" '{"argv":["true"]}'
xrun "$ID" "$ADMIN_KEY" '{"argv":["true"]}'
ok "owner by name, admin by id"

expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
st=$(xexec "$ID" "$K" '{"argv":["true"]}')
[ "$st" = 409 ] || fail "exec in a stopped workspace -> $st"
grep -q 'is stopped, not running' "$WORK/x.json" || fail "409 message: $(cat "$WORK/x.json")"
ok "stopped workspace -> 409: $(jq -r .error.message "$WORK/x.json")"
