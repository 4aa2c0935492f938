# gpulab-compat: the GPULab CLI's routes and shapes (docs/gpulab.md), with
# curl as its client sends them (api-key header, Accept: application/json),
# checked against the Go types of GPULab-AI/gpulab-cli's internal/api:
# field names and JSON types, the Laravel envelopes and their pagination,
# per-user isolation, errors with a top-level message; and that berth's own
# shapes stay what they were for Bearer clients on the shared paths.
source "$(dirname "$0")/lib.sh"

export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/plain-2gpu.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env

KA=$(mkuser alice)
KB=$(mkuser bob)

# gl KEY METHOD PATH [BODY]: a request as GPULab's client makes it; the
# body in $RESP, the status in $CODE.
gl() {
	local key=$1 method=$2 path=$3 body=${4-}
	local args=(-sS -o "$WORK/gl.body" -w '%{http_code}' -X "$method"
		-H "api-key: $key" -H 'Accept: application/json')
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json'
		--data-binary "$body")
	CODE=$(curl "${args[@]}" "$URL$path")
	RESP=$(cat "$WORK/gl.body")
}

# glx WANT KEY METHOD PATH [BODY]: gl that must answer WANT.
glx() {
	local want=$1
	shift
	gl "$@"
	[ "$CODE" = "$want" ] || fail "$2 $3 -> $CODE, want $want: $RESP"
}

# types JSON FILTER WANT: jq's type of each value FILTER yields, joined.
types() {
	local got
	got=$(printf '%s' "$1" | jq -r "[$2 | type] | unique | join(\",\")")
	assert_eq "$got" "$3" "types of $2"
}

# An error in the shape GPULab's client reads: a top-level message (and
# berth's error object beside it).
gl_error() {
	local want=$1 code=$2
	shift 2
	glx "$want" "$@"
	types "$RESP" '.message' string
	[ -n "$(jget "$RESP" .message)" ] || fail "$2 $3: empty message"
	assert_eq "$(jget "$RESP" .error.code)" "$code" "$2 $3 error code"
}

# --- account (auth whoami) ---
glx 200 "$KA" GET /v1/account
assert_eq "$(jget "$RESP" .name)" alice "account name"
types "$RESP" '.name, .email' string
types "$RESP" '.container_count' number
types "$RESP" '.team' null
ok "account: name, email, team, container_count"

# --- gpus types / available ---
glx 200 "$KA" GET /v1/gpus/types
types "$RESP" '.' array
types "$RESP" '.[].gpu_name' string
types "$RESP" '.[].gpu_total_memory, .[].available_count' number
types "$RESP" '.[].gpu_price' null
assert_eq "$(jget "$RESP" '.[0].gpu_name')" "NVIDIA L40S" "gpu type name"
assert_eq "$(jget "$RESP" '.[0].gpu_total_memory')" 46068 "gpu memory MB"
assert_eq "$(jget "$RESP" '.[0].available_count')" 2 "gpus available"
glx 200 "$KA" GET /v1/gpus/available
types "$RESP" '.total_available' number
types "$RESP" '.summary, .gpus' array
types "$RESP" '.summary[].count, .summary[].memory_mb' number
types "$RESP" '.summary[].gpu_name' string
assert_eq "$(jget "$RESP" .total_available)" 2 "total_available"
assert_eq "$(jget "$RESP" '.summary[0].count')" 2 "summary count"
# Bearer clients keep berth's shapes on the shared paths.
assert_eq "$(api GET /v1/gpus/types "" "$KA" | jq -r '.[0].free')" 2 \
	"berth's gpus/types"
assert_eq "$(api GET /v1/gpus/available "" "$KA" | jq -r type)" array \
	"berth's gpus/available"
ok "gpus types/available in GPULab's shapes; Bearer keeps berth's"

# --- templates: the envelope and its pages (17 templates: 15 + 2) ---
for i in $(seq 16); do
	expect 201 POST /v1/templates "{\"name\":\"t$i\",\"image\":\"berth/workspace:latest\",\"ports\":[8080],\"env\":{\"K\":\"v$i\"}}"
