# swarm: berth on a real three-node Docker Swarm on this one machine
# (scripts/swarm-cluster.sh: a netns, dockerd and data root per node), a
# berth agent per node (berthd agent) with a join token, GPUs and MIG
# slices published per node from the NVML stand-in's machine files:
#   - the rt contract test passes with BERTH_RT_KIND=swarm;
#   - berthd with runtime swarm: workspaces land on different nodes; exec
#     and files reach each through its node's agent; another user reaches
#     none of them; stop/start keeps the volume's data;
#   - GPU and MIG workspaces until one is pending with the engine's
#     reason, then one freed and the pending one runs;
#   - one node's dockerd stopped: its workspace shows unavailable, and is
#     running again when the node is back;
#   - an agent refuses a wrong token; nothing is left on any node.
# Needs root, dockerd, ip and unshare; brings the cluster up and down.
. "$(dirname "$0")/inside-lib/lib.sh"

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, dockerd)"
for c in dockerd ip unshare; do
	command -v "$c" >/dev/null || fail "$c not installed"
done
ip netns list | grep -q '^so-' &&
	fail "another swarm test cluster is up (ip netns: so-*)"

export SO_BASE=$WORK/c
CLUSTER="$SRC_DIR/scripts/swarm-cluster.sh"
AGENT_PIDS=
IMG=berthtest/busybox:latest
T0=$(date +%s)

swarm_down() {
	local p
	for p in $AGENT_PIDS; do kill "$p" 2>/dev/null || true; done
	bash "$CLUSTER" down 3 >/dev/null 2>&1 || true
}
trap 'rc=$?; swarm_down; (exit $rc); cleanup' EXIT

m() { docker -H "unix://$SO_BASE/n1.sock" "$@"; }
# node_of SERVICE: the node number that runs it (1..3), or "".
node_of() {
	local t n
	t=$(m service ps -q --filter desired-state=running "$1" | head -n 1)
	[ -n "$t" ] || return 0
	n=$(m inspect -f '{{.NodeID}}' "$t")
	[ -n "$n" ] || return 0
	n=$(m node inspect -f '{{.Status.Addr}}' "$n")
	echo "${n##*.}"
}
# ws_state ID KEY: state and error of a workspace, "state|error".
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

# ---- the cluster, with each node's GPUs from its NVML machine file ----
docker image inspect "$IMG" >/dev/null 2>&1 ||
	"$BUILD_DIR/test-rt-contract" >/dev/null	# builds it
docker save -o "$WORK/img.tar" "$IMG"
mkdir -p "$SO_BASE"
i=1
for machine in plain-2gpu h100-mig-empty a100-80gb-ci; do
	NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/$machine.json \
	    "$BERTHD" agent --resources \
	    --nvml-lib "$BUILD_DIR/libnvml-standin.so" 2>/dev/null |
		jq -c --arg k "$SO_BASE/n$i.key.json" '. + {"deprecated-key-path": $k}' \
		>"$SO_BASE/n$i.json"
	grep -q GPU- "$SO_BASE/n$i.json" || grep -q MIG- "$SO_BASE/n$i.json" ||
		fail "no resources from the stand-in for $machine"
	i=$((i + 1))
done
bash "$CLUSTER" up 3 "$WORK/img.tar" || fail "cluster did not come up"
ok "3-node swarm up ($(($(date +%s) - T0)) s), generic resources from NVML per node"

head -c 32 /dev/urandom | base64 >"$WORK/token"
chmod 600 "$WORK/token"
mkdir -p "$WORK/state"
for i in 1 2 3; do
	ip netns exec "so-n$i" "$BERTHD" agent --listen "10.99.0.$i:7070" \
	    --token-file "$WORK/token" --engine "unix://$SO_BASE/n$i.sock" \
	    --state "$WORK/state" >>"$WORK/agent$i.log" 2>&1 &
	AGENT_PIDS="$AGENT_PIDS $!"
done
for i in 1 2 3; do
	wait_for bash -c "exec 3<>/dev/tcp/10.99.0.$i/7070" ||
		fail "agent $i does not listen"
done
AGENTS=10.99.0.1:7070,10.99.0.2:7070,10.99.0.3:7070

# An agent serves nothing before the token is proved.
got=$(timeout 5 bash -c 'exec 3<>/dev/tcp/10.99.0.2/7070; head -c 14 <&3;
	printf "AUTH %032d %064d engine\n" 0 0 >&3; cat <&3' || true)
case $got in
BERTH-AGENT/1*"NO bad join token"*) ;;
*) fail "agent answered a wrong proof with: $got" ;;
esac
ok "an agent refuses a manager without the join token"

# ---- the backend contract on the cluster ----
BERTH_RT_KIND=swarm \
BERTH_DOCKER_HOST="unix://$SO_BASE/n1.sock?agents=$AGENTS&token_file=$WORK/token" \
BERTH_CONTRACT_EXEC="bash $SRC_DIR/tests/integration/swarm/node-exec.sh" \
    "$BUILD_DIR/test-rt-contract" >"$WORK/contract.log" 2>&1 ||
	{ cat "$WORK/contract.log" >&2; fail "rt contract on swarm"; }
ok "rt contract test passes with BERTH_RT_KIND=swarm"

# ---- berthd on the cluster ----
HTTP_PORT= SSH_PORT=
berthd_start --runtime swarm --docker-host "unix://$SO_BASE/n1.sock" \
    --swarm-agents "$AGENTS" --agent-token-file "$WORK/token" \
    --default-image "$IMG" --allowed-images "$IMG"
A=$(mkuser alice)
B=$(mkuser bob)
vol() { echo "\"volumes\":[{\"name\":\"$1\",\"mount\":\"/data\"}]"; }
W1=$(ws_new w1 "$A" "$(vol d1)")
W2=$(ws_new w2 "$A" "$(vol d2)")
W3=$(ws_new w3 "$A" "$(vol d3)")
declare -A NODE
for w in "$W1" "$W2" "$W3"; do
	NODE[$w]=$(node_of "$(ws_cid "$w" "$A")")
	[ -n "${NODE[$w]}" ] || fail "workspace $w runs on no node"
done
[ "$(printf '%s\n' "${NODE[@]}" | sort -u | wc -l)" -ge 2 ] ||
	fail "three workspaces all on one node: ${NODE[*]}"
ok "3 workspaces running, on nodes ${NODE[$W1]} ${NODE[$W2]} ${NODE[$W3]}"

for w in "$W1" "$W2" "$W3"; do
	xrun "$w" "$A" '{"argv":["sh","-c","id -u; echo $PPID"]}'
	assert_eq "$(jq -r .stdout "$WORK/x.json" | head -n 1)" 1000 \
	    "exec on node ${NODE[$w]} runs as the workspace user"
	# A child of the workspace's supervisor (reached through the
	# agent), not of the engine's exec (parent 0).
	[ "$(jq -r .stdout "$WORK/x.json" | sed -n 2p)" != 0 ] ||
		fail "exec on node ${NODE[$w]} did not go through berth-sup"
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
ok "exec and files on every node through its agent; bob reaches none"

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
