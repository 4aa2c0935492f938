# sandman: Sandman's clients' session shapes (leekib/sandman test.sh,
# integration-test.sh, scripts/test.sh, with URL and auth changed): a
# user_id with underscores is accepted and returned as given; a session
# has id (= session_id), container_ip (reachable on port 22), ssh_port and
# metadata.ssh_port, and /workspace mounted, writable and the working
# directory; /workspace outlives the session; a second session for one
# user is 409 (Sandman: 500); bad user_ids are 400. docs/sandman.md.
. "$(dirname "$0")/inside-lib/lib.sh"
PMIN=$(( $(free_port) / 10 * 10 ))
berthd_start --direct-port-min "$PMIN" --direct-port-max $((PMIN + 50))
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10
	-o IdentitiesOnly=yes)

expect 201 POST /sessions '{"user_id":"test_user_1","ttl_minutes":5}'
S=$BODY
sid=$(jget "$S" .session_id)
assert_eq "$(jget "$S" .id)" "$sid" "id"
assert_eq "$(jget "$S" .user_id)" test_user_1 "user_id kept"
port=$(jget "$S" .ssh_port)
assert_eq "$(jget "$S" .metadata.ssh_port)" "$port" "metadata.ssh_port"
assert_eq "$(jget "$S" .metadata.workspace)" /workspace "metadata.workspace"
assert_eq "$(jget "$S" .ttl_minutes)" 5 "ttl_minutes"
ip=$(jget "$S" .container_ip)
[[ $ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "container_ip '$ip'"
jget "$S" .ssh_private_key >"$WORK/key"
chmod 600 "$WORK/key"
ok "POST /sessions with user_id test_user_1: id, user_id, ssh_port, metadata.ssh_port, container_ip $ip"

# scripts/test.sh: the grep-based extraction and nc -z CONTAINER_IP 22.
SESSION_INFO=$(curl -s -H "Authorization: Bearer $ADMIN_KEY" "$URL/sessions/$sid")
CONTAINER_IP=$(echo $SESSION_INFO | grep -o '"container_ip":"[^"]*"' | cut -d'"' -f4)
assert_eq "$CONTAINER_IP" "$ip" "container_ip by grep"
wait_for bash -c "exec 3<>/dev/tcp/$CONTAINER_IP/22" || fail "port 22 at $CONTAINER_IP"
ok "GET /sessions/ID has container_ip; its port 22 answers"

# integration-test.sh's workspace checks, over ssh with the session key.
sshs() { ssh "${SSHO[@]}" -i "$WORK/key" -p "$port" dev@127.0.0.1 "$@"; }
wait_for sshs true || fail "ssh with the session key"
out=$(sshs "ls -la /workspace && echo workspace_ok")
grep -q workspace_ok <<<"$out" || fail "ls /workspace: $out"
out=$(sshs "echo 'test' > /workspace/test.txt && cat /workspace/test.txt && rm /workspace/test.txt && echo 'file_test_ok'")
grep -q file_test_ok <<<"$out" || fail "write in /workspace: $out"
sshs 'echo kept >/workspace/keep.txt'
xrun "$sid" "$ADMIN_KEY" '{"command":"pwd"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "/workspace" "working directory"
[ "$(docker inspect -f '{{.Config.WorkingDir}}' "$(jget "$S" .container_id)")" = /workspace ] ||
	fail "container working directory"
ok "/workspace mounted, writable by the session user, the working directory"

expect 200 GET /sessions
assert_eq "$(jget "$BODY" '.[0].id')" "$sid" "list .id"
assert_eq "$(jget "$BODY" '.[0].user_id')" test_user_1 "list .user_id"
ok "GET /sessions: .[].id and .[].user_id as Sandman's scripts read them"

expect 409 POST /sessions '{"user_id":"test_user_1"}'
jget "$BODY" .error >/dev/null
ok "a second session for test_user_1 -> 409: $(jget "$BODY" .error.message)"
expect 201 POST /sessions '{"user_id":"test-user-1"}'
[ "$(jget "$BODY" .id)" != "$sid" ] || fail "test-user-1 got test_user_1's session"
assert_eq "$(jget "$BODY" .user_id)" test-user-1 "plain name kept"
ok "test-user-1 and test_user_1 are different users"

for bad in '{"user_id":""}' '{"user_id":"a b"}' '{"user_id":"x/y"}' \
	"{\"user_id\":\"$(printf 'a%.0s' $(seq 65))\"}"; do
	expect 400 POST /sessions "$bad"
done
expect 404 GET /sessions/nonexistent-session-id
ok "bad user_ids 400, unknown session 404"

# /workspace outlives the session, as Sandman's per-user directory.
expect 200 DELETE "/sessions/$sid"
jget "$BODY" .message >/dev/null
expect 201 POST /sessions '{"user_id":"test_user_1"}'
sid2=$(jget "$BODY" .id)
assert_eq "$(jget "$BODY" .user_id)" test_user_1 "same user again"
xrun "$sid2" "$ADMIN_KEY" '{"command":"cat /workspace/keep.txt"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" kept "/workspace kept across sessions"
ok "/workspace kept across sessions of one user_id"

expect 200 DELETE /sessions
[ "$(jget "$BODY" .message)" != null ] || fail "DELETE /sessions message"
expect 200 GET /sessions
assert_eq "$BODY" "[]" "no sessions left"
ok "DELETE /sessions empties the list"
