#!/usr/bin/env bash
# exec-sup.sh: exec of `true` through the API with berth-sup, the in-
# container supervisor, against `docker exec C true` on the same container
# and the API's own Docker exec fallback (asked for as user "dev", a name
# the supervisor does not take), interleaved so all see the same load;
# then `berth exec WS -- true` against `docker exec`. p50 and p99 of N.
# Targets (issue 11): API p50 <= 10 ms and <= 0.15x docker exec; berth exec
# <= 0.2x docker exec.
# Usage: bench/exec-sup.sh [N]   (default 200)
. "$(dirname "$0")/lib.sh"
N=${1:-200}
BERTH=${BERTH:-$BUILD_DIR/berth}
DOCKER=${DOCKER:-docker}
berthd_start
expect 201 POST /v1/workspaces '{"name":"bsup","wait":true}'
ID=$(jget "$BODY" .id)
C=$(jget "$BODY" .container_id)
[ "$(jget "$BODY" .runner)" = sup ] || fail "runner is not sup: $BODY"

pct() { # P: the P-th percentile of numbers on stdin
	sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print a[i]}'
}
api_ms() { # BODY OUT: one exec through the API, its time in ms
	local t
	t=$(curl -sS -o "$WORK/o.json" -w '%{time_total}' -H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' -d "$1" "$URL/v1/workspaces/$ID/exec")
	[ "$(jq -r .exit_code "$WORK/o.json")" = 0 ] || fail "exec failed: $(cat "$WORK/o.json")"
	awk -v t="$t" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$2"
	jq -r .duration_ms "$WORK/o.json" >>"$2.dur"
}
timed() { # OUT CMD...: wall time of CMD in ms
	local out=$1 t0 t1
	shift
	t0=$(now_ms)
	"$@" >/dev/null || fail "$* failed"
	t1=$(now_ms)
	awk -v a="$t1" -v b="$t0" 'BEGIN {printf "%.3f\n", a - b}' >>"$out"
}
: >"$WORK/sup.txt"; : >"$WORK/floor.txt"; : >"$WORK/dx.txt"; : >"$WORK/docker.txt"; : >"$WORK/cli.txt"; : >"$WORK/docker2.txt"
api_ms '{"argv":["true"]}' /dev/null
api_ms '{"argv":["true"],"user":"dev"}' /dev/null
"$DOCKER" exec "$C" true
for _ in $(seq "$N"); do
	api_ms '{"argv":["true"]}' "$WORK/sup.txt"
	timed "$WORK/docker.txt" "$DOCKER" exec "$C" true
	api_ms '{"argv":["true"],"user":"dev"}' "$WORK/dx.txt"
	# berthd's floor: an authenticated GET through the same HTTP path
	t=$(curl -sS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $ADMIN_KEY" "$URL/v1/account")
	awk -v t="$t" 'BEGIN {printf "%.3f\n", t * 1000}' >>"$WORK/floor.txt"
done
export BERTH_API_URL=$URL BERTH_API_KEY=$ADMIN_KEY BERTH_CONFIG=$WORK/none.json
"$BERTH" exec bsup -- true >/dev/null || fail "berth exec"
for _ in $(seq "$N"); do
	timed "$WORK/cli.txt" "$BERTH" exec bsup -- true
	timed "$WORK/docker2.txt" "$DOCKER" exec "$C" true
done
line() { # NAME FILE BASE
	local p50 p99 b50 b99
	p50=$(pct 50 <"$2"); p99=$(pct 99 <"$2"); b50=$(pct 50 <"$3"); b99=$(pct 99 <"$3")
	printf '%-34s p50 %7.1f ms  p99 %7.1f ms   vs docker exec: p50 %.3fx  p99 %.3fx\n' \
		"$1" "$p50" "$p99" "$(awk -v a="$p50" -v b="$b50" 'BEGIN {print a / b}')" \
		"$(awk -v a="$p99" -v b="$b99" 'BEGIN {print a / b}')"
}
echo "exec \`true\`, $N each, interleaved, $("$DOCKER" version --format 'docker CLI {{.Client.Version}}, engine {{.Server.Version}}' 2>/dev/null)"
printf '%-34s p50 %7.1f ms  p99 %7.1f ms\n' "docker exec C true" "$(pct 50 <"$WORK/docker.txt")" "$(pct 99 <"$WORK/docker.txt")"
line "API exec, runner sup" "$WORK/sup.txt" "$WORK/docker.txt"
line "API exec, runner docker-exec" "$WORK/dx.txt" "$WORK/docker.txt"
printf '%-34s p50 %7.1f ms  p99 %7.1f ms\n' "  sup: the process (duration_ms)" "$(pct 50 <"$WORK/sup.txt.dur")" "$(pct 99 <"$WORK/sup.txt.dur")"
printf '%-34s p50 %7.1f ms  p99 %7.1f ms\n' "  berthd floor: GET /v1/account" "$(pct 50 <"$WORK/floor.txt")" "$(pct 99 <"$WORK/floor.txt")"
printf '  load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s p50 %7.1f ms  p99 %7.1f ms\n' "docker exec C true (2nd loop)" "$(pct 50 <"$WORK/docker2.txt")" "$(pct 99 <"$WORK/docker2.txt")"
line "berth exec WS -- true (sup)" "$WORK/cli.txt" "$WORK/docker2.txt"
