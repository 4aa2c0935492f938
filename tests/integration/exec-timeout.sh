# exec-timeout: a command that runs past its timeout is killed with its
# whole process tree (children, a background job, a setsid'd daemon);
# the answer says timed_out, exit_code 137; ps in the container shows
# nothing of it left. Also in the streaming form.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new exto "$K")
C=$(ws_cid "$ID" "$K")

left() { # processes of the test still running in the container
	docker exec "$C" ps -eo args= | grep -c '[s]leep 99[0-9]' || true
}
none_left() { [ "$(left)" = 0 ]; }
one_left() { [ "$(left)" = 1 ]; }
t0=$(date +%s%N)
xrun "$ID" "$K" '{"command":"sleep 991 & (sleep 992 &) ; setsid sh -c \"sleep 993\" & echo started; sleep 994","timeout":2}'
t1=$(date +%s%N)
assert_eq "$(jq -r '"\(.exit_code) \(.timed_out)"' "$WORK/x.json")" "137 true" "exit_code/timed_out"
assert_eq "$(jq -r .stdout "$WORK/x.json")" started "output before the timeout kept"
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 1900 ] && [ "$ms" -lt 10000 ] || fail "answer after $ms ms for a 2 s timeout"
wait_for none_left || fail "processes left: $(docker exec "$C" ps -eo pid,args)"
ok "timeout 2 s: answered after $ms ms, 137/timed_out, the process tree is gone"

st=$(curl -sS -o "$WORK/s.ndjson" -w '%{http_code}' -H "Authorization: Bearer $K" \
	-H 'Content-Type: application/json' -d '{"command":"echo tick; sleep 995 & sleep 996","timeout":1}' \
	"$URL/v1/workspaces/$ID/exec?stream=1")
[ "$st" = 200 ] || fail "stream with timeout -> $st"
assert_eq "$(head -n 1 "$WORK/s.ndjson" | jq -c .)" '{"stream":"stdout","data":"tick\n"}' "first line"
assert_eq "$(tail -n 1 "$WORK/s.ndjson" | jq -c '{exit_code, timed_out}')" '{"exit_code":137,"timed_out":true}' "last line"
wait_for none_left || fail "processes left after the streamed exec"
ok "streaming form: output then {exit_code:137,timed_out:true}, nothing left"

# A client that leaves a streamed exec: the command is killed too.
curl -sS -N -H "Authorization: Bearer $K" -H 'Content-Type: application/json' -d '{"command":"sleep 997","timeout":600}' \
	"$URL/v1/workspaces/$ID/exec?stream=1" >/dev/null 2>&1 &
CURL=$!
wait_for one_left || fail "sleep 997 did not start"
kill "$CURL"; wait "$CURL" 2>/dev/null || true
wait_for none_left || fail "sleep 997 still runs after the client left"
ok "a streaming client that disconnects gets its command killed"
