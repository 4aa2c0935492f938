# stats-basic: GET /v1/workspaces/{id}/stats gives one sane sample: CPU
# under load above idle, memory used within the limit set at create,
# pids counted, network and block counters present, gpu null; other
# users get 404, a stopped workspace 409.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
KB=$(mkuser bob)
ID=$(ws_new stat1 "$K" '"memory":"512m"')
C=$(ws_cid "$ID" "$K")

expect 200 GET "/v1/workspaces/$ID/stats" "" "$K"
s=$BODY
for f in .cpu_percent .online_cpus .memory.used .memory.limit .memory.percent \
	.pids .net.rx .net.tx .block.read .block.write; do
	[ "$(jget "$s" "$f | type")" = number ] || fail "$f is not a number: $s"
done
[ "$(jget "$s" .gpu)" = null ] || fail "gpu is not null: $s"
assert_eq "$(jget "$s" .memory.limit)" 536870912 "memory limit"
[ "$(jget "$s" '.memory.used > 0 and .memory.used < .memory.limit')" = true ] || fail "memory used: $s"
[ "$(jget "$s" '.pids >= 1')" = true ] || fail "pids: $s"
ok "fields present; memory limit 512m; used within it; pids >= 1; gpu null"

# Busy processes: CPU goes up, pids with them.
docker exec -d "$C" sh -c 'for i in 1 2 3; do (while :; do :; done) & done; sleep 30'
sleep 1
expect 200 GET "/v1/workspaces/$ID/stats" "" "$K"
s=$BODY
[ "$(jget "$s" '.cpu_percent > 20')" = true ] || fail "cpu_percent under load: $s"
[ "$(jget "$s" '.pids >= 5')" = true ] || fail "pids under load: $s"
ok "busy loops: cpu_percent $(jget "$s" .cpu_percent | cut -c1-5), pids $(jget "$s" .pids)"
docker exec "$C" sh -c 'pkill -f "sleep 30"; kill $(ps -o pid= -o args= | awk "/sh -c for/ {print \$1}") 2>/dev/null; true' || true

expect 404 GET "/v1/workspaces/$ID/stats" "" "$KB"
expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
expect 409 GET "/v1/workspaces/$ID/stats" "" "$K"
ok "another user's -> 404, stopped -> 409"
