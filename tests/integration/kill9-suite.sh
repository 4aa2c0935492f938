# kill9-suite: kill -9 of berthd at a random point of create, delete,
# start, stop, redeploy, exec, upload and SSH, then a restart on the same
# state and ports and the invariants:
#  - every acknowledged operation holds: an acknowledged create or start
#    or redeploy is running, a stop is stopped, a delete is gone; an
#    unacknowledged one left the workspace in its state before or after;
#  - every workspace is whole: running = record running + its container
#    running; stopped = no running container; no labelled container
#    without its record, no helper (berth-prep-*) container;
#  - GPU allocations exact (NVML stand-in, 7 x 1g.10gb): each running GPU
#    workspace holds one device, no device twice, free = 7 - held;
#  - no process left without its owner: a killed exec's or SSH session's
#    command is gone once its timeout has passed (exec) or at once (SSH);
#  - no spool file or half-made volume image in the state dir.
# Seeded: BERTH_CRASH_SEED replays a run (the seed is printed first);
# BERTH_CRASH_OPS limits the operations (default all eight);
# BERTH_CRASH_TRIALS (default 50) trials (bench/kill9.sh runs more,
# and all eight kinds of operation).
# Prints one line per trial and a summary: trials, faults survived,
# violations.
. "$(dirname "$0")/lib.sh"
SEED=${BERTH_CRASH_SEED:-$(( $(date +%s) % 32768 ))}
TRIALS=${BERTH_CRASH_TRIALS:-50}
echo "kill9-suite: seed $SEED (BERTH_CRASH_SEED=$SEED replays), $TRIALS trials"
RANDOM=$SEED
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
[ -f "$BUILD_DIR/libnvml-standin.so" ] || fail "libnvml-standin.so not built"
GPUARGS=(--nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env)
berthd_start "${GPUARGS[@]}"
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5
	-o IdentitiesOnly=yes)

api POST /v1/users '{"name":"crash","max_workspaces":50,"max_gpus":7}' >/dev/null
assert_eq "$(last_status)" 201 "create user"
expect 201 POST /v1/users/crash/api-keys '{}'
K=$(jget "$BODY" .key)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/key"
expect 201 POST /v1/ssh-keys "{\"name\":\"k\",\"public_key\":\"$(cat "$WORK/key.pub")\"}" "$K"
head -c 8000000 /dev/urandom >"$WORK/up.bin"

db() { sqlite3 "$STATE/berth.db" ".timeout 5000" "$1"; }
containers() {
	docker ps -a --no-trunc --filter "label=berth.instance=$INSTANCE" \
		--format '{{.ID}} {{.Names}} {{.Label "berth.workspace"}} {{.State}}'
}
berthd_restart() {
	"$BERTHD" --listen "127.0.0.1:$HTTP_PORT" --ssh-listen "127.0.0.1:$SSH_PORT" \
		--state-dir "$STATE" --network "${BERTH_TEST_NETWORK:-berth-test}" \
		"${GPUARGS[@]}" >>"$WORK/berthd.out" 2>>"$WORK/berthd.log" &
	BERTHD_PID=$!
	for _ in $(seq 900); do
		curl -fsS "$URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$BERTHD_PID" 2>/dev/null || fail "berthd exited at restart"
		sleep 0.1
	done
	fail "berthd not healthy 90 s after restart"
}

# The model: EXPECT[name] is the set of states allowed after the trial
# ("running", "stopped", "absent"); GPU[name]=1 for GPU workspaces.
declare -A EXPECT GPU
VIOLATIONS=0
violation() {
	VIOLATIONS=$((VIOLATIONS + 1))
	echo "VIOLATION trial $T (seed $SEED, op $OP on $NAME): $*" >&2
	echo "VIOLATION trial $T: $*" >>"$WORK/violations"
}
names_in() { # STATE...: model names whose only allowed state is one of these
	local n
	for n in "${!EXPECT[@]}"; do
		[[ " $* " == *" ${EXPECT[$n]} "* ]] && echo "$n"
	done | sort
}
# rnd N: a seeded number in 0..N-1 in $R (in this shell, never a
# subshell, so a seed replays; the LCG's low bits are poor).
rnd() { R=$(( (RANDOM >> 3) % $1 )); }
pick() { # STATE: a random model name in exactly that state, in $PICKED
	local a
	mapfile -t a < <(names_in "$1")
	[ "${#a[@]}" -gt 0 ] || return 1
	rnd "${#a[@]}"
	PICKED=${a[R]}
}

NEXT=0
newname() { NEXT=$((NEXT + 1)); NEWNAME=w$NEXT; }
create_body() { # NAME GPU
	local g=
	[ "$2" = 1 ] && g=',"gpu":"1g.10gb"'
	echo "{\"name\":\"$1\",\"wait\":true,\"memory\":\"32m\",\"cpus\":0.1$g}"
}

# A clean setup step (no kill): make NAME exist and run.
setup_create() {
	local n g
	rnd 2; g=$R
	newname
	n=$NEWNAME
	[ "$(names_in running | wc -l)" -ge 6 ] && g=0
	expect 201 POST /v1/workspaces "$(create_body "$n" "$g")" "$K"
	EXPECT[$n]=running
	GPU[$n]=$g
}

