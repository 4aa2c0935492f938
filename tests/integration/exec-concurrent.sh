# exec-concurrent: 20 execs at once on one workspace, and 20 spread over
# two workspaces, each answering its own output and exit code.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
A=$(ws_new cca "$K")
B=$(ws_new ccb "$K")

run20() { # ID_FOR_i... : 20 parallel execs, checks each
	local i id pids=()
	for i in $(seq 1 20); do
		id=$1; [ $((i % 2)) = 0 ] && id=$2
		( xexec "$id" "$K" "{\"command\":\"head -c $((i * 1000)) /dev/zero | tr '\\\\0' x; echo; hostname; echo e$i >&2; exit $((i % 7))\"}" \
			"$WORK/c$i.json" >"$WORK/c$i.st" ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 20); do
		id=$1; [ $((i % 2)) = 0 ] && id=$2
		assert_eq "$(cat "$WORK/c$i.st")" 200 "status of exec $i"
		assert_eq "$(jq -r .exit_code "$WORK/c$i.json")" $((i % 7)) "exit code of exec $i"
		assert_eq "$(jq -r .stderr "$WORK/c$i.json")" "e$i" "stderr of exec $i"
		assert_eq "$(jq -r .stdout "$WORK/c$i.json" | head -n 1 | wc -c)" $((i * 1000 + 1)) "stdout size of exec $i"
		assert_eq "$(jq -r .stdout "$WORK/c$i.json" | sed -n 2p)" "$(docker inspect -f '{{.Config.Hostname}}' "$(ws_cid "$id" "$K")")" "host of exec $i"
	done
}
run20 "$A" "$A"
ok "20 concurrent execs on one workspace"
run20 "$A" "$B"
ok "20 concurrent execs across two workspaces"
