#!/usr/bin/env bash
# idle-sup-direct: a direct-SSH workspace (the container's own sshd, which
# berthd never sees) in which someone types over the stock ssh client
# with a pty stays running past three idle timeouts, because its
# supervisor reports the tty input (activity.source "tty"); once the
# typing stops, with the SSH connection still open, it is stopped for
# idle, and the event shows the supervisor's report (one tty, its last
# input).
. "$(dirname "$0")/lib.sh"
PMIN=$(( $(free_port) / 10 * 10 ))
berthd_start --direct-port-min "$PMIN" --direct-port-max $((PMIN + 20))
SSHO=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10)
K=$(mkuser carol)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/key" -C carol
expect 201 POST /v1/ssh-keys "{\"name\":\"laptop\",\"public_key\":\"$(cat "$WORK/key.pub")\"}" "$K"
expect 201 POST /v1/workspaces '{"name":"d1","ssh":"direct","idle_timeout":600,"memory":"64m","cpus":0.2,"wait":true}' "$K"
port=$(jget "$BODY" .ssh.port)
wait_for ssh "${SSHO[@]}" -i "$WORK/key" -p "$port" dev@127.0.0.1 true ||
	fail "direct ssh failed"
st() { api GET /v1/workspaces/d1 "" "$K" | jq -r .state; }
SSHP=
trap 'rc=$?; set +e; rm -f "$WORK/hold"; [ -z "$SSHP" ] || kill "$SSHP" 2>/dev/null; (exit $rc); cleanup' EXIT

expect 200 PATCH /v1/workspaces/d1 '{"idle_timeout":12}' "$K"
expect 200 POST /v1/workspaces/d1/keepalive '' "$K"
T0=$(date +%s)
# A command typed every second for 40 s, then the connection stays open
# with nothing typed (until $WORK/hold goes: at the end).
touch "$WORK/hold"
(for _ in $(seq 40); do echo 'true'; sleep 1; done
	while [ -e "$WORK/hold" ]; do sleep 0.5; done) |
	ssh "${SSHO[@]}" -tt -i "$WORK/key" -p "$port" dev@127.0.0.1 >/dev/null 2>&1 &
SSHP=$!
while [ "$(date +%s)" -lt $((T0 + 38)) ]; do
	[ "$(st)" = running ] || fail "stopped while typing: $(api GET /v1/workspaces/d1/events "" "$K" | jq -r '.[-1].detail')"
	sleep 2
done
j=$(api GET /v1/workspaces/d1 "" "$K")
assert_eq "$(jget "$j" .activity.source)" tty "activity.source while typing"
kill -0 "$SSHP" 2>/dev/null || fail "the ssh session ended early"
ok "typing over direct SSH (unseen by berthd) keeps the workspace running past 3 idle timeouts"

for _ in $(seq 3); do
	wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $K' $URL/v1/workspaces/d1 | jq -r .state)\" = stopped ]" && break
done
assert_eq "$(st)" stopped "once the typing stopped"
el=$(( $(date +%s) - T0 ))
d=$(api GET /v1/workspaces/d1/events "" "$K" |
	jq -r '[.[] | select(.action == "workspace.stop")][-1].detail // ""')
for want in 'reason=idle' 'timeout=12s' 'ssh never (none open)' \
	'tty last 20' 'supervisor: process 0' 'tty 1 (last 20'; do
	grep -qF "$want" <<<"$d" || fail "the stop event lacks '$want': $d"
done
ok "with the connection open but nothing typed it stops (after ${el}s): $d"