done
glx 200 "$KA" GET '/v1/templates?page=1'
types "$RESP" '.data' array
types "$RESP" '.meta.current_page, .meta.last_page, .meta.total' number
assert_eq "$(jget "$RESP" '.data | length')" 15 "page 1 size"
assert_eq "$(jget "$RESP" .meta.last_page)" 2 "last_page"
assert_eq "$(jget "$RESP" .meta.total)" 17 "total"
types "$RESP" '.data[].templateUuid, .data[].name, .data[].dockerImage,
	.data[].containerType, .data[].visibility' string
types "$RESP" '.data[].portsArray' array
types "$RESP" '.data[].environmentVariables' object
glx 200 "$KA" GET '/v1/templates?page=2'
assert_eq "$(jget "$RESP" '.data | length')" 2 "page 2 size"
assert_eq "$(jget "$RESP" .meta.current_page)" 2 "current_page"
glx 200 "$KA" GET /v1/templates/t3
assert_eq "$(jget "$RESP" .data.templateUuid)" t3 "template by uuid"
assert_eq "$(jget "$RESP" .data.exposedPorts)" 8080 "exposedPorts"
assert_eq "$(jget "$RESP" .data.environmentVariables.K)" v3 "template env"
assert_eq "$(api GET /v1/templates "" "$KA" | jq -r type)" array \
	"berth's template list"
gl_error 400 bad_request "$KA" GET '/v1/templates?page=0'
gl_error 404 not_found "$KA" GET /v1/templates/nope
ok "templates: Laravel envelope, 2 pages of 15, {data} by uuid, errors"

# --- volumes ---
glx 201 "$KA" POST /v1/volumes '{"volume_name":"av","volume_space":2}'
VOL=$(jget "$RESP" .data.volumeUuid)
types "$RESP" '.data.volumeUuid, .data.volumeName, .data.status,
	.data.createdAt' string
types "$RESP" '.data.maxSize, .data.isDeleted' number
assert_eq "$(jget "$RESP" .data.maxSize)" 2 "maxSize"
glx 200 "$KA" GET '/v1/volumes?page=1'
assert_eq "$(jget "$RESP" '[.data[].volumeUuid] | join(",")')" "$VOL" \
	"alice's volumes"
types "$RESP" '.meta.last_page, .meta.current_page' number
glx 200 "$KA" GET "/v1/volumes/$VOL"
assert_eq "$(jget "$RESP" .data.volumeName)" av "volume by uuid"
# berth's own body with the api-key header still makes a berth volume.
glx 201 "$KA" POST /v1/volumes '{"name":"native","size_gib":1}'
assert_eq "$(jget "$RESP" .name)" native "berth's volume create"
NVOL=$(jget "$RESP" .id)
gl_error 400 bad_request "$KA" POST /v1/volumes '{"volume_name":"x"}'
gl_error 400 bad_request "$KA" POST /v1/volumes \
	'{"volume_name":"x","volume_space":1,"size":3}'
ok "volumes: create/list/get in GPULab's shapes; berth's body still berth's"

# --- deploy, then every container route ---
glx 201 "$KA" POST /v1/containers "{\"server_name\":\"train\",\"type\":\"GPU\",\"gpu_type\":\"NVIDIA L40S\",\"template_uuid\":\"default\",\"network_volume_uuid\":\"$VOL\",\"opened_ports\":\"8080,3000\",\"environment_variables\":{\"HF\":\"x\"},\"command\":\"echo started-ok; sleep 1000\",\"memory\":1,\"image_pull_policy\":\"cached\"}"
types "$RESP" '.status, .message, .container_id, .server_name,
	.server_type, .server_status' string
ID=$(jget "$RESP" .container_id)
assert_eq "$(jget "$RESP" .server_type)" GPU "server_type"
running() {
	gl "$KA" GET "/v1/containers/$ID"
	[ "$(jget "$RESP" .status)" = running ]
}
wait_for running || fail "container not running: $RESP"

glx 200 "$KA" GET /v1/containers
types "$RESP" '.' array
assert_eq "$(jget "$RESP" '[.[].uuid] | join(",")')" "$ID" "alice's list"
C=$(jget "$RESP" '.[0]')
types "$C" '.uuid, .server_name, .status, .type, .created_at,
	.updated_at, .opened_ports, .volume_mount_path, .command' string
