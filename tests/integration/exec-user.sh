# exec-user: exec runs as the workspace's own user. Asking for root ("root",
# "0", "0:0", root's group) or any other uid is 403 with a message that
# says why; the workspace user by name or uid is fine; an admin may ask for
# root, and so may the owner of a workspace whose template lists the user
# in exec_users.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new exu "$K")

for u in root 0 0:0 1000:0 dev:root nobody 65534 daemon; do
	st=$(xexec "$ID" "$K" "{\"argv\":[\"id\",\"-u\"],\"user\":\"$u\"}")
	[ "$st" = 403 ] || fail "exec as $u -> $st: $(cat "$WORK/x.json")"
	grep -q "is not allowed" "$WORK/x.json" || fail "403 message for $u: $(cat "$WORK/x.json")"
done
ok "root and other users refused: $(jq -r .error.message "$WORK/x.json")"

for u in dev 1000 1000:1000 dev:dev 1000:dev; do
	xrun "$ID" "$K" "{\"command\":\"id -u; id -g\",\"user\":\"$u\"}"
	assert_eq "$(jq -r .stdout "$WORK/x.json")" "$(printf '1000\n1000\n')" "exec as $u"
done
ok "the workspace user by name or uid runs"

xrun "$ID" "$ADMIN_KEY" '{"argv":["id","-u"],"user":"root"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 0 "admin exec as root"
ok "an admin may exec as root"

expect 400 POST /v1/templates '{"name":"bad","image":"berth/workspace:latest","exec_users":"root"}'
expect 201 POST /v1/templates '{"name":"rooty","image":"berth/workspace:latest","exec_users":["root"]}'
b=$(api POST /v1/workspaces '{"name":"exr","template":"rooty","wait":true}' "$K")
[ "$(last_status)" = 201 ] || fail "create from template rooty: $b"
R=$(jget "$b" .id)
xrun "$R" "$K" '{"argv":["id","-u"],"user":"root"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 0 "exec as root allowed by the template"
st=$(xexec "$R" "$K" '{"argv":["id","-u"],"user":"daemon"}')
[ "$st" = 403 ] || fail "user not in exec_users -> $st"
ok "a template's exec_users allows root there only"
