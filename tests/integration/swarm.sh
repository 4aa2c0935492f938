# swarm: berth on a real three-node Docker Swarm on this one machine
# (scripts/swarm-cluster.sh: a netns, dockerd and data root per node), a
# berth agent per node (berthd agent) with a join token, GPUs and MIG
# slices published per node from the NVML stand-in's machine files:
#   - the rt contract test passes with BERTH_RT_KIND=swarm;
#   - berthd with runtime swarm: workspaces land on different nodes; exec,
#     files, SSH through the gateway and the WebSocket terminal (berth ssh)
#     reach each through its node's agent; another user reaches none of
#     them; stop/start keeps the volume's data; berthd kill -9 loses
#     nothing;
#   - GPU and MIG workspaces until one is pending with the engine's
#     reason, then one freed and the pending one runs;
#   - one node's dockerd stopped: its workspace shows unavailable, and is
#     running again when the node is back; a workspace deleted while its
#     node (engine and agent) is down leaves nothing there once it is
#     back (its run directory swept through the agent);
#   - on a worker's workspace: tasks (output, list, berth attach, kill),
#     ssh -R, a download and the port proxy, each through the node's
#     agent (its log names every link's target);
#   - no filesystem shared for run directories: each node has its own
#     <state>/sup, which its agent fills and empties;
#   - an agent refuses a wrong token, and drops a link on a replayed or
#     changed record (link-check.py); nothing is left on any node.
# Needs root, dockerd, ip and unshare; brings the cluster up and down.
. "$(dirname "$0")/inside-lib/lib.sh"
. "$(dirname "$0")/swarm/cluster.sh"

# ws_state ID KEY: "state|error" of a workspace.
ws_state() {
	local b
	b=$(api GET "/v1/workspaces/$1" "" "$2")
	jget "$b" '.state + "|" + .error'
}
# wait_state ID KEY STATE SECONDS
wait_state() {
	for _ in $(seq $(($4 * 5))); do
		[ "$(ws_state "$1" "$2" | cut -d'|' -f1)" = "$3" ] && return 0
		sleep 0.2
	done
	return 1
}

swarm_up
ok "3-node swarm up ($(($(date +%s) - T0)) s), generic resources from NVML per node"

# An agent serves nothing before the token is proved; after it, every
# byte is sealed: a replayed or changed record drops the link.
python3 "$SRC_DIR/tests/integration/swarm/link-check.py" 10.99.0.2 7070 \
    "$WORK/token" "$WORK/state" || fail "the agent link check"
grep -q 'link dropped: a record on the agent link failed its check' \
    "$WORK/agent2.log" || fail "the agent did not say why it dropped a link"
ok "an agent refuses a manager without the join token, drops a link on a replayed or changed record, and opens nothing but its own targets"

# ---- the backend contract on the cluster ----
BERTH_RT_KIND=swarm \
BERTH_DOCKER_HOST="unix://$SO_BASE/n1.sock?agents=$AGENTS&token_file=$WORK/token" \
BERTH_CONTRACT_EXEC="bash $SRC_DIR/tests/integration/swarm/node-exec.sh" \
    "$BUILD_DIR/test-rt-contract" >"$WORK/contract.log" 2>&1 ||
	{ cat "$WORK/contract.log" >&2; fail "rt contract on swarm"; }
ok "rt contract test passes with BERTH_RT_KIND=swarm"

# ---- berthd on the cluster ----
swarm_berthd --reconcile-interval 2
A=$(mkuser alice)
B=$(mkuser bob)
# The test image has no bash: a template whose shell is sh.
expect 201 POST /v1/templates "{\"name\":\"bb\",\"image\":\"$IMG\",\"shell\":\"/bin/sh\"}"
vol() { echo "\"template\":\"bb\",\"volumes\":[{\"name\":\"$1\",\"mount\":\"/data\"}]"; }
W1=$(ws_new w1 "$A" "$(vol d1)")
W2=$(ws_new w2 "$A" "$(vol d2)")
W3=$(ws_new w3 "$A" "$(vol d3)")
declare -A NODE
for w in "$W1" "$W2" "$W3"; do
	NODE[$w]=$(node_of "$(ws_cid "$w" "$A")")
	[ -n "${NODE[$w]}" ] || fail "workspace $w runs on no node"