types "$C" '.memory, .allocated_cpu_cores, .gpu_count' number
types "$C" '.gpus' array
types "$C" '.environment_variables, .web_terminal' object
types "$C" '.gpus[].gpu_uuid, .gpus[].gpu_index, .gpus[].gpu_status,
	.gpus[].type.gpu_name' string
types "$C" '.gpus[].total_memory, .gpus[].memory_used' number
assert_eq "$(jget "$C" .server_name)" train "server_name"
assert_eq "$(jget "$C" .type)" GPU "type"
assert_eq "$(jget "$C" .memory)" 1 "memory GB"
assert_eq "$(jget "$C" .opened_ports)" 8080,3000 "opened_ports"
assert_eq "$(jget "$C" .environment_variables.HF)" x "env"
assert_eq "$(jget "$C" .command)" "echo started-ok; sleep 1000" "command"
assert_eq "$(jget "$C" .volume_mount_path)" /workspace "mount"
assert_eq "$(jget "$C" .gpu_count)" 1 "gpu_count"
assert_eq "$(jget "$C" '.gpus[0].type.gpu_name')" "NVIDIA L40S" "gpu name"

glx 200 "$KA" GET "/v1/containers/$ID"
assert_eq "$(jget "$RESP" .template.docker_image)" berth/workspace:latest \
	"inspect template"
assert_eq "$(jget "$RESP" .network_volume.volumeUuid)" "$VOL" \
	"inspect network_volume"
assert_eq "$(jget "$RESP" .gpu_type.gpu_name)" "NVIDIA L40S" "gpu_type"
# The container's own environment and volume, seen from inside.
glx 200 "$KA" POST "/v1/containers/$ID/exec" \
	'{"command":"echo $HF; test -d /workspace; echo out; echo err >&2; exit 3","timeout":20}'
types "$RESP" '.stdout, .stderr' string
types "$RESP" '.exit_code' number
assert_eq "$(jget "$RESP" .stdout)" $'x\nout' "exec stdout"
assert_eq "$(jget "$RESP" .stderr)" err "exec stderr"
assert_eq "$(jget "$RESP" .exit_code)" 3 "exec exit_code"

glx 200 "$KA" GET "/v1/containers/$ID/logs?tail=100&timestamps=true"
types "$RESP" '.logs' string
types "$RESP" '.timestamp' number
printf '%s' "$(jget "$RESP" .logs)" | grep -q 'started-ok$' ||
	fail "logs: $RESP"
grep -qE '^20[0-9-]+T' <<<"$(jget "$RESP" .logs)" ||
	fail "logs timestamps: $RESP"
glx 200 "$KA" GET "/v1/containers/$ID/logs?since=$(($(date +%s) + 60))"
assert_eq "$(jget "$RESP" .logs)" "" "logs since the future"
glx 200 "$KA" GET "/v1/containers/$ID/logs/deploy"
# (A here-string: grep -q leaves at the first line, and printf writing
# the rest into the closed pipe would fail the pipeline under pipefail.)
grep -q 'workspace.create ok' <<<"$(jget "$RESP" .logs)" ||
	fail "deploy logs: $RESP"

glx 200 "$KA" GET "/v1/containers/$ID/stats"
assert_eq "$(jget "$RESP" .success)" true "stats success"
types "$RESP" '.stats.cpu_percentage, .stats.memory_usage,
	.stats.memory_limit, .stats.memory_percentage, .stats.memory_cache,
	.stats.network_rx, .stats.network_tx, .stats.block_read,
	.stats.block_write, .stats.pids' number
types "$RESP" '.stats.timestamp' string
assert_eq "$(jget "$RESP" .stats.memory_limit)" 1073741824 "memory_limit"
[ "$(jget "$RESP" .stats.pids)" -ge 1 ] || fail "stats pids: $RESP"

