# term-protocol: the browser terminal's WebSocket endpoint with a plain
# WebSocket client (npm ws): ttyd's protocol with auth first and with the
# token in the URL, resize (stty size follows), pause/resume, the exit
# status on close, bad and reused tokens (1008), Origin, another user,
# named sessions (reattach with replay, two viewers, listed, ended after
# terminal_idle with nobody attached), a stopped
# workspace (409); then `berth ssh` under a pty: typing `echo hi; exit 3`
# exits 3 and leaves the terminal as it was.
. "$(dirname "$0")/lib.sh"
T=$SRC_DIR/tests/integration/term
if [ ! -d "$T/node_modules/ws" ]; then
	(cd "$T" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (ws) in $T"
fi
berthd_start --terminal-idle 4s
cd "$WORK"
KEY=$(mkuser tom)
KEY2=$(mkuser ann)
expect 201 POST /v1/workspaces '{"name":"t1","wait":true}' "$KEY"
WS=$(jget "$BODY" .id)
expect 201 POST /v1/workspaces '{"name":"t2","wait":true}' "$KEY2"
WS2=$(jget "$BODY" .id)
export URL KEY KEY2 WS WS2

for s in ${SCENARIOS:-authfirst urltoken badtoken crossuser origin reattach}; do
	node "$T/proto.js" "$s" || fail "scenario $s"
done

# A flood of output (base64 of 200 MiB of zeros): the socket is never
# dropped, every byte arrives, and berthd's memory stays bounded (the
# process is not read while the socket can't keep up).
rss() { awk '/^VmRSS/ {print $2}' "/proc/$BERTHD_PID/status"; }
rss0=$(rss)
(peak=0; while kill -0 "$BERTHD_PID" 2>/dev/null; do
	r=$(rss); [ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" >rss.peak
	sleep 0.2; done) &
sampler=$!
FLOOD_MB=${FLOOD_MB:-200} node "$T/proto.js" flood || fail "flood"
kill "$sampler" 2>/dev/null || true
peak=$(cat rss.peak)
[ $((peak - rss0)) -lt 65536 ] ||
	fail "berthd RSS grew by $(((peak - rss0) / 1024)) MiB during the flood"
ok "flood: berthd RSS $((rss0 / 1024)) -> peak $((peak / 1024)) MiB"

# berth ssh: a real pty around the CLI; the exit status is the shell's,
# and the terminal's settings are back afterwards.
BERTH_API_KEY=$KEY BERTH_CONFIG=$WORK/none.json python3 - "$BERTH" t1 <<'PY' || fail "berth ssh under a pty"
import os, pty, sys, time, select
berth, ws = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/sh", ["sh", "-c", 'stty -g >tty.before; "$0" ssh "$1"; '
        'rc=$?; stty -g >tty.after; exit $rc', berth, ws])
out = b""
def read_until(pat, secs):
    global out
    end = time.time() + secs
    while time.time() < end and pat not in out:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return pat in out
time.sleep(1)
os.write(fd, b"echo h''i; exit 3\r")
ok = read_until(b"\rhi\r\n", 20)
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
if not ok or code != 3:
    print("output %r, exit %s" % (out[-400:], code), file=sys.stderr)
    sys.exit(1)
if open("tty.before").read() != open("tty.after").read():
    print("terminal settings not restored", file=sys.stderr)
    sys.exit(1)
PY
ok "berth ssh: typed 'echo hi; exit 3' -> hi, exit 3, terminal restored"

# A named session with nobody attached ends after terminal_idle (4 s).
node "$T/proto.js" detach || fail "scenario detach"
api GET "/v1/workspaces/$WS" '' "$KEY" >ws.json
[ "$(jq '[.terminal_sessions[] | select(.name == "s9")] | length' ws.json)" = 1 ] ||
	fail "detached session s9 not listed: $(jq -c .terminal_sessions ws.json)"
sleep 6
api GET "/v1/workspaces/$WS" '' "$KEY" >ws.json
[ "$(jq '[.terminal_sessions[] | select(.name == "s9")] | length' ws.json)" = 0 ] ||
	fail "session s9 outlived terminal_idle: $(jq -c .terminal_sessions ws.json)"
ok "a detached named session ends after terminal_idle (4 s)"

# Under 5 minutes of TTL left: the warning shows in the terminal.
expect 200 PATCH "/v1/workspaces/$WS" '{"ttl":"4m30s"}' "$KEY"
node "$T/proto.js" ttlwarn || fail "scenario ttlwarn"

# A stopped workspace: a clear 409, not a hang.
expect 200 POST "/v1/workspaces/$WS2/stop" '' "$KEY2"
expect 409 POST "/v1/workspaces/$WS2/terminal" '' "$KEY2"
ok "stopped workspace: 409 ($(jget "$BODY" .error.message))"