done
# Pinned to its node once placed, without the engine replacing the task.
assert_eq "$(m service ps -q "$(ws_cid "$W2" "$A")" | wc -l)" 1 \
    "tasks of a workspace pinned after its first start"
[ "$(printf '%s\n' "${NODE[@]}" | sort -u | wc -l)" -ge 2 ] ||
	fail "three workspaces all on one node: ${NODE[*]}"
ok "3 workspaces running ($(($(date +%s) - T0)) s in), on nodes ${NODE[$W1]} ${NODE[$W2]} ${NODE[$W3]}"

# No filesystem shared for run directories (SO_PRIVATE): each node's
# agent made the workspace's there; berthd's own holds no socket.
for w in "$W1" "$W2" "$W3"; do
	[ ! -e "$WORK/state/sup/$w/sup.sock" ] ||
		fail "a supervisor socket in berthd's run directory of $w"
	[ -S "$SO_BASE/n${NODE[$w]}-private/$w/sup.sock" ] ||
		fail "no supervisor socket for $w on node ${NODE[$w]}"
	assert_eq "$(jget "$(api GET "/v1/workspaces/$w" "" "$A")" .runner)" sup \
	    "runner of the workspace on node ${NODE[$w]}"
done
ok "run directories made by each node's agent on the node (none shared with berthd's)"

for w in "$W1" "$W2" "$W3"; do
	xrun "$w" "$A" '{"argv":["sh","-c","id -u; echo $PPID; grep NoNewPrivs /proc/self/status"]}'
	assert_eq "$(jq -r .stdout "$WORK/x.json" | head -n 1)" 1000 \
	    "exec on node ${NODE[$w]} runs as the workspace user"
	# A child of the workspace's supervisor (reached through the
	# agent), not of the engine's exec (parent 0).
	[ "$(jq -r .stdout "$WORK/x.json" | sed -n 2p)" != 0 ] ||
		fail "exec on node ${NODE[$w]} did not go through berth-sup"
	# Services cannot say no-new-privileges: berth-sup sets it.
	jq -r .stdout "$WORK/x.json" | grep -q 'NoNewPrivs:.*1' ||
		fail "no-new-privileges not set on node ${NODE[$w]}: $(cat "$WORK/x.json")"
	head -c 200000 /dev/urandom >"$WORK/f.$w"
	st=$(files_put "$w" "$A" /data/f.bin "$WORK/f.$w")
	[ "$st" = 200 ] || fail "upload to node ${NODE[$w]} -> $st"
	st=$(files_get "$w" "$A" /data/f.bin "$WORK/g.$w")
	[ "$st" = 200 ] && cmp -s "$WORK/f.$w" "$WORK/g.$w" ||
		fail "download from node ${NODE[$w]} differs ($st)"
	st=$(xexec "$w" "$B" '{"argv":["id"]}')
	[ "$st" = 404 ] || fail "bob's exec into alice's workspace -> $st"
	[ "$(files_get "$w" "$B" /data/f.bin "$WORK/b")" = 404 ] ||
		fail "bob read alice's file"
done
ok "exec (berth-sup, no-new-privileges) and files on every node through its agent; bob reaches none"

# SSH through the gateway (the stock client) into each node's workspace.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/ida" && ssh-keygen -q -t ed25519 -N '' -f "$WORK/idb"
for u in a b; do
	k=$A; [ $u = b ] && k=$B
	expect 201 POST /v1/ssh-keys "$(jq -n --arg k "$(cat "$WORK/id$u.pub")" \
	    '{name: "laptop", public_key: $k}')" "$k"
done
gssh() {	# KEYFILE LOGIN CMD
	ssh -F /dev/null -i "$1" -o IdentitiesOnly=yes -o BatchMode=yes \
	    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	    -o LogLevel=ERROR -o ConnectTimeout=20 -p "$SSH_PORT" \
	    "$2@127.0.0.1" "$3"
}
for n in 1 2 3; do
	w=$(eval echo "\$W$n")
	out=$(gssh "$WORK/ida" "w$n" 'id -u; md5sum </data/f.bin') ||
		fail "ssh into w$n (node ${NODE[$w]}): $?"
	assert_eq "$out" "1000
