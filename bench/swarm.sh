#!/usr/bin/env bash
# swarm.sh: berth on a three-node Docker Swarm on this machine
# (tests/integration/swarm/cluster.sh: a netns and dockerd per node, a
# berth agent each), against baselines measured in the same run:
#   1. create->running through the API (wait:true) of workspaces the
#      engine placed on a worker node, vs `docker run -d` with the same
#      hardening on that worker's own engine (median of N each,
#      alternating);
#   2. exec `true` through the API into a workspace on a worker (berth-sup
#      reached through the node's agent) vs the same on a single-host
#      berthd (runtime docker, this host's engine) (median of 5N each);
#   3. SSH gateway throughput (stock ssh, `head -c` of /dev/zero to
#      /dev/null here) into a workspace on a worker against one on the
#      manager's own node (both through their node's agent), alternating,
#      median of 3 each, BENCH_SSH_MIB (default 256) MiB a run;
#   4. a worker's dockerd stopped: seconds until the API shows its
#      workspace unavailable, and until it runs again once back.
# Usage: bench/swarm.sh [N]   (default 8; needs root)
. "$(dirname "$0")/lib.sh"
. "$SRC_DIR/tests/integration/swarm/cluster.sh"
N=${1:-8}
NX=$((N * 5))

exec_times() {	# ID OUT: NX timed execs of `true`
	local t
	curl -sS -o /dev/null -H "Authorization: Bearer $ADMIN_KEY" \
	    -H 'Content-Type: application/json' -d '{"argv":["true"]}' \
	    "$URL/v1/workspaces/$1/exec"
	: >"$2"
	for _ in $(seq "$NX"); do
		t=$(curl -sS -o "$WORK/o.json" -w '%{time_total}' \
		    -H "Authorization: Bearer $ADMIN_KEY" \
		    -H 'Content-Type: application/json' -d '{"argv":["true"]}' \
		    "$URL/v1/workspaces/$1/exec")
		[ "$(jq -r .exit_code "$WORK/o.json")" = 0 ] ||
			fail "exec: $(cat "$WORK/o.json")"
		awk -v t="$t" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$2"
	done
}

# ---- single host first: its own state dir, its own berthd ----
MAIN_WORK=$WORK
WORK=$MAIN_WORK/single
mkdir -p "$WORK"
docker image inspect "$IMG" >/dev/null 2>&1 ||
	"$BUILD_DIR/test-rt-contract" >/dev/null
berthd_start --default-image "$IMG" --allowed-images "$IMG"
expect 201 POST /v1/workspaces '{"name":"bx","wait":true}'
S1=$(jget "$BODY" .id)
exec_times "$S1" "$MAIN_WORK/exec-single.txt"
expect 204 DELETE "/v1/workspaces/$S1"
kill -TERM "$BERTHD_PID"
wait "$BERTHD_PID" 2>/dev/null || true
BERTHD_PID= HTTP_PORT= SSH_PORT= INSTANCE=
WORK=$MAIN_WORK

# ---- the cluster ----
swarm_up
swarm_berthd --reconcile-interval 1 --quota-workspaces 1000
# The test image has no bash: a template whose shell is sh (for SSH).
expect 201 POST /v1/templates "{\"name\":\"bb\",\"image\":\"$IMG\",\"shell\":\"/bin/sh\"}"
: >"$WORK/create-api.txt"
: >"$WORK/create-docker.txt"
WID= LID= LNAME= WNAME=
i=0
while [ "$(wc -l <"$WORK/create-api.txt")" -lt "$N" ] && [ $i -lt $((N * 4)) ]; do
	i=$((i + 1))
	t0=$(now_ms)
	expect 201 POST /v1/workspaces "{\"name\":\"c$i\",\"template\":\"bb\",\"wait\":true}"
	t1=$(now_ms)
	id=$(jget "$BODY" .id)
	n=$(node_of "$(jget "$BODY" .container_id)")
	if [ "$n" = 1 ]; then	# the manager's own node
		LID=${LID:-$id}
		LNAME=${LNAME:-c$i}
		continue
	fi
	WNAME=${WNAME:-c$i}
	WID=${WID:-$id}
	WN=${WN:-$n}
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' \
	    >>"$WORK/create-api.txt"
	t0=$(now_ms)
	c=$(docker -H "unix://$SO_BASE/n$n.sock" run -d --cap-drop ALL \
	    --security-opt no-new-privileges --pids-limit 4096 --init \
	    --user 1000:1000 --label berth.bench=1 "$IMG" sleep 100000)
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' \
	    >>"$WORK/create-docker.txt"
	docker -H "unix://$SO_BASE/n$n.sock" rm -f "$c" >/dev/null
