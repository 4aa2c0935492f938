# acked-creates: a 201 is a promise. 8 parallel creates without wait, kill -9
# of berthd about 0.6 s in, restart on the same state: every create that
# answered 201 still exists, and is finished (running) rather than lost;
# no instance container is left without its record. ACK_ROUNDS (2) rounds.
. "$(dirname "$0")/lib.sh"
berthd_start
N=8
ROUNDS=${ACK_ROUNDS:-2}

berthd_restart() {
	"$BERTHD" --listen "127.0.0.1:$HTTP_PORT" --ssh-listen "127.0.0.1:$SSH_PORT" \
		--state-dir "$STATE" --network "${BERTH_TEST_NETWORK:-berth-test}" \
		>>"$WORK/berthd.out" 2>>"$WORK/berthd.log" &
	BERTHD_PID=$!
	for _ in $(seq 600); do
		curl -fsS "$URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$BERTHD_PID" 2>/dev/null || fail "berthd exited at restart"
		sleep 0.1
	done
	fail "berthd not healthy 60 s after restart"
}

for round in $(seq "$ROUNDS"); do
	for i in $(seq "$N"); do
		curl -sS -o "$WORK/r$round.$i" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer $ADMIN_KEY" \
			-H 'Content-Type: application/json' \
			--data-binary "{\"name\":\"a$round-$i\",\"memory\":\"64m\"}" \
			"$URL/v1/workspaces" >"$WORK/code$round.$i" 2>/dev/null &
	done
	sleep 0.6
	berthd_kill9
	wait || true
	acked=()
	for i in $(seq "$N"); do
		c=$(cat "$WORK/code$round.$i" 2>/dev/null || true)
		if [ "$c" = 201 ] && jq -e .id "$WORK/r$round.$i" >/dev/null 2>&1; then
			acked+=("$(jq -r .id "$WORK/r$round.$i")")
		fi
	done
	berthd_restart
	for id in "${acked[@]}"; do
		for _ in $(seq 300); do
			expect 200 GET "/v1/workspaces/$id"
			[ "$(jget "$BODY" .state)" = creating ] || break
			sleep 0.1
		done
		assert_eq "$(jget "$BODY" .state)" running \
			"acknowledged create $id after kill -9 ($(jget "$BODY" .error))"
		c=$(jget "$BODY" .container_id)
		assert_eq "$(docker inspect -f '{{.State.Running}}' "$c")" true "container of $id"
	done
	ok "round $round: ${#acked[@]} of $N creates answered 201 before kill -9; all finished after restart"
done

# The first reconcile pass after the last restart has removed leftovers.
sleep 2
expect 200 GET /v1/workspaces
jget "$BODY" '.[].container_id' | sort >"$WORK/cids"
for _ in $(seq 100); do
	docker ps -aq --no-trunc --filter "label=berth.instance=$INSTANCE" | sort >"$WORK/all"
	[ -z "$(comm -13 "$WORK/cids" "$WORK/all")" ] && break
	sleep 0.2
done
assert_eq "$(comm -13 "$WORK/cids" "$WORK/all" | wc -l)" 0 "containers without a record"
ok "no container without its record"