$(md5sum <"$WORK/f.$w")" "ssh into w$n on node ${NODE[$w]}"
	! gssh "$WORK/idb" "w$n" true 2>/dev/null ||
		fail "bob's key logged into alice's w$n"
done
ok "SSH through the gateway into the workspace on each node; bob's key gets none"

# The WebSocket terminal (berth ssh, under a pty) into each node's workspace.
for n in 1 2 3; do
	BERTH_API_KEY=$A BERTH_CONFIG=$WORK/none.json python3 - "$BERTH" "w$n" <<'PY' ||
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "ssh", sys.argv[2]])
out, sent, end = b"", False, time.time() + 30
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
    if not sent and (b"$" in out or time.time() > end - 25):
        os.write(fd, b"echo term-$(id -u)-ok; exit 5\r")
        sent = True
_, st = os.waitpid(pid, 0)
ok = b"term-1000-ok" in out and os.WEXITSTATUS(st) == 5
sys.exit(0 if ok else print(out[-500:], os.WEXITSTATUS(st)) or 1)
PY
		fail "berth ssh (terminal) into w$n"
done
ok "the WebSocket terminal (berth ssh) into the workspace on each node"

# ---- a worker's workspace: tasks, berth attach, ssh -R and -A, files;
# every call reaches its supervisor through the node's agent (its log
# names each link's target) ----
WR= WRN=
for n in 1 2 3; do
	w=$(eval echo "\$W$n")
	[ "${NODE[$w]}" != 1 ] && { WR=$w; WRN=$n; break; }
done
[ -n "$WR" ] || fail "no workspace on a worker node"
AG=$WORK/agent${NODE[$WR]}.log
links() { grep -c "link: sup $WR" "$AG" || true; }
l0=$(links)
T=/v1/workspaces/$WR/tasks
expect 201 POST "$T" '{"command":"echo task-out; read x; echo got:$x; sleep 60","name":"tk","tty":true}' "$A"
TID=$(jget "$BODY" .id)
for _ in $(seq 50); do
	curl -sS -H "Authorization: Bearer $A" "$URL$T/$TID/output" | grep -q task-out && break
	sleep 0.2
done
curl -sS -H "Authorization: Bearer $A" "$URL$T/$TID/output" | grep -q task-out ||
	fail "task output on node ${NODE[$WR]}"
assert_eq "$(api GET "$T" "" "$A" | jq -r '.[] | select(.name == "tk") | .state')" running "the task in the list"
(sleep 3; printf 'hello\r'; sleep 2; printf '\035') |
	BERTH_API_KEY=$A BERTH_CONFIG=$WORK/none.json timeout 20 "$BERTH" attach "w$WRN" tk \
	>"$WORK/att.out" 2>"$WORK/att.err" || fail "berth attach: $(cat "$WORK/att.err")"
grep -q task-out "$WORK/att.out" && grep -q got:hello "$WORK/att.out" ||
	fail "berth attach showed: $(cat "$WORK/att.out")"
expect 200 DELETE "$T/$TID" '' "$A"
assert_eq "$(jget "$BODY" .state)" killed "task after DELETE"
l1=$(links)
[ "$l1" -gt "$l0" ] || fail "the task calls did not go through node ${NODE[$WR]}'s agent"
ok "task on node ${NODE[$WR]}: output, list, berth attach (typed and seen), kill; $((l1 - l0)) links through its agent"

# ssh -R: a port in the worker's workspace reaching a server here.
mkdir -p "$WORK/www"
echo hello-from-client >"$WORK/www/index.html"
LP=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$LP" >/dev/null 2>&1 &
HTTPD=$!
ssh -F /dev/null -i "$WORK/ida" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ExitOnForwardFailure=yes -p "$SSH_PORT" \
    -N -R "18080:127.0.0.1:$LP" "w$WRN@127.0.0.1" 2>"$WORK/r.err" &
RSSH=$!
got=
for _ in $(seq 50); do
	got=$(gssh "$WORK/ida" "w$WRN" 'wget -qO- http://127.0.0.1:18080/index.html' 2>/dev/null) && break
	sleep 0.2
