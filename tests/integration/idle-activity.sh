#!/usr/bin/env bash
# idle-activity: each kind of activity keeps a workspace with a 4 s idle
# timeout running for 3 times that long (an open SSH shell, an ssh -N -L
# tunnel with keepalives and no traffic, a terminal open in `berth ssh`
# with nothing typed, a long exec, file uploads, requests through the port
# proxy, POST keepalive), while a quiet one stops; the workspace JSON says
# what is open, the last source and when idle would stop it; `berth
# inspect` shows it; once the activity ends each stops, and the stop event
# says which signals were quiet and since when. (The issue's case: a tunnel
# with keepalives was stopped after 70 s with idle_timeout 1m.)
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
# Made with a long timeout; all get 4 s at once just before the activity.
W='"idle_timeout":600,"memory":"64m","cpus":0.2'
for n in shell tunnel term exec files proxy keep quiet; do
	mkws "$KA" "$n" "$W"
done
st() { api GET "/v1/workspaces/$1" "" "$KA" | jq -r .state; }
js() { api GET "/v1/workspaces/$1" "" "$KA"; }
PIDS=()
trap 'rc=$?; set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; (exit $rc); cleanup' EXIT

# Servers the proxy and the tunnel reach.
gssh "$IDA" proxy 'mkdir -p /tmp/www && echo up >/tmp/www/index.html &&
    (busybox httpd -p 8125 -h /tmp/www &)' || fail "httpd in proxy"
gssh "$IDA" tunnel 'mkdir -p /tmp/www && echo up >/tmp/www/index.html &&
    (busybox httpd -p 127.0.0.1:8126 -h /tmp/www &)' || fail "httpd in tunnel"
# The long-lived activities start first (a terminal takes a while to
# attach on a loaded machine), each for ~20 s; then every workspace gets
# its 4 s timeout, and the request-by-request ones run for 13 s.
gssh "$IDA" shell 'sleep 20' &
PIDS+=($!)
LP=$(free_port)
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA") -p "$SSH_PORT" -N -o ServerAliveInterval=1 \
	-L "127.0.0.1:$LP:localhost:8126" tunnel@127.0.0.1 &
TUN=$!
PIDS+=($TUN)
BERTH_API_KEY=$KA BERTH_CONFIG=$WORK/none.json python3 - "$BERTH" term 20 <<'PY' &
import os, pty, sys, time
berth, ws, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.execv(berth, [berth, "ssh", ws])
end = time.time() + secs
while time.time() < end:
    try:
        os.read(fd, 65536) if os.get_blocking(fd) is False else None
    except OSError:
        pass
    time.sleep(0.5)
os.write(fd, b"exit\r")
os.waitpid(pid, 0)
PY
PIDS+=($!)
api POST /v1/workspaces/exec/exec '{"argv":["sleep","20"],"timeout":60}' "$KA" >/dev/null &
PIDS+=($!)
sleep 2
for n in shell tunnel term exec files proxy keep quiet; do
	expect 200 PATCH "/v1/workspaces/$n" '{"idle_timeout":4}' "$KA"
	expect 200 POST "/v1/workspaces/$n/keepalive" '' "$KA"
done
T0=$(date +%s)
END=$((T0 + 13))
(while [ "$(date +%s)" -lt "$END" ]; do
	curl -sS -o /dev/null -X PUT -H "Authorization: Bearer $KA" \
		--data-binary x "$URL/v1/workspaces/files/files?path=/tmp/x"
	sleep 1
done) &
PIDS+=($!)
PXID=$(js proxy | jq -r .id)
(while [ "$(date +%s)" -lt "$END" ]; do
	curl -sS -o /dev/null -H "Authorization: Bearer $KA" "$URL/w/$PXID/ports/8125/"
	sleep 1
done) &
PIDS+=($!)
(while [ "$(date +%s)" -lt "$END" ]; do
	api POST /v1/workspaces/keep/keepalive '' "$KA" >/dev/null
	sleep 1
done) &
PIDS+=($!)

# Halfway: what the JSON says.
sleep 5
j=$(js tunnel)
jget "$j" '.activity.open | index("ssh")' | grep -qv null || fail "tunnel: ssh not open: $j"
assert_eq "$(jget "$j" .idle.quiet_since)" null "tunnel: quiet_since while open"
assert_eq "$(jget "$j" .idle.timeout)" 4 "idle.timeout"
curl -fsS "http://127.0.0.1:$LP/" >/dev/null || fail "tunnel carries no traffic"
j=$(js keep)
assert_eq "$(jget "$j" .activity.source)" keepalive "keep: source"
[ "$(jget "$j" .idle.stops_at)" != null ] || fail "keep: no stops_at: $j"
assert_eq "$(jget "$(js exec)" '.activity.open | join(",")')" exec "exec: open"
BERTH_API_KEY=$KA "$BERTH" inspect keep >"$WORK/inspect.txt" || fail "berth inspect"
grep -q 'Activity:.*keepalive' "$WORK/inspect.txt" || fail "inspect: $(cat "$WORK/inspect.txt")"
grep -q 'Idle stops:' "$WORK/inspect.txt" || fail "inspect lacks idle stop: $(cat "$WORK/inspect.txt")"
ok "the JSON and berth inspect say what is open, the last source, when idle stops it"

# Past three timeouts: every busy one runs, the quiet one stopped.
while [ "$(date +%s)" -lt "$((END - 1))" ]; do sleep 0.5; done
for n in shell tunnel term exec files proxy keep; do
	assert_eq "$(st "$n")" running "$n kept running by its activity"
done
assert_eq "$(st quiet)" stopped "the quiet one"
ok "ssh shell, ssh -N -L tunnel, terminal, exec, files, port proxy and keepalive each keep a workspace running past 3x its idle timeout"

# The last source each one saw, then each stops once left alone.
for n in shell:ssh tunnel:ssh term:terminal exec:exec files:files proxy:port-proxy keep:keepalive; do
	got=$(js "${n%%:*}" | jq -r .activity.source)
	assert_eq "$got" "${n#*:}" "${n%%:*}: activity.source"
done
kill "$TUN" 2>/dev/null || true
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
for n in shell tunnel term exec files proxy keep; do
	wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $KA' $URL/v1/workspaces/$n | jq -r .state)\" = stopped ]" ||
		fail "$n not stopped once its activity ended ($(st "$n"))"
done
ok "each stops once its activity ends"

d=$(api GET /v1/workspaces/tunnel/events "" "$KA" | jq -r '[.[] | select(.action == "workspace.stop")][-1].detail')
for want in 'reason=idle' 'quiet_since=20' 'timeout=4s' 'ssh last 20' 'terminal never' 'files never' 'gpu none,' 'keepalive last 20'; do
	grep -qF "$want" <<<"$d" || fail "tunnel's stop event lacks '$want': $d"
done
d=$(api GET /v1/workspaces/quiet/events "" "$KA" | jq -r '[.[] | select(.action == "workspace.stop")][-1].detail')
grep -qF 'exec never' <<<"$d" || fail "quiet's stop event: $d"
ok "the stop event names the quiet signals and since when: $d"
