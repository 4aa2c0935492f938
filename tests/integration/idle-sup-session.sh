#!/usr/bin/env bash
# idle-sup-session: a named terminal session (docs/terminal.md) that
# nobody looks at does not keep its workspace from going idle, though its
# shell runs on in berth-sup: while berthd holds it, and after berthd is
# killed (-9) and comes back; each stop's event shows the session in the
# supervisor's report ("session 1"). (A viewer attached counts, as
# "terminal": idle-activity.sh.)
. "$(dirname "$0")/lib.sh"
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
berthd_start
KEY=$(mkuser sam)
W='"idle_timeout":600,"memory":"64m","cpus":0.2,"wait":true'
expect 201 POST /v1/workspaces "{\"name\":\"s1\",$W}" "$KEY"
S1=$(jget "$BODY" .id)
expect 201 POST /v1/workspaces "{\"name\":\"s2\",$W}" "$KEY"
S2=$(jget "$BODY" .id)
export URL KEY
st() { api GET "/v1/workspaces/$1" "" "$KEY" | jq -r .state; }
stop_event() {
	api GET "/v1/workspaces/$1/events" "" "$KEY" |
		jq -r '[.[] | select(.action == "workspace.stop")][-1].detail // ""'
}
# check_event NAME [WANT...]: the stop event says the session was there.
check_event() {
	local d n=$1
	shift
	d=$(stop_event "$n")
	for want in 'reason=idle' 'timeout=6s' 'supervisor: process 0' \
		'session 1,' 'background 0' "$@"; do
		grep -qF "$want" <<<"$d" || fail "$n's stop event lacks '$want': $d"
	done
	echo "$d"
}

# A session opened, typed in and left (restart.js before: the socket
# closes, the shell runs on); then a 6 s idle timeout.
left() {
	WS=$1 node "$T/restart.js" before idle-left >/dev/null ||
		fail "no session in $2"
	expect 200 PATCH "/v1/workspaces/$2" '{"idle_timeout":6}' "$KEY"
	expect 200 POST "/v1/workspaces/$2/keepalive" '' "$KEY"
}
stopped() {
	local i
	for i in 1 2; do
		wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $KEY' $URL/v1/workspaces/$1 | jq -r .state)\" = stopped ]" &&
			return 0
	done
	return 1
}

left "$S1" s1
stopped s1 || fail "s1 not stopped with its session left ($(st s1))"
d=$(check_event s1 'terminal last 20')
ok "a session left while berthd holds it does not keep its workspace: $d"

left "$S2" s2
berthd_kill9
sleep 8
berthd_start
stopped s2 || fail "s2 not stopped after the restart ($(st s2))"
d=$(check_event s2)
ok "nor after kill -9 of berthd, while berth-sup keeps the shell: $d"
