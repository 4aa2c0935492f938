# tasks-many: 100 tasks across 10 workspaces run at once: started in
# parallel, all seen running together, each ends with its own output and
# exit code, and nothing of them is left in any container.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
WS=()
for w in $(seq 0 9); do
	b=$(api POST /v1/workspaces "{\"name\":\"tm$w\"}" "$K")
	[ "$(last_status)" = 201 ] || fail "create tm$w: $b"
	WS+=("$(jget "$b" .id)")
done
running_ws() { [ "$(jget "$(api GET "/v1/workspaces/$1" "" "$K")" .state)" = running ]; }
for id in "${WS[@]}"; do
	wait_for running_ws "$id" || wait_for running_ws "$id" || fail "workspace $id not running"
done
mkdir -p "$WORK/st"
PIDS=()
# 10 tasks per workspace, all requests in flight at once.
for w in $(seq 0 9); do
	for i in $(seq 0 9); do
		curl -sS -o "$WORK/st/$w-$i" -w '%{http_code}' \
			-H "Authorization: Bearer $K" -H 'Content-Type: application/json' \
			-d "{\"command\":\"sleep 8; echo out-$w-$i; exit $i\",\"name\":\"t$i\"}" \
			"$URL/v1/workspaces/${WS[$w]}/tasks" >"$WORK/st/$w-$i.code" &
		PIDS+=($!)
	done
done
wait "${PIDS[@]}"
for f in "$WORK"/st/*.code; do
	[ "$(cat "$f")" = 201 ] || fail "start ${f##*/}: $(cat "$f") $(cat "${f%.code}")"
done
running=0
for w in $(seq 0 9); do
	n=$(api GET "/v1/workspaces/${WS[$w]}/tasks" "" "$K" | jq '[.[] | select(.state == "running")] | length')
	running=$((running + n))
done
assert_eq "$running" 100 "tasks running together"
ok "100 tasks started across 10 workspaces, all running at once"
all_done() {
	local w n
	for w in $(seq 0 9); do
		n=$(api GET "/v1/workspaces/${WS[$w]}/tasks" "" "$K" | jq '[.[] | select(.state == "exited")] | length')
		[ "$n" = 10 ] || return 1
	done
}
for _ in $(seq 60); do all_done && break; sleep 1; done
all_done || fail "not all tasks ended"
for w in $(seq 0 9); do
	l=$(api GET "/v1/workspaces/${WS[$w]}/tasks" "" "$K")
	for i in $(seq 0 9); do
		t=$(jq -c ".[] | select(.name == \"t$i\")" <<<"$l")
		assert_eq "$(jget "$t" .exit_code)" "$i" "exit code of $w/$i"
		out=$(curl -sS -H "Authorization: Bearer $K" "$URL/v1/workspaces/${WS[$w]}/tasks/$(jget "$t" .id)/output")
		assert_eq "$out" "out-$w-$i" "output of $w/$i"
	done
	top=$(docker top "berth-${WS[$w]}" -eo pid,args) || fail "docker top"
	left=$(grep -c "sleep 8" <<<"$top" || true)
	assert_eq "$left" 0 "processes left in workspace $w"
done
ok "each of the 100 ended with its own output and exit code; nothing left running"
