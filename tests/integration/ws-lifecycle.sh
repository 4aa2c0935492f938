# ws-lifecycle: a workspace and its volume through their whole life on the
# real engine: create (wait) -> running container; get by id, prefix, name;
# PATCH ttl/idle_timeout/name; stop/start/restart/redeploy; data in the
# volume survives redeploy and delete+recreate; a volume in use cannot be
# deleted; the volumes API (size, resize, quota); the workspace's events.
. "$(dirname "$0")/lib.sh"
berthd_start

# running CONTAINER: prints true/false (or fails when there is none).
running() {
	docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null
}

# vol_mount CONTAINER TARGET: the name of the volume mounted at TARGET.
vol_mount() {
	docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.Name}}{{end}}{{end}}" "$1"
}

api POST /v1/users '{"name":"alice","max_volume_gib":50}' >/dev/null
assert_eq "$(last_status)" 201 "create alice"
expect 201 POST /v1/users/alice/api-keys '{}'
K=$(jget "$BODY" .key)

# ---- create ----
expect 201 POST /v1/workspaces '{"name":"life","wait":true,"memory":"256m","cpus":0.5,"volumes":[{"name":"data","mount":"/workspace"}]}' "$K"
ws=$BODY
ID=$(jget "$ws" .id)
C=$(jget "$ws" .container_id)
assert_eq "$(jget "$ws" .state)" running "state after create"
assert_eq "$(jget "$ws" .owner)" alice "owner"
assert_eq "$(jget "$ws" .volumes[0].mount)" /workspace "mount in record"
[[ $ID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
	fail "id is not a UUID: $ID"
[ -n "$C" ] || fail "no container_id"
assert_eq "$(running "$C")" true "container running after create"
assert_eq "$(docker inspect -f '{{.Name}}' "$C")" "/$(cname "$ID")" "container name"
VOLNAME=$(vol_mount "$C" /workspace)
[ -n "$VOLNAME" ] || fail "no volume mounted at /workspace"
docker volume inspect "$VOLNAME" >/dev/null || fail "docker volume $VOLNAME missing"
ok "create wait:true -> running container with the volume at /workspace"

# ---- list/get by id, prefix, name ----
expect 200 GET /v1/workspaces "" "$K"
assert_eq "$(jget "$BODY" 'length')" 1 "list length"
assert_eq "$(jget "$BODY" '.[0].id')" "$ID" "list id"
expect 200 GET "/v1/workspaces?state=running" "" "$K"
assert_eq "$(jget "$BODY" 'length')" 1 "list ?state=running"
expect 200 GET "/v1/workspaces?state=stopped" "" "$K"
assert_eq "$(jget "$BODY" 'length')" 0 "list ?state=stopped"
for ref in "$ID" "${ID:0:4}" "${ID:0:8}" "${ID:0:13}" life; do
	expect 200 GET "/v1/workspaces/$ref" "" "$K"
	assert_eq "$(jget "$BODY" .id)" "$ID" "get by $ref"
done
expect 404 GET "/v1/workspaces/${ID:0:3}" "" "$K"
ok "get by id, 4/8/13-char prefix and name; 3-char prefix is not found"

# ---- PATCH ----
expect 200 PATCH "/v1/workspaces/$ID" '{"ttl":"2h"}' "$K"
assert_eq "$(jget "$BODY" .ttl)" 7200 "ttl after patch"
exp=$(jget "$BODY" .expires_at)
[ "$exp" != null ] || fail "expires_at not set after ttl patch"
left=$(( $(date -d "$exp" +%s) - $(date +%s) ))
[ "$left" -gt 7100 ] && [ "$left" -le 7200 ] || fail "expires_at $exp is ${left}s away"
expect 200 PATCH "/v1/workspaces/$ID" '{"idle_timeout":"45m"}' "$K"
assert_eq "$(jget "$BODY" .idle_timeout)" 2700 "idle_timeout after patch"
assert_eq "$(jget "$BODY" .ttl)" 7200 "ttl kept by an idle_timeout patch"
expect 200 PATCH "/v1/workspaces/$ID" '{"name":"life2"}' "$K"
assert_eq "$(jget "$BODY" .name)" life2 "name after rename"
expect 200 GET /v1/workspaces/life2 "" "$K"
assert_eq "$(jget "$BODY" .id)" "$ID" "get by new name"
expect 404 GET /v1/workspaces/life "" "$K"
assert_eq "$(running "$C")" true "container still running after patches"
ok "PATCH ttl, idle_timeout, name"

# ---- stop / start / restart ----
expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
assert_eq "$(jget "$BODY" .state)" stopped "state after stop"
assert_eq "$(running "$C")" false "container running after stop"
expect 200 GET "/v1/workspaces/$ID" "" "$K"
assert_eq "$(jget "$BODY" .state)" stopped "state after stop (get)"
[ "$(jget "$BODY" .stopped_at)" != null ] || fail "stopped_at not set"
expect 200 GET "/v1/workspaces?state=stopped" "" "$K"
assert_eq "$(jget "$BODY" 'length')" 1 "list ?state=stopped after stop"
ok "stop -> stopped, container not running"

expect 200 POST "/v1/workspaces/$ID/start" "" "$K"
assert_eq "$(jget "$BODY" .state)" running "state after start"
assert_eq "$(jget "$BODY" .container_id)" "$C" "start keeps the container"
assert_eq "$(running "$C")" true "container running after start"
ok "start -> running"

t0=$(docker inspect -f '{{.State.StartedAt}}' "$C")
expect 200 POST "/v1/workspaces/$ID/restart" "" "$K"
assert_eq "$(jget "$BODY" .state)" running "state after restart"
assert_eq "$(running "$C")" true "container running after restart"
t1=$(docker inspect -f '{{.State.StartedAt}}' "$C")
[ "$t0" != "$t1" ] || fail "restart did not restart the container ($t0)"
ok "restart -> container started again"

# ---- data in the volume survives redeploy ----
# The workspace user (uid 1000, no capabilities) owns the volume's root.
assert_eq "$(docker exec "$C" stat -c %u /workspace)" 1000 "volume root owner"
docker exec "$C" sh -c 'echo hi-from-life > /workspace/f' ||
	fail "the workspace user cannot write into the volume"
expect 200 POST "/v1/workspaces/$ID/redeploy" "" "$K"
assert_eq "$(jget "$BODY" .state)" running "state after redeploy"
C2=$(jget "$BODY" .container_id)
[ -n "$C2" ] && [ "$C2" != "$C" ] || fail "redeploy kept container $C"
! docker inspect "$C" >/dev/null 2>&1 || fail "old container $C still exists"
assert_eq "$(running "$C2")" true "new container running"
assert_eq "$(vol_mount "$C2" /workspace)" "$VOLNAME" "volume after redeploy"
assert_eq "$(docker exec "$C2" cat /workspace/f)" hi-from-life "file after redeploy"
ok "redeploy -> new container, same volume, file kept"

# ---- events: create, start, stop in order ----
expect 200 GET "/v1/workspaces/$ID/events" "" "$K"
acts=$(jget "$BODY" '[.[].action] | join(" ")')
[[ " $acts " =~ \ workspace\.create\ .*workspace\.start\ .*workspace\.stop\ .*workspace\.start\ .*workspace\.restart\ .*workspace\.redeploy\  ]] ||
	fail "events out of order or missing: $acts"
n=$(jget "$BODY" "[.[] | select(.target != \"$ID\")] | length")
assert_eq "$n" 0 "events of other targets in a workspace's events"
seqs=$(jget "$BODY" '[.[].seq] | . == sort')
assert_eq "$seqs" true "events sorted by seq"
ok "events: $acts"

# ---- delete: container gone, volume stays ----
expect 409 DELETE /v1/volumes/data "" "$K"
jget "$BODY" .error.message | grep -q life2 || fail "409 does not name the user: $BODY"
expect 204 DELETE "/v1/workspaces/$ID" "" "$K"
! docker inspect "$C2" >/dev/null 2>&1 || fail "container $C2 survived delete"
expect 404 GET "/v1/workspaces/$ID" "" "$K"
expect 200 GET /v1/volumes/data "" "$K"
assert_eq "$(jget "$BODY" '.used_by | length')" 0 "used_by after delete"
VOLID=$(jget "$BODY" .id)
docker volume inspect "$VOLNAME" >/dev/null || fail "docker volume gone with the workspace"
ok "delete workspace -> container gone, volume record and docker volume kept; 409 while in use"

# ---- recreate with the same volume ----
expect 201 POST /v1/workspaces '{"name":"again","wait":true,"memory":"256m","cpus":0.5,"volumes":[{"name":"data","mount":"/workspace"}]}' "$K"
ID2=$(jget "$BODY" .id)
C3=$(jget "$BODY" .container_id)
assert_eq "$(jget "$BODY" .volumes[0].volume_id)" "$VOLID" "same volume record"
assert_eq "$(vol_mount "$C3" /workspace)" "$VOLNAME" "same docker volume"
assert_eq "$(docker exec "$C3" cat /workspace/f)" hi-from-life "file after recreate"
expect 409 DELETE "/v1/volumes/$VOLID" "" "$K"
expect 204 DELETE "/v1/workspaces/$ID2" "" "$K"
expect 204 DELETE "/v1/volumes/$VOLID" "" "$K"
! docker volume inspect "$VOLNAME" >/dev/null 2>&1 || fail "docker volume survived its delete"
expect 404 GET "/v1/volumes/$VOLID" "" "$K"
ok "delete+recreate keeps the data; volume delete -> 204, docker volume gone"

# ---- volumes API: size, list, get, resize, quota (alice: 50 GiB) ----
expect 201 POST /v1/volumes '{"name":"big","size":"20g"}' "$K"
assert_eq "$(jget "$BODY" .size_gib)" 20 "size of big"
assert_eq "$(jget "$BODY" .owner)" alice "owner of big"
BIG=$(jget "$BODY" .id)
BIGB=$(jget "$BODY" .backend_name)
docker volume inspect "$BIGB" >/dev/null || fail "no docker volume for big"
assert_eq "$(docker volume inspect -f '{{index .Labels "berth.volume"}}' "$BIGB")" "$BIG" "volume label"
expect 201 POST /v1/volumes '{"name":"small","size_gib":5}' "$K"
assert_eq "$(jget "$BODY" .size_gib)" 5 "size of small"
expect 409 POST /v1/volumes '{"name":"small","size_gib":1}' "$K"
expect 200 GET /v1/volumes "" "$K"
assert_eq "$(jget "$BODY" '[.[].name] | join(",")')" big,small "volume list"
expect 200 GET "/v1/volumes/${BIG:0:6}" "" "$K"
assert_eq "$(jget "$BODY" .name)" big "get volume by prefix"
expect 200 PATCH /v1/volumes/big '{"size":"30g"}' "$K"
assert_eq "$(jget "$BODY" .size_gib)" 30 "size after resize"
expect 429 POST /v1/volumes '{"name":"huge","size":"16g"}' "$K"
[ -n "$(jget "$BODY" .error.message)" ] || fail "quota error without message"
expect 429 PATCH /v1/volumes/big '{"size":"46g"}' "$K"
expect 200 GET /v1/volumes/big "" "$K"
assert_eq "$(jget "$BODY" .size_gib)" 30 "size after refused resize"
expect 201 POST /v1/volumes '{"name":"fits","size":"15g"}' "$K"
expect 404 GET /v1/volumes/huge "" "$K"
# A workspace that would create a new 10 GiB volume is over quota too.
expect 429 POST /v1/workspaces '{"name":"over","wait":true,"volumes":[{"name":"new","mount":"/workspace"}]}' "$K"
expect 404 GET /v1/workspaces/over "" "$K"
assert_eq "$(docker ps -aq --filter "label=berth.instance=$INSTANCE" | wc -l)" 0 "containers left"
for v in big small fits; do
	expect 204 DELETE "/v1/volumes/$v" "" "$K"
done
ok "volumes: create with size, list, get, resize, 409 on duplicate, 429 over quota"
