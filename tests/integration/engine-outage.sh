# engine-outage: a start while the engine is unreachable answers 503 and
# leaves the workspace as it was (stopped, no GPU held), not failed; once
# the engine is back the same start works. The engine is reached through a
# socket forwarder the test stops and starts again.
. "$(dirname "$0")/lib.sh"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
SOCK=$WORK/engine.sock
cat >"$WORK/fwd.py" <<'PY'
import os, socket, sys, threading
path = sys.argv[1]
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(64)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = srv.accept()
    e = socket.socket(socket.AF_UNIX)
    e.connect("/var/run/docker.sock")
    threading.Thread(target=pipe, args=(c, e), daemon=True).start()
    threading.Thread(target=pipe, args=(e, c), daemon=True).start()
PY
FWD=
fwd_start() {
	python3 "$WORK/fwd.py" "$SOCK" &
	FWD=$!
	for _ in $(seq 50); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	fail "forwarder did not start"
}
fwd_stop() {
	kill "$FWD" 2>/dev/null || true
	wait "$FWD" 2>/dev/null || true
	rm -f "$SOCK"
}
fwd_start
trap 'rc=$?; fwd_stop; (exit $rc); cleanup' EXIT
berthd_start --docker-host "unix://$SOCK" \
	--nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env

expect 201 POST /v1/workspaces '{"name":"o","gpu":"1g.10gb","wait":true,"memory":"64m"}'
ID=$(jget "$BODY" .id)
expect 200 POST "/v1/workspaces/$ID/stop"
assert_eq "$(jget "$BODY" .state)" stopped "after stop"

fwd_stop
expect 503 POST "/v1/workspaces/$ID/start"
assert_eq "$(jget "$BODY" .error.code)" backend_unavailable "error code"
expect 200 GET "/v1/workspaces/$ID"
assert_eq "$(jget "$BODY" .state)" stopped "state after a start during the outage"
assert_eq "$(jget "$BODY" .gpu)" null "GPU after a start during the outage"
assert_eq "$(sqlite3 "$STATE/berth.db" 'SELECT COUNT(*) FROM gpu_allocs')" 0 "allocations"
ok "a start during an engine outage answers 503 and keeps the workspace stopped"

fwd_start
expect 200 POST "/v1/workspaces/$ID/start"
assert_eq "$(jget "$BODY" .state)" running "start once the engine is back"
[[ $(jget "$BODY" .gpu.uuid) == MIG-* ]] || fail "no GPU after the start: $BODY"
ok "the same start works once the engine answers again"
