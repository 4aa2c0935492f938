# tests/integration/swarm/cluster.sh: a three-node swarm with a berth agent
# per node, for tests/integration/swarm.sh and bench/swarm.sh (sourced
# after tests/integration/lib.sh). swarm_up brings it up (node i: engine
# unix://$SO_BASE/n<i>.sock, agent 10.99.0.<i>:7070, GPUs from an NVML
# stand-in machine file each); the EXIT trap takes it down with the
# agents, whatever happened.
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, dockerd)"
for c in dockerd ip unshare; do
	command -v "$c" >/dev/null || fail "$c not installed"
done
ip netns list | grep -q '^so-' &&
	fail "another swarm test cluster is up (ip netns: so-*)"

export SO_BASE=$WORK/c
# Each node its own <state>/sup, as on servers of their own: berthd's run
# directories are not the nodes'; the agents make those.
export SO_PRIVATE=$WORK/state/sup
CLUSTER="$SRC_DIR/scripts/swarm-cluster.sh"
AGENT_PIDS=
IMG=berthtest/busybox:latest
AGENTS=10.99.0.1:7070,10.99.0.2:7070,10.99.0.3:7070
T0=$(date +%s)

swarm_down() {
	local p
	for p in $AGENT_PIDS; do kill "$p" 2>/dev/null || true; done
	bash "$CLUSTER" down 3 >/dev/null 2>&1 || true
}
trap 'rc=$?; swarm_down; set +e; (exit $rc); cleanup' EXIT

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

swarm_up() {
	local i machine
	docker image inspect "$IMG" >/dev/null 2>&1 ||
		"$BUILD_DIR/test-rt-contract" >/dev/null	# builds it
	docker save -o "$WORK/img.tar" "$IMG"
	mkdir -p "$SO_BASE"
	i=1
	for machine in plain-2gpu h100-mig-empty a100-80gb-ci; do
		NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/$machine.json \
		    "$BERTHD" agent --resources \
		    --nvml-lib "$BUILD_DIR/libnvml-standin.so" 2>/dev/null |
			jq -c --arg k "$SO_BASE/n$i.key.json" \
			    '. + {"deprecated-key-path": $k, "icc": false}' >"$SO_BASE/n$i.json"
		grep -q -e GPU- -e MIG- "$SO_BASE/n$i.json" ||
			fail "no resources from the stand-in for $machine"
		i=$((i + 1))
	done
	mkdir -p "$SO_PRIVATE"
	bash "$CLUSTER" up 3 "$WORK/img.tar" || fail "cluster did not come up"
	head -c 32 /dev/urandom | base64 >"$WORK/token"
	chmod 600 "$WORK/token"
	mkdir -p "$WORK/state"
	for i in 1 2 3; do agent_start "$i"; done
}

# agent_start I: node I's agent, in the node's own view of <state>/sup
# (SO_PRIVATE); agent_stop I: killed, as when its server goes down.
declare -A AGENT_PID
agent_start() {
	ip netns exec "so-n$1" bash -c 'mount --bind "$1" "$2" &&
	    shift 2 && exec "$@"' - "$SO_BASE/n$1-private" \
	    "$WORK/state/sup" "$BERTHD" agent \
	    --listen "10.99.0.$1:7070" --token-file "$WORK/token" \
	    --engine "unix://$SO_BASE/n$1.sock" --state "$WORK/state" -v \
	    >>"$WORK/agent$1.log" 2>&1 &
	AGENT_PID[$1]=$!
	AGENT_PIDS="$AGENT_PIDS $!"
	wait_for bash -c "exec 3<>/dev/tcp/10.99.0.$1/7070" ||
		fail "agent $1 does not listen"
}
agent_stop() {
	kill -9 "${AGENT_PID[$1]}" 2>/dev/null || true
	wait "${AGENT_PID[$1]}" 2>/dev/null || true
}

# swarm_berthd [flags...]: berthd with runtime swarm on the cluster.
swarm_berthd() {
	berthd_start --runtime swarm --docker-host "unix://$SO_BASE/n1.sock" \
	    --swarm-agents "$AGENTS" --agent-token-file "$WORK/token" \
	    --default-image "$IMG" --allowed-images "$IMG" "$@"
}