# check: the invariants against the store, the API and the engine.
check() {
	local n st cid run recs want
	[ "$(db 'PRAGMA integrity_check')" = ok ] || violation "integrity_check"
	recs=$(api GET /v1/workspaces "" "$K")
	[ "$(last_status)" = 200 ] || { violation "list -> $(last_status)"; return; }
	jget "$recs" '.[] | "\(.name) \(.state) \(.container_id) \(.gpu.uuid // "-")"' |
		sort >"$WORK/recs"
	for n in "${!EXPECT[@]}"; do
		want=${EXPECT[$n]}
		read -r _ st cid _ < <(grep "^$n " "$WORK/recs" || echo "$n absent - -")
		if [[ " $want " != *" $st "* ]]; then
			violation "$n is $st, allowed: $want$(jget "$recs" \
				".[] | select(.name == \"$n\") | \" (error: \(.error))\"")"
			# Go on from what is there (a failed one is left alone:
			# operations pick running and stopped ones).
			if [ "$st" = absent ]; then unset "EXPECT[$n]"
			else EXPECT[$n]=$st; fi
			continue
		fi
		case $st in
		running)
			run=$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null || echo none)
			[ "$run" = true ] || violation "$n running but its container $cid is $run" ;;
		stopped)
			if [ -n "$cid" ] && [ "$cid" != null ]; then
				run=$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null || echo none)
				[ "$run" != true ] || violation "$n stopped but its container runs"
			fi ;;
		esac
		# The model now knows the state.
		if [ "$st" = absent ]; then unset "EXPECT[$n]"; else EXPECT[$n]=$st; fi
	done
	# Records the model does not know: a create's record it never saw.
	while read -r n st cid _; do
		[ -n "${EXPECT[$n]+x}" ] || violation "unknown workspace $n ($st)"
	done <"$WORK/recs"
	# No container without its running/stopped record; no helper.
	local tries=0 bad
	while :; do
		bad=$(containers | while read -r cid cname wid cst; do
			if [ -z "$wid" ]; then echo "helper $cname $cst"; continue; fi
			db "SELECT 1 FROM workspaces WHERE id='$wid' AND container_id='$cid'" |
				grep -q 1 || echo "orphan $cname $cst"
		done)
		[ -z "$bad" ] && break
		tries=$((tries + 1))
		[ "$tries" -lt 40 ] || { violation "containers left: $bad"; break; }
		sleep 0.5
	done
	# GPUs: held by running GPU workspaces only, each once, free exact.
	local held uniq free
	held=$(awk '$2 == "running" && $4 != "-" {print $4}' "$WORK/recs")
	uniq=$(sort -u <<<"$held" | grep -c . || true)
	[ "$uniq" = "$(grep -c . <<<"$held" || true)" ] || violation "a GPU held twice: $held"
	free=$(api GET /v1/gpus/types "" "$K" | jq -r '.[] | select(.profile=="1g.10gb") | .free')
	[ "$free" = $((7 - uniq)) ] || violation "GPUs free $free, want $((7 - uniq)) (held: $(tr '\n' ' ' <<<"$held"))"
	for n in "${!EXPECT[@]}"; do
		[ "${EXPECT[$n]}" = running ] && [ "${GPU[$n]}" = 1 ] &&
			! grep -q "^$n running .* MIG-" "$WORK/recs" &&
			violation "$n running without its GPU"
	done
	# Nothing spooled or half-made in the state dir.
	ls -a "$STATE" "$STATE/volumes" 2>/dev/null | grep -E '^\.upload\.|\.img\.new$' &&
		violation "spool or half-made image left in $STATE"
	return 0
}

# procs_gone PATTERN CONTAINER...: no process matching PATTERN is left.
procs_left() {
	local c
	for c in "$@"; do
		docker top "$c" -eo pid,args 2>/dev/null | grep -c -- "$1" || true
	done | awk '{s += $1} END {print s + 0}'
}

