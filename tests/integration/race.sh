# race: with reconcile every second, 4 clients loop stop/start/restart/
# redeploy on their own GPU workspace (NVML stand-in, 7 x 1g.10gb) while 2
# others create and delete GPU workspaces. Afterwards: every operation
# answered 200/201/204, each looped workspace is in the state its last
# operation promised (nothing stopped that a user did not stop), every
# running workspace's container was given exactly the device the store
# holds for it, no device is held twice (store and containers), the store
# holds no allocation for a workspace that is not running, and every
# operation left its event. RACE_SECONDS (60) makes it longer (the issue's
# bench figure is 120).
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env \
	--reconcile-interval 1 --quota-workspaces 100 --quota-gpus 100
SECS=${RACE_SECONDS:-60}
LOOPERS=4
CHURNERS=2

db() {
	sqlite3 "$STATE/berth.db" ".timeout 5000" "$1"
}

# req LOG METHOD PATH [BODY]: one call; appends "METHOD PATH CODE" to LOG,
# the body goes to LOG.body.
req() {
	local log=$1 method=$2 path=$3 body=${4-} code
	if [ -n "$body" ]; then
		code=$(curl -sS -o "$log.body" -w '%{http_code}' -X "$method" \
			-H "Authorization: Bearer $ADMIN_KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "$body" "$URL$path" || echo 000)
	else
		code=$(curl -sS -o "$log.body" -w '%{http_code}' -X "$method" \
			-H "Authorization: Bearer $ADMIN_KEY" "$URL$path" ||
			echo 000)
	fi
	echo "$method $path $code" >>"$log"
	echo "$code"
}

# The looped workspaces, made before the clock starts.
for i in $(seq "$LOOPERS"); do
	expect 201 POST /v1/workspaces \
		"{\"name\":\"loop$i\",\"gpu\":\"1g.10gb\",\"wait\":true,\"memory\":\"64m\"}"
	echo "$(jget "$BODY" .id)" >"$WORK/ws$i"
done

looper() {
	local i=$1 id log=$WORK/loop$1.log op code until
	id=$(cat "$WORK/ws$i")
	: >"$log"
	until=$(($(date +%s) + SECS))
	while [ "$(date +%s)" -lt "$until" ]; do
		case $((RANDOM % 4)) in
		0) op=stop ;; 1) op=start ;; 2) op=restart ;; *) op=redeploy ;;
		esac
		code=$(req "$log" POST "/v1/workspaces/$id/$op")
		[ "$code" = 200 ] || echo "$op -> $code: $(cat "$log.body")" >>"$log.err"
	done
}

churner() {
	local j=$1 n=0 log=$WORK/churn$1.log code id until
	: >"$log"
	until=$(($(date +%s) + SECS))
	while [ "$(date +%s)" -lt "$until" ]; do
		n=$((n + 1))
		code=$(req "$log" POST /v1/workspaces \
			"{\"name\":\"c$j-$n\",\"gpu\":\"1g.10gb\",\"wait\":true,\"memory\":\"64m\"}")
		if [ "$code" != 201 ]; then
			echo "create c$j-$n -> $code: $(cat "$log.body")" >>"$log.err"
			continue
		fi
		id=$(jq -r .id "$log.body")
		code=$(req "$log" DELETE "/v1/workspaces/$id")
		[ "$code" = 204 ] || echo "delete $id -> $code: $(cat "$log.body")" >>"$log.err"
	done
}

pids=()
for i in $(seq "$LOOPERS"); do looper "$i" & pids+=($!); done
for j in $(seq "$CHURNERS"); do churner "$j" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
NOPS=$(cat "$WORK"/loop*.log | wc -l)
NCHURN=$(cat "$WORK"/churn*.log | wc -l)
# Some reconcile passes over the settled state: they must change nothing.
sleep 3

for f in "$WORK"/loop*.log.err "$WORK"/churn*.log.err; do
	[ -f "$f" ] || continue
	fail "operations failed ($f): $(head -n 5 "$f")"
done
ok "$NOPS lifecycle operations and $NCHURN creates/deletes for ${SECS}s, all answered 2xx"

# Each looped workspace is where its last operation left it, and holds
# exactly the device its container was given.
for i in $(seq "$LOOPERS"); do
	id=$(cat "$WORK/ws$i")
	last=$(tail -n 1 "$WORK/loop$i.log" | awk '{print $2}')
	want=running
	case $last in */stop) want=stopped ;; esac
	expect 200 GET "/v1/workspaces/$id"
	assert_eq "$(jget "$BODY" .state)" "$want" "loop$i after $last"
	cid=$(jget "$BODY" .container_id)
	uuid=$(jget "$BODY" '.gpu.uuid // ""')
	held=$(db "SELECT group_concat(uuid) FROM gpu_allocs WHERE workspace_id = '$id'")
	if [ "$want" = running ]; then
		[[ $uuid == MIG-* ]] || fail "loop$i is running without a GPU: $BODY"
		assert_eq "$held" "$uuid" "loop$i: store allocation vs API"
		assert_eq "$(docker inspect -f '{{.State.Running}}' "$cid")" true \
			"loop$i container running"
		env=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$cid" |
			sed -n 's/^NVIDIA_VISIBLE_DEVICES=//p')
		assert_eq "$env" "$uuid" "loop$i: device in the container vs the store"
	else
		assert_eq "$uuid" "" "loop$i is stopped but holds a GPU"
		assert_eq "$held" "" "loop$i is stopped but the store holds a GPU"
	fi
done
ok "each workspace is in the state its last operation promised, with its device"

# No device twice: in the store (no allocation without a running
# workspace) and among the instance's running containers.
assert_eq "$(db "SELECT COUNT(*) FROM gpu_allocs a LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE w.state IS NOT 'running'")" 0 \
	"allocations held by workspaces that are not running"
docker ps -q --filter "label=berth.instance=$INSTANCE" |
	xargs -r docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' |
	sed -n 's/^NVIDIA_VISIBLE_DEVICES=//p' | sort >"$WORK/devs"
assert_eq "$(uniq -d <"$WORK/devs" | wc -l)" 0 "a device in two running containers: $(uniq -d <"$WORK/devs")"
assert_eq "$(wc -l <"$WORK/devs")" "$(db "SELECT COUNT(*) FROM gpu_allocs")" \
	"running containers with a device vs allocations"
ok "no device held twice, in the store or by containers"

# Every operation left its event, and berthd stopped or failed nothing.
for i in $(seq "$LOOPERS"); do
	id=$(cat "$WORK/ws$i")
	for op in stop start restart redeploy; do
		n=$(grep -c "/$op " "$WORK/loop$i.log" || true)
		e=$(db "SELECT COUNT(*) FROM events WHERE target = '$id' AND action = 'workspace.$op' AND actor != 'berthd' AND detail LIKE 'reason=%'")
		assert_eq "$e" "$n" "loop$i: workspace.$op events vs requests"
	done
	assert_eq "$(db "SELECT COUNT(*) FROM events WHERE target = '$id' AND actor = 'berthd'")" 0 \
		"loop$i: berthd changed it on its own: $(db "SELECT action, detail FROM events WHERE target = '$id' AND actor = 'berthd' LIMIT 3")"
done
ok "every operation has its event; reconcile changed nothing of the users'"
