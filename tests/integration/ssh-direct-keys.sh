# ssh-direct-keys: direct-mode workspaces follow the key store at once and
# never run the user as root. With the stock ssh client: a key added after
# create opens the workspace, a revoked key (DELETE /v1/ssh-keys/ID) is
# refused within a few seconds (the delay is printed), also after a stop
# and start; sessions, exec and sshd itself run as uid 1000 with no
# capabilities; the keys file cannot be changed by the user.
. "$(dirname "$0")/inside-lib/lib.sh"
PMIN=$(( $(free_port) / 10 * 10 ))
berthd_start --direct-port-min "$PMIN" --direct-port-max $((PMIN + 50))
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10
	-o IdentitiesOnly=yes)

for k in k1 k2 other; do
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/$k" -C "$k"
done
KB=$(mkuser bob)
expect 201 POST /v1/ssh-keys "{\"name\":\"k1\",\"public_key\":\"$(cat "$WORK/k1.pub")\"}" "$KB"
k1id=$(jget "$BODY" .id)
expect 201 POST /v1/workspaces '{"name":"d1","ssh":"direct","wait":true}' "$KB"
ID=$(jget "$BODY" .id)
port=$(jget "$BODY" .ssh.port)
C=$(ws_cid "$ID" "$KB")

sshw() { # KEY CMD...
	local k=$1
	shift
	ssh "${SSHO[@]}" -i "$WORK/$k" -p "$port" dev@127.0.0.1 "$@"
}
wait_for sshw k1 true || fail "login with k1 failed"
ok "registered key opens the workspace"

# Nobody in the workspace is root or holds a capability: the session,
# sshd and every other process (docker's own view, independent of berthd).
out=$(sshw k1 'id -u; awk "/^CapEff/ {print \$2}" /proc/self/status')
assert_eq "$out" "$(printf '1000\n0000000000000000')" "ssh session uid and CapEff"
xrun "$ID" "$KB" '{"command":"id -u; awk \"/^CapEff/ {print \\$2}\" /proc/self/status"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" "$(printf '1000\n0000000000000000\n')" "exec uid and CapEff"
uids=$(dexec "$C" 'for f in /proc/[0-9]*/status; do awk "/^Uid:/ {print \$2}" $f; done 2>/dev/null | sort -u | tr "\n" " "')
[ "$(docker inspect -f '{{.State.Pid}}' "$C")" -gt 0 ] || fail "no container pid"
hostuids=$(for p in $(docker top "$C" -eo pid | tail -n +2); do
	awk '/^Uid:/ {print $2}' "/proc/$p/status"; done | sort -u | tr '\n' ' ')
assert_eq "$hostuids" "1000 " "uids of the container's processes (host view)"
caps=$(docker inspect -f '{{.HostConfig.CapAdd}}' "$C")
[[ $caps == '[]' || $caps == '<no value>' ]] || fail "capabilities added: $caps"
sshw k1 'pgrep -u 1000 -x sshd >/dev/null' || fail "sshd does not run as dev"
sshw k1 'echo x >>/etc/berth/authorized_keys' 2>/dev/null &&
	fail "the user could change the keys file"
ok "session, exec and sshd run as uid 1000, CapEff 0 (container: $uids)"

# A key added now works at once.
expect 201 POST /v1/ssh-keys "{\"name\":\"k2\",\"public_key\":\"$(cat "$WORK/k2.pub")\"}" "$KB"
t0=$(date +%s%N)
wait_for sshw k2 true || fail "added key k2 refused"
ok "added key works after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
sshw other true 2>/dev/null && fail "an unregistered key got in"

# A revoked key is refused within a few seconds.
expect 204 DELETE "/v1/ssh-keys/$k1id" "" "$KB"
t0=$(date +%s%N)
refused=0
for _ in $(seq 50); do
	if ! sshw k1 'echo STILL-IN' 2>/dev/null | grep -q STILL-IN; then
		refused=1
		break
	fi
	sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$refused" = 1 ] || fail "revoked key still logs in after $ms ms"
[ "$ms" -lt 3000 ] || fail "revoked key refused only after $ms ms"
sshw k2 true || fail "the remaining key stopped working"
ok "revoked key refused after $ms ms; the other key still works"

# Keys changed while stopped are right after the start.
expect 200 POST "/v1/workspaces/$ID/stop" "" "$KB"
expect 201 POST /v1/ssh-keys "{\"name\":\"k1b\",\"public_key\":\"$(cat "$WORK/k1.pub")\"}" "$KB"
k1b=$(jget "$BODY" .id)
expect 204 DELETE "/v1/ssh-keys/k2" "" "$KB"
expect 200 POST "/v1/workspaces/$ID/start" "" "$KB"
wait_for sshw k1 true || fail "key added while stopped refused"
sshw k2 true 2>/dev/null && fail "key revoked while stopped still works"
ok "changes while stopped hold after the start"

# An admin revoking bob's key by id reaches bob's workspace too.
expect 204 DELETE "/v1/ssh-keys/$k1b" "" "$ADMIN_KEY"
sshw k1 true 2>/dev/null && fail "key revoked by an admin still works"
ok "admin revocation reaches the workspace at once"
