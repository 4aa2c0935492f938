# idle-ttl: the lifecycle loop stops a workspace at its TTL and after its
# idle timeout (GPU freed, reason in the events), but not one whose GPU is
# busy (NVML utilization through the stand-in) nor one in active use.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/plain-2gpu.json
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env
M=$NVML_STANDIN_MACHINE
busy=$(jq -r '.gpus[0].uuid' "$M")	# utilization 55 %
quiet=$(jq -r '.gpus[1].uuid' "$M")	# utilization 0 %

expect 201 POST /v1/workspaces "{\"name\":\"busy\",\"gpu\":\"$busy\",\"idle_timeout\":2,\"wait\":true}"
expect 201 POST /v1/workspaces "{\"name\":\"quiet\",\"gpu\":\"$quiet\",\"idle_timeout\":2,\"wait\":true}"
expect 201 POST /v1/workspaces '{"name":"short","ttl":"3s","idle_timeout":0,"wait":true}'
expect 201 POST /v1/workspaces '{"name":"used","idle_timeout":4,"wait":true}'

state() { api GET "/v1/workspaces/$1" | jq -r .state; }
# "used" gets an exec every second while the others age.
for _ in $(seq 12); do
	api POST /v1/workspaces/used/exec '{"argv":["true"]}' >/dev/null
	sleep 1
done
wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $ADMIN_KEY' $URL/v1/workspaces/quiet | jq -r .state)\" = stopped ]" ||
	fail "idle workspace not stopped"
wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $ADMIN_KEY' $URL/v1/workspaces/short | jq -r .state)\" = stopped ]" ||
	fail "expired workspace not stopped"
assert_eq "$(state busy)" running "busy GPU kept it running"
assert_eq "$(api GET /v1/workspaces/busy | jq -r .activity.source)" gpu "a busy GPU is activity of source gpu"
assert_eq "$(state used)" running "exec activity kept it running"
expect 200 GET /v1/workspaces/quiet
assert_eq "$(jget "$BODY" .gpu)" null "idle stop freed the GPU"
api GET /v1/workspaces/quiet/events | jq -e 'map(select(.action == "workspace.stop" and (.detail | test("reason=idle")))) | length == 1' >/dev/null ||
	fail "no idle stop event"
api GET /v1/workspaces/short/events | jq -e 'map(select(.action == "workspace.stop" and (.detail | test("reason=ttl")))) | length == 1' >/dev/null ||
	fail "no ttl stop event"
ok "TTL and idle stop with the reason; busy GPU and exec activity keep workspaces running"

# Left alone, the exec'd one goes idle too.
wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $ADMIN_KEY' $URL/v1/workspaces/used | jq -r .state)\" = stopped ]" ||
	fail "workspace not stopped once activity ended"
ok "idle once activity ends"