done
kill $RSSH $HTTPD 2>/dev/null || true
assert_eq "$got" hello-from-client "ssh -R into node ${NODE[$WR]}'s workspace"
# ssh -A: the agent socket made in the workspace by its supervisor (the
# test image's /tmp is root's: in the run directory instead).
eval "$(ssh-agent -s)" >/dev/null
ssh-add -q "$WORK/ida" 2>/dev/null
out=$(ssh -F /dev/null -i "$WORK/ida" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -A -p "$SSH_PORT" "w$WRN@127.0.0.1" \
    'test -S "$SSH_AUTH_SOCK" && echo "agent-socket $SSH_AUTH_SOCK"' 2>&1) || true
ssh-agent -k >/dev/null
case $out in
"agent-socket /"*) ;;
*) fail "ssh -A into node ${NODE[$WR]}'s workspace: $out" ;;
esac
l2=$(links)
[ "$l2" -gt "$l1" ] || fail "ssh -R/-A did not go through node ${NODE[$WR]}'s agent"
st=$(files_get "$WR" "$A" /data/f.bin "$WORK/g2")
[ "$st" = 200 ] && cmp -s "$WORK/f.$WR" "$WORK/g2" || fail "download ($st)"
[ "$(links)" -gt "$l2" ] || fail "the download did not go through node ${NODE[$WR]}'s agent"
ok "ssh -R, ssh -A and a download, into node ${NODE[$WR]}'s workspace through its agent"

# The port proxy to a server in the worker's workspace, through its agent.
expect 201 POST "$T" '{"command":"exec busybox httpd -f -p 0.0.0.0:8080 -h /data","name":"www"}' "$A"
HT=$(jget "$BODY" .id)
lp0=$(grep -c "link: port " "$AG" || true)
for _ in $(seq 50); do
	st=$(curl -sS -o "$WORK/px" -w '%{http_code}' -H "Authorization: Bearer $A" \
	    "$URL/w/$WR/ports/8080/f.bin")
	[ "$st" = 200 ] && break
	sleep 0.2
done
[ "$st" = 200 ] && cmp -s "$WORK/f.$WR" "$WORK/px" ||
	fail "port proxy to node ${NODE[$WR]}'s workspace: $st $(head -c 300 "$WORK/px")"
[ "$(grep -c "link: port " "$AG")" -gt "$lp0" ] ||
	fail "the port proxy did not go through node ${NODE[$WR]}'s agent"
st=$(curl -sS -o "$WORK/px" -w '%{http_code}' -H "Authorization: Bearer $A" \
    "$URL/w/$WR/ports/8081/")
[ "$st" = 502 ] && grep -q "connection refused" "$WORK/px" ||
	fail "a port nobody listens on: $st $(head -c 300 "$WORK/px")"
st=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $B" \
    "$URL/w/$WR/ports/8080/f.bin")
[ "$st" = 404 ] || fail "bob through the port proxy -> $st"
expect 200 DELETE "$T/$HT" '' "$A"
ok "the port proxy to node ${NODE[$WR]}'s workspace through its agent (200 KB intact; 502 on a closed port; bob 404)"

# stop/start: the volume's data stays (pinned to its node)
st=$(files_put "$W1" "$A" /data/keep.txt "$WORK/f.$W1")
[ "$st" = 200 ] || fail "upload into the volume -> $st"
n1=${NODE[$W1]}
expect 200 POST "/v1/workspaces/$W1/stop" '' "$A"
assert_eq "$(ws_state "$W1" "$A" | cut -d'|' -f1)" stopped "after stop"
[ -z "$(node_of "$(ws_cid "$W1" "$A")")" ] || fail "a stopped workspace still runs"
expect 200 POST "/v1/workspaces/$W1/start" '' "$A"
assert_eq "$(ws_state "$W1" "$A" | cut -d'|' -f1)" running "after start"
assert_eq "$(node_of "$(ws_cid "$W1" "$A")")" "$n1" "node after a restart"
st=$(files_get "$W1" "$A" /data/keep.txt "$WORK/keep")
[ "$st" = 200 ] && cmp -s "$WORK/f.$W1" "$WORK/keep" ||
	fail "the volume's file after stop/start ($st)"
