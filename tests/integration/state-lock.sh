# state-lock: a second berthd started on a live state directory exits at
# once with a clear message and changes nothing (the first one's
# workspaces, their GPUs and a create in flight stay; no port is taken);
# berth.db and its -wal/-shm are the owner's only (0600); the names berth
# acts under (berthd, root, system) can't be taken by users.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env

expect 201 POST /v1/workspaces '{"name":"keep","gpu":"1g.10gb","wait":true,"memory":"64m"}'
ID=$(jget "$BODY" .id)
U=$(jget "$BODY" .gpu.uuid)
# A create in flight (answered 201, still being made) when the second
# berthd comes: a second berthd that reconciled would roll it back.
expect 201 POST /v1/workspaces '{"name":"inflight","gpu":"1g.10gb","memory":"64m"}'
ID2=$(jget "$BODY" .id)

P2=$(free_port)
S2=$(free_port)
rc=0
timeout 30 "$BERTHD" --listen "127.0.0.1:$P2" --ssh-listen "127.0.0.1:$S2" \
	--state-dir "$STATE" --network "${BERTH_TEST_NETWORK:-berth-test}" \
	--nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env \
	>"$WORK/second.out" 2>"$WORK/second.err" || rc=$?
[ "$rc" != 0 ] || fail "a second berthd on the same state dir exited 0"
[ "$rc" != 124 ] || fail "a second berthd on the same state dir kept running"
grep -q "state directory $STATE is in use by another berthd (pid $BERTHD_PID)" \
	"$WORK/second.err" || fail "second berthd's message: $(cat "$WORK/second.err")"
if curl -s -o /dev/null "http://127.0.0.1:$P2/healthz"; then
	fail "the second berthd listened"
fi
kill -0 "$BERTHD_PID" || fail "the first berthd died"
ok "a second berthd on the state dir exits at once: $(cat "$WORK/second.err")"

for _ in $(seq 300); do
	expect 200 GET "/v1/workspaces/$ID2"
	[ "$(jget "$BODY" .state)" = creating ] || break
	sleep 0.1
done
assert_eq "$(jget "$BODY" .state)" running "the create in flight"
expect 200 GET "/v1/workspaces/$ID"
assert_eq "$(jget "$BODY" .state) $(jget "$BODY" .gpu.uuid)" "running $U" "the running workspace"
assert_eq "$(sqlite3 "$STATE/berth.db" 'SELECT COUNT(*) FROM gpu_allocs')" 2 "GPU allocations"
assert_eq "$(docker inspect -f '{{.State.Running}}' "$(jget "$BODY" .container_id)")" true \
	"its container"
ok "the first berthd's workspaces, GPUs and create in flight are untouched"

for f in berth.db berth.db-wal berth.db-shm; do
	[ -e "$STATE/$f" ] || continue
	assert_eq "$(stat -c %a "$STATE/$f")" 600 "mode of $f"
done
ok "berth.db and its -wal/-shm are 0600"

for n in berthd root system; do
	expect 400 POST /v1/users "{\"name\":\"$n\"}"
	jget "$BODY" .error.message | grep -q reserved || fail "$n: $BODY"
done
ok "berthd, root and system are reserved user names"
