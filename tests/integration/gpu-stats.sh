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
