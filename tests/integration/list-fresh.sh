# list-fresh: workspace lists are cached per caller, and every change is
# visible in the very next list (state, rename, delete), for each caller
# separately; one user's cached list never reaches another.
. "$(dirname "$0")/lib.sh"
berthd_start
alice=$(mkuser alice)
bob=$(mkuser bob)

expect 201 POST /v1/workspaces '{"name":"one","wait":true}' "$alice"
id=$(jget "$BODY" .id)
for i in 1 2 3; do expect 200 GET /v1/workspaces "" "$alice"; done
assert_eq "$(jget "$BODY" '.[0].state')" running "alice sees running"
expect 200 GET /v1/workspaces "" "$bob"
assert_eq "$(jget "$BODY" length)" 0 "bob sees nothing"
expect 200 GET /v1/workspaces "" "$ADMIN_KEY"
assert_eq "$(jget "$BODY" length)" 1 "admin sees alice's"
ok "per-caller lists"

expect 200 POST "/v1/workspaces/$id/stop" "" "$alice"
expect 200 GET /v1/workspaces "" "$alice"
assert_eq "$(jget "$BODY" '.[0].state')" stopped "list after stop"
expect 200 GET "/v1/workspaces?state=running" "" "$alice"
assert_eq "$(jget "$BODY" length)" 0 "state filter after stop"
expect 200 PATCH "/v1/workspaces/$id" '{"name":"renamed"}' "$alice"
expect 200 GET /v1/workspaces "" "$ADMIN_KEY"
assert_eq "$(jget "$BODY" '.[0].name')" renamed "admin list after rename"
ok "changes visible in the next list"

# A change the reconciler makes (container removed behind berth's back).
expect 200 POST "/v1/workspaces/$id/start" "" "$alice"
docker rm -f "$(cname "$id")" >/dev/null
expect 201 POST /v1/workspaces '{"name":"two","wait":true}' "$bob"
expect 204 DELETE "/v1/workspaces/$id" "" "$alice"
expect 200 GET /v1/workspaces "" "$alice"
assert_eq "$(jget "$BODY" length)" 0 "list after delete"
expect 200 GET /v1/workspaces "" "$bob"
assert_eq "$(jget "$BODY" '.[0].name')" two "bob's own list"
ok "delete visible; users separate"
