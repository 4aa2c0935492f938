#!/usr/bin/env bash
# create-exec.sh: create -> first exec answered, through the API
# (POST /v1/workspaces with wait:true, then POST .../exec of `true`) vs
# `docker run -d` with the same settings followed by `docker exec C true`;
# median of N each, alternating so both see the same machine load (target
# <= 0.8x). Each side runs two client processes in the timed part (curl
# twice; docker twice), timed with bash's $EPOCHREALTIME; the id is taken
# from the create's answer with bash alone and the answers are checked
# after the clock stops, so no helper process (cat, jq, awk) is timed on
# either side. Third, the engine's own floor: the same container made
# and started through the Engine API alone (curl on its socket, no CLI, no
# exec), which no create through this engine can beat without containers
# made ahead of time. Then the supervisor's own memory: the RSS of every
# berth-sup process (the supervisor, not the processes it runs) across
# the N workspaces (target < 2 MB each).
# Usage: bench/create-exec.sh [N]   (default 10)
. "$(dirname "$0")/lib.sh"
N=${1:-10}
berthd_start --quota-workspaces 1000
net=${BERTH_TEST_NETWORK:-berth-test}
: >"$WORK/api.txt"
: >"$WORK/docker.txt"
: >"$WORK/engine.txt"
raw=$(jq -nc --arg net "$net" --arg inst "$INSTANCE" '{Image:
	"berth/workspace:latest", Cmd: ["sleep", "infinity"], User: "1000:1000",
	WorkingDir: "/home/dev", Hostname: "ceraw", Labels: {"berth.instance":
	$inst}, HostConfig: {CapDrop: ["ALL"], SecurityOpt:
	["no-new-privileges"], PidsLimit: 1024, Memory: 4294967296, MemorySwap:
	4294967296, NanoCpus: 2000000000, Init: true, NetworkMode: $net}}')
# ms T0 T1: milliseconds between two $EPOCHREALTIME readings.
ms() {
	awk -v a="$2" -v b="$1" 'BEGIN {printf "%.3f\n", (a - b) * 1000}'
}
for i in $(seq "$N"); do
	t0=$EPOCHREALTIME
	c1=$(curl -sS -o "$WORK/ce.json" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary "{\"name\":\"ce$i\",\"wait\":true}" \
		"$URL/v1/workspaces")
	read -r body <"$WORK/ce.json" || true
	[[ $body =~ \"id\":\"([0-9a-f-]+)\" ]] && id=${BASH_REMATCH[1]}
	c2=$(curl -sS -o "$WORK/cx.json" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' \
		--data-binary '{"argv":["true"]}' \
		"$URL/v1/workspaces/$id/exec")
	t1=$EPOCHREALTIME
	[ "$c1" = 201 ] || fail "create -> $c1: $body"
	[ "$c2" = 200 ] || fail "exec -> $c2: $(cat "$WORK/cx.json")"
	[ "$(jget "$(cat "$WORK/cx.json")" .exit_code)" = 0 ] ||
		fail "exec of true: $(cat "$WORK/cx.json")"
	ms "$t0" "$t1" >>"$WORK/api.txt"
	t0=$EPOCHREALTIME
	c=$(docker run -d --name "bench-ce-$$-$i" --cap-drop ALL \
		--security-opt no-new-privileges --pids-limit 1024 \
		--memory 4g --memory-swap 4g --cpus 2 --init --user 1000:1000 \
		--network "$net" --label berth.instance="$INSTANCE" \
		--label berth.workspace="bench-$i" --hostname "ce$i" \
		--workdir /home/dev berth/workspace:latest sleep infinity)
	docker exec "$c" true
	t1=$EPOCHREALTIME
	ms "$t0" "$t1" >>"$WORK/docker.txt"
	# The engine's own floor: the same container made and started
	# through the Engine API (no CLI, no exec), as berth's create does.
	t0=$EPOCHREALTIME
	rid=$(curl -sS --unix-socket /var/run/docker.sock \
		-H 'Content-Type: application/json' --data-binary "$raw" \
		"http://docker/v1.41/containers/create?name=bench-ceraw-$$-$i")
	[[ $rid =~ \"Id\":\"([0-9a-f]+)\" ]] && rid=${BASH_REMATCH[1]}
	rc=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
		--unix-socket /var/run/docker.sock \
		"http://docker/v1.41/containers/$rid/start")
	t1=$EPOCHREALTIME
	[ "$rc" = 204 ] || fail "engine start of bench-ceraw-$$-$i: $rc"
	ms "$t0" "$t1" >>"$WORK/engine.txt"
	docker rm -f "bench-ceraw-$$-$i" >/dev/null
done
api_med=$(median <"$WORK/api.txt")
dk_med=$(median <"$WORK/docker.txt")
en_med=$(median <"$WORK/engine.txt")
printf 'create->first exec, median of %d: berth API %.0f ms, docker run -d + docker exec %.0f ms, ratio %.2fx (target <= 0.8x)\n' \
	"$N" "$api_med" "$dk_med" "$(awk -v a="$api_med" -v b="$dk_med" 'BEGIN {print a / b}')"
printf 'the engine alone (create + start through its API, no exec): %.0f ms, %.2fx of that baseline, before any exec is answered\n' \
	"$en_med" "$(awk -v a="$en_med" -v b="$dk_med" 'BEGIN {print a / b}')"
# The supervisors of this run's workspaces: their processes named
# /.berth/sup (forks of it that keep a running process would count too).
: >"$WORK/sup.txt"
for c in $(docker ps -q --filter "label=berth.instance=$INSTANCE" --filter label=berth.workspace); do
	docker top "$c" -eo pid,args | awk 'NR > 1 && $2 == "/.berth/sup" {print $1}' |
	while read -r p; do
		awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null
	done
done >>"$WORK/sup.txt"
[ -s "$WORK/sup.txt" ] || fail "no berth-sup process found"
printf 'berth-sup RSS per workspace: median %s kB, max %s kB over %d supervisors (target < 2048 kB)\n' \
	"$(median <"$WORK/sup.txt")" "$(sort -n "$WORK/sup.txt" | tail -1)" "$(wc -l <"$WORK/sup.txt")"