glx 200 "$KA" GET /v1/account
assert_eq "$(jget "$RESP" .container_count)" 1 "container_count"
glx 200 "$KA" GET /v1/gpus/types
assert_eq "$(jget "$RESP" '.[0].available_count')" 1 "one GPU taken"
ok "deploy, ls, inspect, exec, logs (tail/since/timestamps), deploy logs, stats"

# --- isolation: bob sees and touches none of it ---
glx 200 "$KB" GET /v1/containers
assert_eq "$RESP" "[]" "bob's list"
for route in "GET /v1/containers/$ID" "DELETE /v1/containers/$ID" \
    "POST /v1/containers/$ID/stop" "POST /v1/containers/$ID/start" \
    "POST /v1/containers/$ID/restart" "POST /v1/containers/$ID/redeploy" \
    "GET /v1/containers/$ID/logs" "GET /v1/containers/$ID/logs/deploy" \
    "GET /v1/containers/$ID/stats" "GET /v1/volumes/$VOL" \
    "DELETE /v1/volumes/$VOL"; do
	read -r m p <<<"$route"
	gl_error 404 not_found "$KB" "$m" "$p"
done
gl_error 404 not_found "$KB" POST "/v1/containers/$ID/exec" \
	'{"command":"id"}'
gl_error 404 not_found "$KB" POST /v1/containers \
	"{\"server_name\":\"steal\",\"gpu_type\":\"none\",\"network_volume_uuid\":\"$VOL\"}"
glx 200 "$KB" GET '/v1/volumes?page=1'
assert_eq "$(jget "$RESP" '.data | length')" 0 "bob's volumes"
running || fail "alice's container after bob: $RESP"
ok "isolation: bob gets 404 on each of alice's containers and volumes"

# --- errors in the shape the client reads ---
CODE=$(curl -sS -o "$WORK/e" -w '%{http_code}' -H 'api-key: berth_x_y' \
	"$URL/v1/containers")
assert_eq "$CODE" 401 "bad key"
types "$(cat "$WORK/e")" .message string
gl_error 404 not_found "$KA" GET /v1/containers/nope
gl_error 400 bad_request "$KA" POST /v1/containers '{"gpu_type":"none"}'
gl_error 400 bad_request "$KA" POST /v1/containers \
	'{"server_name":"x","gpu_type":"none","colour":"red"}'
gl_error 400 bad_request "$KA" POST /v1/containers \
	'{"server_name":"x","gpu_type":"none","opened_ports":"http"}'
gl_error 422 unsatisfiable "$KA" POST /v1/containers \
	'{"server_name":"x","gpu_type":"H100","template_uuid":"default"}'
# berth's own routes keep the SPEC's error shape, api-key or not.
gl "$KA" GET /v1/workspaces/nope
assert_eq "$(jget "$RESP" 'keys | join(",")')" error "berth's error shape"
api GET /v1/volumes/nope "" "$KA" >"$WORK/e"
assert_eq "$(jq -r 'keys | join(",")' "$WORK/e")" error \
	"berth's error shape (Bearer) on a shared path"
ok "errors: top-level message on the GPULab routes; berth's shape elsewhere"

# --- lifecycle ---
glx 200 "$KA" POST "/v1/containers/$ID/stop"
gl "$KA" GET "/v1/containers/$ID"
assert_eq "$(jget "$RESP" .status)" stopped "after stop"
gl_error 409 conflict "$KA" GET "/v1/containers/$ID/stats"
glx 200 "$KA" POST "/v1/containers/$ID/start"
wait_for running || fail "after start: $RESP"
glx 200 "$KA" POST "/v1/containers/$ID/restart"
wait_for running || fail "after restart: $RESP"
glx 200 "$KA" POST "/v1/containers/$ID/redeploy"
wait_for running || fail "after redeploy: $RESP"
glx 204 "$KA" DELETE "/v1/containers/$ID"
gl_error 404 not_found "$KA" GET "/v1/containers/$ID"
glx 204 "$KA" DELETE "/v1/volumes/$VOL"
glx 204 "$KA" DELETE "/v1/volumes/$NVOL"
glx 200 "$KA" GET '/v1/volumes?page=1'
assert_eq "$(jget "$RESP" '.data | length')" 0 "volumes gone"
ok "stop, start, restart, redeploy, rm; volume delete"
