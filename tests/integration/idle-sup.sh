#!/usr/bin/env bash
# idle-sup: berthd asks each workspace's supervisor (berth-sup) before an
# idle stop, so what runs there counts even when berthd holds none of it:
# after a kill -9 and restart of berthd, with a 12 s idle timeout that
# passed while berthd was down, an exec still running (kept by the
# supervisor), a running task and a tty that gets input (a pty inside the
# workspace that berthd never served, as a direct-SSH session's is) keep
# their workspaces running, each with its source in activity.source,
# while one with only a background process (`nohup sleep &`, which does
# not count) is stopped at once, its event giving the supervisor's report;
# once their activity ends the others stop too, with the reason.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
W='"idle_timeout":600,"memory":"64m","cpus":0.2'
for n in kept typed task quiet; do
	ws_new "$n" "$K" "$W" >/dev/null
done
st() { api GET "/v1/workspaces/$1" "" "$K" | jq -r .state; }
js() { api GET "/v1/workspaces/$1" "" "$K"; }
stop_event() {
	api GET "/v1/workspaces/$1/events" "" "$K" |
		jq -r '[.[] | select(.action == "workspace.stop")][-1].detail // ""'
}
CURL=
trap 'rc=$?; set +e; [ -z "$CURL" ] || kill "$CURL" 2>/dev/null; (exit $rc); cleanup' EXIT

# What each one runs, all ending about 70 s from now.
curl -sS -N -o /dev/null -H "Authorization: Bearer $K" \
	-H 'Accept: application/x-ndjson' -H 'Content-Type: application/json' \
	-d '{"argv":["sleep","70.1"],"timeout":120}' \
	"$URL/v1/workspaces/kept/exec" &
CURL=$!
# A pty berthd does not know of, typed into every second (script(1)
# copies its stdin to the pty, cat reads it there), left in the
# background: only its input counts.
xrun typed "$K" '{"command":"nohup sh -c '\''for i in $(seq 70); do echo x; sleep 1; done | script -qfc \"cat >/dev/null\" /dev/null'\'' >/dev/null 2>&1 &"}'
expect 201 POST /v1/workspaces/task/tasks '{"argv":["sleep","70.2"]}' "$K"
xrun quiet "$K" '{"command":"nohup sleep 1000 >/dev/null 2>&1 &"}'
C=$(ws_cid kept "$K")
wait_for sh -c "docker top $C -eo pid,args | grep -qE '^[0-9]+ +sleep 70.1'" ||
	fail "the exec did not start: $(docker top "$C" -eo pid,args)"
wait_for sh -c "docker exec $(ws_cid typed "$K") ls /dev/pts/0" ||
	fail "no pty in typed"
for n in kept typed task quiet; do
	expect 200 PATCH "/v1/workspaces/$n" '{"idle_timeout":12}' "$K"
	expect 200 POST "/v1/workspaces/$n/keepalive" '' "$K"
done
berthd_kill9
wait "$CURL" 2>/dev/null || true
CURL=
T0=$(date +%s)
# Down past the idle timeout: at its return every one has been quiet, as
# far as berthd's own signals go, for longer than 12 s.
sleep 14
berthd_start
wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $K' $URL/v1/workspaces/quiet | jq -r .state)\" = stopped ]" ||
	fail "quiet not stopped after the restart ($(st quiet))"
d=$(stop_event quiet)
for want in 'reason=idle' 'timeout=12s' 'supervisor: process 0' 'task 0' \
	'background 1 (newest 20' 'does not count)'; do
	grep -qF "$want" <<<"$d" || fail "quiet's stop event lacks '$want': $d"
done
ok "a workspace with only a background process is stopped after the restart: $d"

# Three timeouts' worth (and more) after berthd's return.
for _ in $(seq 16); do
	for n in kept typed task; do
		[ "$(st "$n")" = running ] || fail "$n stopped, though its supervisor reports use: $(stop_event "$n")"
	done
	sleep 2
done
assert_eq "$(jget "$(js kept)" .activity.source)" process "kept: activity.source"
assert_eq "$(jget "$(js typed)" .activity.source)" tty "typed: activity.source"
assert_eq "$(jget "$(js task)" .activity.source)" task "task: activity.source"
j=$(js typed)
la=$(jget "$j" .activity.last_at)
[ "$(date -d "$la" +%s)" -ge $((T0 + 14)) ] || fail "typed: last_at $la is before berthd's return"
ok "after kill -9 and restart of berthd (down $((T0 + 14 - T0)) s, idle timeout 12 s): a kept exec (process), a task and tty input (tty) keep their workspaces running"

# Their activity ends about 70 s after it began; each then stops.
for n in kept typed task; do
	for _ in $(seq 3); do
		wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $K' $URL/v1/workspaces/$n | jq -r .state)\" = stopped ]" && break
	done
	assert_eq "$(st "$n")" stopped "$n once its activity ended"
done
d=$(stop_event typed)
for want in 'reason=idle' 'tty last 20' 'supervisor: process 0' 'tty 0' \
	'task 0'; do
	grep -qF "$want" <<<"$d" || fail "typed's stop event lacks '$want': $d"
done
d=$(stop_event kept)
for want in 'reason=idle' 'process last 20' 'supervisor: process 0 (last 20'; do
	grep -qF "$want" <<<"$d" || fail "kept's stop event lacks '$want': $d"
done
ok "each stops once its activity ends, the event naming the supervisor's last moments: $d"