for _ in 1 2 3; do setup_create; done
check
# BERTH_CRASH_OPS: the operations to kill (default all eight, in the test
# suite too; bench/kill9.sh runs more trials). An interrupted redeploy is
# finished at the restart (ws-life.c, redeploy_finish).
read -r -a OPS <<<"${BERTH_CRASH_OPS:-create delete start stop redeploy exec upload ssh}"
SURVIVED=0
PROCS_PENDING=()
t0=$(date +%s)
for T in $(seq "$TRIALS"); do
	rnd "${#OPS[@]}"; OP=${OPS[R]}
	# Keep a pool: at least two running and one stopped when possible.
	[ "$(names_in running | wc -l)" -lt 2 ] && setup_create
	if [ "$OP" = start ] && ! pick stopped; then
		pick running; expect 200 POST "/v1/workspaces/$PICKED/stop" "" "$K"
		EXPECT[$PICKED]=stopped
	fi
	NAME= ; BEFORE= ; AFTER=
	out=$WORK/op.out
	rm -f "$out" "$WORK/op.code"
	rnd 900; delay_ms=$R
	case $OP in
	create)
		newname; NAME=$NEWNAME; rnd 2; g=$R
		[ "$(names_in running | wc -l)" -ge 6 ] && g=0
		GPU[$NAME]=$g; BEFORE=absent; AFTER=running
		rnd 1500; delay_ms=$R
		curl -sS -o "$out" -w '%{http_code}' -X POST -H "Authorization: Bearer $K" \
			-H 'Content-Type: application/json' --data-binary "$(create_body "$NAME" "$g")" \
			"$URL/v1/workspaces" >"$WORK/op.code" 2>/dev/null & ;;
	delete)
		pick running || pick stopped; NAME=$PICKED
		BEFORE=${EXPECT[$NAME]}; AFTER=absent
		curl -sS -o "$out" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $K" \
			"$URL/v1/workspaces/$NAME" >"$WORK/op.code" 2>/dev/null & ;;
	start|stop|redeploy)
		if [ "$OP" = start ]; then pick stopped; BEFORE=stopped; AFTER=running
		else pick running; BEFORE=running; AFTER=running
			[ "$OP" = stop ] && AFTER=stopped; fi
		NAME=$PICKED
		curl -sS -o "$out" -w '%{http_code}' -X POST -H "Authorization: Bearer $K" \
			"$URL/v1/workspaces/$NAME/$OP" >"$WORK/op.code" 2>/dev/null & ;;
	exec)
		pick running; NAME=$PICKED; BEFORE=running; AFTER=running
		curl -sS -o "$out" -w '%{http_code}' -X POST -H "Authorization: Bearer $K" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"command\":\"sleep 3$((T % 100 + 100))\",\"timeout\":3}" \
			"$URL/v1/workspaces/$NAME/exec" >"$WORK/op.code" 2>/dev/null &
		PROCS_PENDING+=("exec $NAME sleep 3$((T % 100 + 100)) $(( $(date +%s) + 4 ))") ;;
	upload)
		pick running; NAME=$PICKED; BEFORE=running; AFTER=running
		curl -sS -o "$out" -w '%{http_code}' -T "$WORK/up.bin" -H "Authorization: Bearer $K" \
			"$URL/v1/workspaces/$NAME/files?path=/tmp/up.bin" >"$WORK/op.code" 2>/dev/null & ;;
	ssh)
		pick running; NAME=$PICKED; BEFORE=running; AFTER=running
		timeout 20 ssh "${SSHO[@]}" -i "$WORK/key" -p "$SSH_PORT" "$NAME@127.0.0.1" \
			"sleep 3$((T % 100 + 100))" >/dev/null 2>&1 &
		PROCS_PENDING+=("ssh $NAME sleep 3$((T % 100 + 100)) $(( $(date +%s) + 1 ))")
		rnd 900; delay_ms=$((300 + R)) ;;
	esac
	sleep "$(printf '0.%03d' "$delay_ms")"
	[ "$delay_ms" -ge 1000 ] && sleep 1
	berthd_kill9
	wait 2>/dev/null || true
	code=$(cat "$WORK/op.code" 2>/dev/null || true)
	acked=0
	case $OP in
	create) [ "$code" = 201 ] && jq -e .id "$out" >/dev/null 2>&1 && acked=1 ;;
	delete) [ "$code" = 204 ] && acked=1 ;;
	start|stop|redeploy) [ "$code" = 200 ] && jq -e .id "$out" >/dev/null 2>&1 && acked=1 ;;
	exec|upload) [ "$code" = 200 ] && acked=1 ;;
	ssh) acked=0 ;;
	esac
	if [ "$acked" = 1 ]; then EXPECT[$NAME]=$AFTER; else EXPECT[$NAME]="$BEFORE $AFTER"; fi
	berthd_restart
	check
	# Processes of killed execs (past their timeout) and SSH sessions.
	keep=()
	for p in "${PROCS_PENDING[@]}"; do
		read -r kind n _ pat due <<<"$p"
		if [ "$(date +%s)" -lt "$due" ]; then keep+=("$p"); continue; fi
		c=$(db "SELECT container_id FROM workspaces WHERE name='$n'")
		[ -n "$c" ] || continue
		left=0
		for _ in $(seq 20); do
			left=$(procs_left "sleep $pat" "$c")
			[ "$left" = 0 ] && break
			sleep 0.5
		done
		[ "$left" = 0 ] || violation "$kind 'sleep $pat' in $n still runs after its owner died (kill -9 of berthd)"
	done
	PROCS_PENDING=("${keep[@]}")
	SURVIVED=$((SURVIVED + 1))
	echo "trial $T: $OP $NAME killed at ${delay_ms} ms, acked=$acked -> ${EXPECT[$NAME]:-absent}"
done
secs=$(( $(date +%s) - t0 ))
echo "kill9-suite: seed $SEED: $TRIALS trials in ${secs}s, $SURVIVED faults survived (berthd restarted, invariants checked), $VIOLATIONS violations"
[ "$VIOLATIONS" = 0 ] || { sort "$WORK/violations" | uniq -c | sort -rn | head -20 >&2; fail "$VIOLATIONS violations (seed $SEED)"; }
