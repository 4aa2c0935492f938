# gpu-api: GPUs end to end through the real berthd (NVML stand-in, one
# H100 with 7 x 1g.10gb) and the real engine: discovery in /v1/gpus*, a
# workspace gets a 1g.10gb and sees exactly its uuid in
# NVIDIA_VISIBLE_DEVICES, 50 concurrent creates for 1g.10gb give exactly 7
# workspaces (43 x 422, no uuid twice), stop frees, start re-acquires the
# same device, quota is 429, the whole GPU is refused while a slice is held,
# Sandman's /gpus* shapes, and kill -9 + restart keeps allocations exact.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env

M=$NVML_STANDIN_MACHINE
H100=$(jq -r '.gpus[0].uuid' "$M")

# ---- discovery ----
expect 200 GET /v1/gpus
assert_eq "$(jget "$BODY" length)" 8 "devices"
assert_eq "$(jget "$BODY" '.[0].uuid')" "$H100" "GPU uuid"
assert_eq "$(jget "$BODY" '[.[] | select(.kind=="mig")] | map(.uuid) | sort | join(",")')" \
	"$(jq -r '[.gpus[0].mig_devices[].uuid] | sort | join(",")' "$M")" "MIG uuids"
assert_eq "$(jget "$BODY" '[.[] | select(.profile=="1g.10gb")] | length')" 7 "1g.10gb"
assert_eq "$(jget "$BODY" '.[0].temperature')" 34 "live temperature"
expect 200 GET /v1/gpus/types
assert_eq "$(jget "$BODY" '.[] | select(.profile=="1g.10gb") | "\(.total) \(.free) \(.memory_mb)"')" \
	"7 7 9984" "types"
expect 200 GET /v1/gpus/status
assert_eq "$(jget "$BODY" .source)" nvml "source"
ok "discovery through the stand-in: 1 H100 + 7 x 1g.10gb, live figures"

# ---- one workspace ----
expect 201 POST /v1/workspaces '{"name":"g1","gpu":"1g.10gb","wait":true,"memory":"128m"}'
ID=$(jget "$BODY" .id)
U=$(jget "$BODY" .gpu.uuid)
[[ $U == MIG-* ]] || fail "gpu.uuid is '$U'"
assert_eq "$(jget "$BODY" .gpu.profile)" 1g.10gb "gpu.profile"
C=$(jget "$BODY" .container_id)
assert_eq "$(docker exec "$C" sh -c 'echo $NVIDIA_VISIBLE_DEVICES')" "$U" \
	"NVIDIA_VISIBLE_DEVICES in the container"
ok "a 1g.10gb workspace sees exactly its uuid"

# ---- parent/child exclusion and quota ----
expect 422 POST /v1/workspaces "{\"name\":\"whole\",\"gpu\":\"$H100\"}"
expect 422 POST /v1/workspaces '{"name":"h","gpu":"H100"}'
echo "$BODY" | grep -q 'free: 6 × 1g.10gb' || fail "422 lists what is free: $BODY"
api POST /v1/users '{"name":"bob","max_gpus":0}' >/dev/null
BK=$(api POST /v1/users/bob/api-keys '{}' | jq -r .key)
expect 429 POST /v1/workspaces '{"name":"b","gpu":"1g.10gb"}' "$BK"
ok "whole GPU refused while a slice is held; 422 lists free; quota 429"

# ---- stop frees, start re-acquires the same ----
expect 200 POST "/v1/workspaces/$ID/stop"
expect 200 GET /v1/gpus/types
assert_eq "$(jget "$BODY" '.[] | select(.profile=="1g.10gb") | .free')" 7 "free after stop"
expect 200 POST "/v1/workspaces/$ID/start"
expect 200 GET "/v1/workspaces/$ID"
assert_eq "$(jget "$BODY" .gpu.uuid)" "$U" "same device after start"
C=$(jget "$BODY" .container_id)
assert_eq "$(docker exec "$C" sh -c 'echo $NVIDIA_VISIBLE_DEVICES')" "$U" \
	"NVIDIA_VISIBLE_DEVICES after start"
expect 204 DELETE "/v1/workspaces/$ID"
ok "stop frees, start re-acquires the same device, delete frees"

