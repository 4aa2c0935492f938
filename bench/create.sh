#!/usr/bin/env bash
# create.sh: create->running through the API (POST /v1/workspaces with
# wait:true) vs `docker run -d` with the same settings, median of N each,
# alternating so both see the same machine load.
# Usage: bench/create.sh [N]   (default 10)
. "$(dirname "$0")/lib.sh"
N=${1:-10}
berthd_start --quota-workspaces 1000
net=${BERTH_TEST_NETWORK:-berth-test}
: >"$WORK/api.txt"
: >"$WORK/docker.txt"
for i in $(seq "$N"); do
	t0=$(now_ms)
	expect 201 POST /v1/workspaces "{\"name\":\"b$i\",\"wait\":true}"
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$WORK/api.txt"
	t0=$(now_ms)
	docker run -d --name "bench-create-$$-$i" --cap-drop ALL \
		--security-opt no-new-privileges --pids-limit 1024 \
		--memory 4g --memory-swap 4g --cpus 2 --init --user 1000:1000 \
		--network "$net" --label berth.instance="$INSTANCE" \
		--label berth.workspace="bench-$i" --hostname "b$i" \
		--workdir /home/dev berth/workspace:latest >/dev/null
	# docker run -d returns once the container started, as wait:true does.
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$WORK/docker.txt"
done
api_med=$(median <"$WORK/api.txt")
dk_med=$(median <"$WORK/docker.txt")
printf 'create->running, median of %d: berth API %.0f ms, docker run -d %.0f ms, ratio %.2fx (target <= 1.2x)\n' \
	"$N" "$api_med" "$dk_med" "$(awk -v a="$api_med" -v b="$dk_med" 'BEGIN {print a / b}')"