ok "stop/start: back on node $n1 with the volume's data"

# The manager killed: nothing lost, the workspaces still run where they ran.
berthd_kill9
swarm_berthd --reconcile-interval 2
for w in "$W1" "$W2" "$W3"; do
	assert_eq "$(ws_state "$w" "$A" | cut -d'|' -f1)" running "after kill -9"
	xrun "$w" "$A" '{"argv":["cat","/data/f.bin"]}'
done
assert_eq "$(node_of "$(ws_cid "$W3" "$A")")" "${NODE[$W3]}" "node after kill -9"
ok "berthd kill -9 and restart: every workspace running, on its node, reachable"

# ---- GPUs and MIG slices, scheduled by the engine ----
C=$(mkuser carol)
expect 201 POST /v1/users '{"name":"dave","max_gpus":0}'
D=$(api POST /v1/users/dave/api-keys '{}' | jq -r .key)
expect 429 POST /v1/workspaces '{"name":"g","wait":true,"gpu":"1"}' "$D"
expect 422 POST /v1/workspaces '{"name":"h","wait":true,"gpu":"H100"}' "$C"
ok "GPU quota from the store on a cluster; asking by model is refused"
gpu_ws() {	# NAME GPU: creates; prints id; the state is in $WORK/g.json
	api POST /v1/workspaces "{\"name\":\"$1\",\"wait\":true,\"gpu\":\"$2\"}" "$C" >"$WORK/g.json"
	[ "$(last_status)" = 201 ] || fail "create $1 ($2): $(cat "$WORK/g.json")"
	jq -r .id "$WORK/g.json"
}
G=()
for i in 1 2 3; do
	G+=("$(gpu_ws g$i 1)")
	assert_eq "$(jq -r .state "$WORK/g.json")" running "GPU workspace g$i"
done
# Three whole GPUs in the cluster (2 on node 1, 1 on node 2): a fourth waits.
G4=$(gpu_ws g4 1)
wait_state "$G4" "$C" pending 20 || fail "g4: $(ws_state "$G4" "$C")"
case $(ws_state "$G4" "$C") in
*"no suitable node"*) ;;
*) fail "pending without the engine's reason: $(ws_state "$G4" "$C")" ;;
esac
ok "3 whole GPUs placed by the engine, a 4th pending: $(ws_state "$G4" "$C" | cut -d'|' -f2)"
for g in "${G[@]}"; do
	xrun "$g" "$C" '{"argv":["sh","-c","echo $DOCKER_RESOURCE_NVIDIA_GPU"]}'
	u=$(jq -r .stdout "$WORK/x.json")
	n=$(node_of "$(ws_cid "$g" "$C")")
	grep -q "NVIDIA_GPU=$u\"" "$SO_BASE/n$n.json" ||
		fail "GPU '$u' of $g is not one of node $n's"
done
ok "each GPU workspace is told a GPU of its own node (DOCKER_RESOURCE_NVIDIA_GPU)"
expect 204 DELETE "/v1/workspaces/${G[0]}" '' "$C"
wait_state "$G4" "$C" running 40 || fail "g4 after a GPU freed: $(ws_state "$G4" "$C")"
ok "a GPU freed: the pending workspace runs by itself ($(($(date +%s) - T0)) s in)"

# A MIG profile that only node 3 has, once.
M1=$(gpu_ws m1 2g.20gb)
assert_eq "$(jq -r .state "$WORK/g.json")" running "MIG workspace"
assert_eq "$(node_of "$(ws_cid "$M1" "$C")")" 3 "node of the 2g.20gb slice"
M2=$(gpu_ws m2 2g.20gb)
wait_state "$M2" "$C" pending 20 || fail "m2: $(ws_state "$M2" "$C")"
expect 200 POST "/v1/workspaces/$M1/stop" '' "$C"
wait_state "$M2" "$C" running 40 || fail "m2 after m1 stopped: $(ws_state "$M2" "$C")"
xrun "$M2" "$C" '{"argv":["sh","-c","echo $DOCKER_RESOURCE_MIG_2G_20GB"]}'
grep -q "MIG_2g_20gb=$(jq -r .stdout "$WORK/x.json")\"" "$SO_BASE/n3.json" ||
	fail "m2's slice: $(cat "$WORK/x.json")"