# ---- Sandman ----
expect 200 GET /gpus
assert_eq "$(jget "$BODY" '"\(.count) \(.gpus[0].instances | length) \(.gpus[0].mig_enabled)"')" \
	"1 7 true" "/gpus"
expect 200 GET /gpus/profiles
assert_eq "$(jget "$BODY" '.profiles | join(",")')" 1g.10gb "/gpus/profiles"
expect 200 GET /gpus/available
assert_eq "$(jget "$BODY" .count)" 7 "/gpus/available"
assert_eq "$(jget "$BODY" '.available_instances[0].profile.compute_size')" 1 "compute_size"
ok "Sandman's /gpus, /gpus/profiles, /gpus/available"

# ---- 50 concurrent creates ----
seq 50 | xargs -P 50 -I{} curl -sS -o "$WORK/race.{}" -w '%{http_code}\n' \
	-X POST -H "Authorization: Bearer $ADMIN_KEY" \
	-H 'Content-Type: application/json' --data-binary '{"name":"race{}","gpu":"1g.10gb","memory":"64m"}' \
	"$URL/v1/workspaces" >"$WORK/codes"
assert_eq "$(grep -c '^201$' "$WORK/codes")" 7 "201s"
assert_eq "$(grep -c '^422$' "$WORK/codes")" 43 "422s"
assert_eq "$(cat "$WORK"/race.* | jq -r 'select(.gpu) | .gpu.uuid' | sort -u | wc -l)" 7 "distinct uuids"
assert_eq "$(sqlite3 "$STATE/berth.db" 'SELECT COUNT(DISTINCT uuid) FROM gpu_allocs')" 7 "store"
ok "50 concurrent creates for 1g.10gb: 7 x 201, 43 x 422, no uuid twice"

# ---- kill -9 during the burst's provisioning, restart ----
berthd_kill9
# Restart on the same ports and state. Start-up reconciles first (removes
# the interrupted creates' containers, one engine call each), so allow it
# longer than berthd_start's 10 s on a loaded machine.
"$BERTHD" --listen "127.0.0.1:$HTTP_PORT" --ssh-listen "127.0.0.1:$SSH_PORT" \
	--state-dir "$STATE" --network "${BERTH_TEST_NETWORK:-berth-test}" \
	--nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env \
	>>"$WORK/berthd.out" 2>>"$WORK/berthd.log" &
BERTHD_PID=$!
for _ in $(seq 900); do
	curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
	kill -0 "$BERTHD_PID" 2>/dev/null || fail "berthd exited at restart"
	sleep 0.1
done
curl -fsS "$URL/healthz" >/dev/null || fail "berthd not healthy 90 s after restart"
db() { sqlite3 "$STATE/berth.db" "$1"; }
assert_eq "$(db 'SELECT COUNT(*) - COUNT(DISTINCT uuid) FROM gpu_allocs')" 0 "uuid twice"
assert_eq "$(db "SELECT COUNT(*) FROM gpu_allocs a LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE w.id IS NULL OR w.state NOT IN ('creating','running')")" \
	0 "allocations of gone or stopped workspaces (leaked)"
HELD=$(db 'SELECT COUNT(*) FROM gpu_allocs')
expect 200 GET /v1/gpus/types
assert_eq "$(jget "$BODY" '.[] | select(.profile=="1g.10gb") | .free')" $((7 - HELD)) "free after restart"
seq 10 | xargs -P 10 -I{} curl -sS -o /dev/null -w '%{http_code}\n' \
	-X POST -H "Authorization: Bearer $ADMIN_KEY" \
	-H 'Content-Type: application/json' --data-binary '{"name":"again{}","gpu":"1g.10gb","memory":"64m"}' \
	"$URL/v1/workspaces" >"$WORK/codes2"
assert_eq "$(grep -c '^201$' "$WORK/codes2")" $((7 - HELD)) "201s after restart"
assert_eq "$(db 'SELECT COUNT(DISTINCT uuid) || " " || COUNT(*) FROM gpu_allocs')" "7 7" "all 7 held once"
ok "kill -9 + restart: $HELD kept, the rest freed, none leaked, none twice"
