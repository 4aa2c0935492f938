# ssh-direct: Sandman's direct mode. POST /sessions makes a direct-SSH
# workspace with a fresh key pair whose private half comes back once; the
# stock ssh client logs in with it on the allocated port; a user's
# registered key works for ssh:"direct" workspaces; ports are unique under
# 30 concurrent creates, persistent, and freed on delete.
. "$(dirname "$0")/lib.sh"
PMIN=$(( $(free_port) / 10 * 10 ))
berthd_start --direct-port-min "$PMIN" --direct-port-max $((PMIN + 200)) \
	--quota-workspaces 100
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10)

expect 201 POST /sessions '{"user_id":"alice","ttl_minutes":30}'
sid=$(jget "$BODY" .session_id)
port=$(jget "$BODY" .ssh_port)
jget "$BODY" .ssh_private_key >"$WORK/key"
chmod 600 "$WORK/key"
grep -q "BEGIN OPENSSH PRIVATE KEY" "$WORK/key" || fail "no private key"
assert_eq "$(jget "$BODY" .ssh_user)" dev "ssh_user"
[ "$port" -ge "$PMIN" ] && [ "$port" -le $((PMIN + 200)) ] || fail "port $port out of range"
[ "$(jget "$BODY" .expires_at)" != null ] || fail "no expires_at"
ok "session created on port $port"

# sshd inside needs a moment after the container starts.
wait_for ssh "${SSHO[@]}" -i "$WORK/key" -p "$port" dev@127.0.0.1 true ||
	fail "ssh with the returned key failed"
out=$(ssh "${SSHO[@]}" -i "$WORK/key" -p "$port" dev@127.0.0.1 'echo hi; id -u')
assert_eq "$out" "$(printf 'hi\n1000')" "remote command output"
set +e
ssh "${SSHO[@]}" -i "$WORK/key" -p "$port" dev@127.0.0.1 'exit 3'
rc=$?
set -e
assert_eq "$rc" 3 "exit status through direct ssh"
ok "ssh with the returned private key runs commands"

# The private key is shown once and never stored.
expect 200 GET "/sessions/$sid"
assert_eq "$(jget "$BODY" .ssh_private_key)" null "private key in GET"
! grep -q "$(sed -n 2p "$WORK/key")" "$STATE/berth.db" "$WORK/berthd.log" || fail "private key stored or logged"
expect 200 GET /sessions
assert_eq "$(jget "$BODY" length)" 1 "session list"
alice=$(api POST /v1/users/alice/api-keys '{}' | jq -r .key)
expect 403 GET /sessions "" "$alice"
ok "key not stored; sessions are admin-only"

# A user's registered key for an ssh:"direct" workspace.
ssh-keygen -q -t ed25519 -N '' -f "$WORK/bob" -C bob
bob=$(mkuser bob)
expect 201 POST /v1/ssh-keys "{\"name\":\"laptop\",\"public_key\":\"$(cat "$WORK/bob.pub")\"}" "$bob"
expect 201 POST /v1/workspaces '{"name":"d1","ssh":"direct","wait":true}' "$bob"
bport=$(jget "$BODY" .ssh.port)
assert_eq "$(jget "$BODY" .ssh.mode)" direct "ssh mode"
[ "$bport" != "$port" ] || fail "port handed out twice"
wait_for ssh "${SSHO[@]}" -i "$WORK/bob" -p "$bport" dev@127.0.0.1 true ||
	fail "ssh with the registered key failed"
ssh "${SSHO[@]}" -i "$WORK/key" -p "$bport" dev@127.0.0.1 true 2>/dev/null &&
	fail "alice's session key opened bob's workspace"
ok "registered key works; another key is refused"

# 30 concurrent creates: every port distinct and in the store once.
pids=()
for i in $(seq 30); do
	api POST /v1/workspaces "{\"name\":\"c$i\",\"ssh\":\"direct\"}" "$bob" >"$WORK/c$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 30); do jq -r .ssh.port "$WORK/c$i"; done | sort >"$WORK/ports"
assert_eq "$(grep -c '^[0-9]' "$WORK/ports")" 30 "30 creates answered with ports"
assert_eq "$(sort -u "$WORK/ports" | wc -l)" 30 "ports unique"
grep -qx "$port" "$WORK/ports" && fail "a live session's port reused"
assert_eq "$(sqlite3 "$STATE/berth.db" 'SELECT COUNT(DISTINCT port) FROM direct_ports')" 32 "ports in store"
ok "30 concurrent creates, 30 distinct ports"

expect 200 DELETE "/sessions/$sid"
assert_eq "$(sqlite3 "$STATE/berth.db" "SELECT COUNT(*) FROM direct_ports WHERE port=$port")" 0 "port freed"
ok "delete frees the port"
