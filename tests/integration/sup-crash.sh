# sup-crash: an exec outlives a kill -9 of berthd, as docs/exec.md says:
# the supervisor owns it; it keeps running while berthd is down and after
# it comes back, the exec's timeout is still enforced (by the supervisor,
# 2 s after berthd's own deadline), the tree goes with it, and the
# restarted berthd reaches the same supervisor for new execs.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new sc1 "$K")
C=$(jget "$(api GET "/v1/workspaces/$ID" "" "$K")" .container_id)
running() { docker top "$C" -eo pid,args | grep -cE "^[0-9]+ +sleep 30[12]" || true; }
both_running() { [ "$(running)" = 2 ]; }

# A streaming exec with a 6 s timeout whose child forks a grandchild.
curl -sS -N -o "$WORK/stream.out" -H "Authorization: Bearer $K" \
	-H 'Accept: application/x-ndjson' -H 'Content-Type: application/json' \
	-d '{"command":"sleep 302 & sleep 301","timeout":6}' \
	"$URL/v1/workspaces/$ID/exec" &
CURL=$!
wait_for both_running || fail "exec did not start: $(docker top "$C" -eo pid,args)"
t0=$(date +%s)
berthd_kill9
wait "$CURL" 2>/dev/null || true
sleep 1
assert_eq "$(running)" 2 "the exec runs on while berthd is down"
berthd_start
assert_eq "$(running)" 2 "and after berthd is back"
assert_eq "$(jget "$(api GET "/v1/workspaces/$ID" "" "$K")" .runner)" sup "runner after restart"
xrun "$ID" "$K" '{"argv":["echo","reached"]}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" reached "a new exec through the same supervisor"
# The timeout (6 s + the 2 s backstop) kills the whole tree.
for _ in $(seq 100); do
	[ "$(running)" = 0 ] && break
	sleep 0.2
done
assert_eq "$(running)" 0 "the timeout was enforced after the crash"
el=$(( $(date +%s) - t0 ))
[ "$el" -le 14 ] || fail "killed only after ${el}s"
ok "an exec outlives kill -9 of berthd and its timeout still holds (gone after ${el}s); berthd reconnects"