ok "MIG 2g.20gb: placed on node 3, a second pending until the first stopped"

# ---- a node's engine down: its workspaces unavailable, then back ----
V=
for w in "$W2" "$W3" "$W1"; do
	n=$(node_of "$(ws_cid "$w" "$A")")
	[ "$n" != 1 ] && [ -n "$n" ] && { V=$w; VN=$n; break; }
done
[ -n "$V" ] || fail "no workspace on a worker node"
t=$(date +%s%N)
bash "$CLUSTER" stop "$VN"
wait_state "$V" "$A" unavailable 60 ||
	fail "node $VN down: workspace shows $(ws_state "$V" "$A")"
ok "node $VN's dockerd stopped: its workspace unavailable after $(( ($(date +%s%N) - t) / 1000000 )) ms ($(ws_state "$V" "$A" | cut -d'|' -f2))"
bash "$CLUSTER" start "$VN" || fail "node $VN did not come back"
wait_state "$V" "$A" running 90 ||
	fail "node $VN back: workspace shows $(ws_state "$V" "$A")"
assert_eq "$(node_of "$(ws_cid "$V" "$A")")" "$VN" "node after it came back"
st=$(files_get "$V" "$A" /data/f.bin "$WORK/back")
[ "$st" = 200 ] && cmp -s "$WORK/f.$V" "$WORK/back" ||
	fail "the volume's file after the node came back ($st)"
ok "node $VN back: the workspace runs there again with its volume"

# ---- a delete while a node is down (its engine and its agent): once the
# node is back, its run directory and container go too ----
bash "$CLUSTER" stop "$VN"
agent_stop "$VN"
[ -d "$SO_BASE/n$VN-private/$V" ] || fail "no run directory of $V on node $VN"
expect 204 DELETE "/v1/workspaces/$V" '' "$A"
[ -d "$SO_BASE/n$VN-private/$V" ] || fail "node $VN down, yet its run directory went"
t=$(date +%s%N)
bash "$CLUSTER" start "$VN" || fail "node $VN did not come back"
agent_start "$VN"
gone=
for _ in $(seq 200); do
	if [ ! -e "$SO_BASE/n$VN-private/$V" ] &&
	    [ -z "$(docker -H "unix://$SO_BASE/n$VN.sock" ps -aq --filter "label=berth.workspace=$V")" ]; then
		gone=1
		break
	fi
	sleep 0.3
done
[ -n "$gone" ] || fail "node $VN back: $V left there: $(ls -A "$SO_BASE/n$VN-private") $(docker -H "unix://$SO_BASE/n$VN.sock" ps -a --filter "label=berth.workspace=$V")"
grep -q "sweeping run directory .*/$V " "$WORK/agent$VN.log" ||
	fail "node $VN's agent did not sweep $V's run directory"
[ -z "$(m service ls -q --filter "label=berth.workspace=$V")" ] || fail "$V's service left"
ok "a workspace deleted while node $VN was down: its run directory and container gone $(( ($(date +%s%N) - t) / 1000000 )) ms after the node came back"

# ---- nothing left: every workspace deleted, no container, service,
# volume or helper of this berthd on any node ----
for id in $(api GET /v1/workspaces | jq -r '.[].id'); do
	expect 204 DELETE "/v1/workspaces/$id"
done
for i in 1 2 3; do
	left=$(docker -H "unix://$SO_BASE/n$i.sock" ps -aq \
	    --filter "label=berth.instance=$INSTANCE")
	[ -z "$left" ] || fail "containers left on node $i: $left"
done
[ -z "$(m service ls -q --filter "label=berth.instance=$INSTANCE")" ] ||
	fail "services left"
for i in 1 2 3; do
	left=$(ls -A "$SO_BASE/n$i-private" | grep -vx berth-sup || true)
	[ -z "$left" ] || fail "run directories left on node $i: $left"
done
ok "all deleted: no service, container, helper or run directory left on any node"
echo "swarm test took $(($(date +%s) - T0)) s"