done
[ -n "$WID" ] || fail "no workspace was placed on a worker"
a=$(median <"$WORK/create-api.txt")
d=$(median <"$WORK/create-docker.txt")
printf 'create->running on a worker, median of %d: berth API (swarm) %.0f ms, docker run -d on that node %.0f ms, ratio %.2fx\n' \
    "$(wc -l <"$WORK/create-api.txt")" "$a" "$d" \
    "$(awk -v a="$a" -v b="$d" 'BEGIN {print a / b}')"

exec_times "$WID" "$WORK/exec-swarm.txt"
a=$(median <"$WORK/exec-swarm.txt")
d=$(median <"$WORK/exec-single.txt")
printf 'exec `true`, median of %d: on a worker through its agent %.1f ms, single-host berthd %.1f ms, ratio %.2fx\n' \
    "$NX" "$a" "$d" "$(awk -v a="$a" -v b="$d" 'BEGIN {print a / b}')"

# SSH throughput: a workspace on a worker vs one on the manager's node.
i=100
while [ -z "$LID" ] && [ $i -lt 120 ]; do
	i=$((i + 1))
	expect 201 POST /v1/workspaces "{\"name\":\"c$i\",\"template\":\"bb\",\"wait\":true}"
	[ "$(node_of "$(jget "$BODY" .container_id)")" = 1 ] &&
		{ LID=$(jget "$BODY" .id); LNAME=c$i; }
done
[ -n "$LID" ] || fail "no workspace was placed on the manager's node"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id"
expect 201 POST /v1/ssh-keys "$(jq -n --arg k "$(cat "$WORK/id.pub")" '{name: "bench", public_key: $k}')"
MIB=${BENCH_SSH_MIB:-256}
ssh_mibs() {	# LOGIN: MiB/s of MIB MiB of zeros through the gateway
	local t0 t1 n
	t0=$(now_ms)
	n=$(ssh -F /dev/null -i "$WORK/id" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -c aes128-gcm@openssh.com -p "$SSH_PORT" "$1@127.0.0.1" \
	    "head -c $((MIB * 1048576)) /dev/zero" | wc -c)
	t1=$(now_ms)
	[ "$n" = $((MIB * 1048576)) ] || fail "ssh $1: $n bytes"
	awk -v a="$t1" -v b="$t0" -v m="$MIB" 'BEGIN {printf "%.1f\n", m / ((a - b) / 1000)}'
}
: >"$WORK/ssh-w.txt"
: >"$WORK/ssh-l.txt"
for _ in 1 2 3; do
	ssh_mibs "$WNAME" >>"$WORK/ssh-w.txt"
	ssh_mibs "$LNAME" >>"$WORK/ssh-l.txt"
done
a=$(median <"$WORK/ssh-w.txt")
d=$(median <"$WORK/ssh-l.txt")
printf 'SSH gateway, %d MiB out of the workspace, median of 3: on worker node %s %.0f MiB/s, on the manager'"'"'s node %.0f MiB/s, ratio %.2fx\n' \
    "$MIB" "$WN" "$a" "$d" "$(awk -v a="$a" -v b="$d" 'BEGIN {print a / b}')"

t0=$(now_ms)
bash "$CLUSTER" stop "$WN"
for _ in $(seq 600); do
	[ "$(api GET "/v1/workspaces/$WID" | jq -r .state)" = unavailable ] && break
	sleep 0.1
done
t1=$(now_ms)
[ "$(api GET "/v1/workspaces/$WID" | jq -r .state)" = unavailable ] ||
	fail "never unavailable"
bash "$CLUSTER" start "$WN"
t2=$(now_ms)
for _ in $(seq 900); do
	[ "$(api GET "/v1/workspaces/$WID" | jq -r .state)" = running ] && break
	sleep 0.1
done
t3=$(now_ms)
printf 'node %s dockerd stopped: unavailable in the API after %.1f s (reconcile every 1 s); back: running again %.1f s after its dockerd answered\n' \
    "$WN" "$(awk -v a="$t1" -v b="$t0" 'BEGIN {print (a - b) / 1000}')" \
    "$(awk -v a="$t3" -v b="$t2" 'BEGIN {print (a - b) / 1000}')"
