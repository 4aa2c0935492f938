# gpu-stats: a workspace's stats carry live NVML figures of the GPU it
# holds (from the stand-in, through the real dlopen path), and null
# without one; a workspace asking by uuid gets exactly that device.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/plain-2gpu.json
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env
M=$NVML_STANDIN_MACHINE
u0=$(jq -r '.gpus[0].uuid' "$M")
u1=$(jq -r '.gpus[1].uuid' "$M")

expect 201 POST /v1/workspaces "{\"name\":\"g\",\"gpu\":\"$u0\",\"wait\":true}"
assert_eq "$(jget "$BODY" .gpu.uuid)" "$u0" "allocated by uuid"
expect 200 GET /v1/workspaces/g/stats
assert_eq "$(jget "$BODY" .gpu.uuid)" "$u0" "stats gpu uuid"
assert_eq "$(jget "$BODY" .gpu.live)" true "live figures"
assert_eq "$(jget "$BODY" .gpu.utilization)" "$(jq -r '.gpus[0].utilization' "$M")" "utilization"
assert_eq "$(jget "$BODY" .gpu.temperature)" "$(jq -r '.gpus[0].temperature' "$M")" "temperature"
assert_eq "$(jget "$BODY" .gpu.memory_used_mb)" "$(jq -r '.gpus[0].memory_used_mb' "$M")" "memory used"
assert_eq "$(jget "$BODY" '.gpu.devices | length')" 1 "one device"
ok "stats carry the held GPU's live figures"

expect 201 POST /v1/workspaces '{"name":"n","wait":true}'
expect 200 GET /v1/workspaces/n/stats
assert_eq "$(jget "$BODY" .gpu)" null "no GPU, null"
expect 422 POST /v1/workspaces "{\"name\":\"g2\",\"gpu\":\"$u0\",\"wait\":true}"
expect 201 POST /v1/workspaces '{"name":"g3","gpu":"1","wait":true}'
assert_eq "$(jget "$BODY" .gpu.uuid)" "$u1" "count request takes the free one"
ok "null without a GPU; a held uuid is refused; a count takes what is free"

# Stop frees the GPU; start takes the same one back and keeps the
# container (and what was written outside volumes).
cid=$(api GET /v1/workspaces/g | jq -r .container_id)
docker exec "$(cname "$(api GET /v1/workspaces/g | jq -r .id)")" sh -c 'echo kept > /tmp/mark'
expect 200 POST /v1/workspaces/g/stop
assert_eq "$(jget "$BODY" .gpu)" null "stopped holds no GPU"
expect 200 POST /v1/workspaces/g/start
assert_eq "$(jget "$BODY" .gpu.uuid)" "$u0" "same GPU back"
assert_eq "$(jget "$BODY" .container_id)" "$cid" "same container"
gid=$(jget "$BODY" .id)
assert_eq "$(docker exec "$(cname "$gid")" cat /tmp/mark)" kept "container state kept"
ok "stop/start with the same GPU keeps the container"

# A workspace that asked for a device by uuid waits for that device
# (422 while another holds it); one that asked for "1" takes another GPU,
# in a container made anew for the new device.
expect 200 POST /v1/workspaces/g/stop
expect 201 POST /v1/workspaces "{\"name\":\"g4\",\"gpu\":\"$u0\",\"wait\":true}"
expect 422 POST /v1/workspaces/g/start
jget "$BODY" .error.message | grep -q "free" || fail "422 says what is free: $BODY"
cid3=$(api GET /v1/workspaces/g3 | jq -r .container_id)
expect 200 POST /v1/workspaces/g3/stop
expect 201 POST /v1/workspaces "{\"name\":\"g5\",\"gpu\":\"$u1\",\"wait\":true}"
expect 422 POST /v1/workspaces/g3/start
expect 204 DELETE /v1/workspaces/g4
expect 200 POST /v1/workspaces/g3/start
assert_eq "$(jget "$BODY" .gpu.uuid)" "$u0" "another GPU"
[ "$(jget "$BODY" .container_id)" != "$cid3" ] || fail "container kept with a new GPU"
assert_eq "$(docker exec "$(cname "$(jget "$BODY" .id)")" sh -c 'echo $NVIDIA_VISIBLE_DEVICES')" "$u0" "env names the new GPU"
ok "by uuid: 422 while taken; by count: another GPU in a new container"
