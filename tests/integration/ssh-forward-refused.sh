#!/usr/bin/env bash
# ssh-forward-refused: a forward to a port nothing listens on in the
# workspace is refused as sshd refuses it (the channel open fails: ssh -W
# exits 255 with "open failed", nothing of a relay's error text reaches the
# stream), with ssh -W, -L, -D and paramiko's direct-tcpip; the same forms
# to a listening port still carry the bytes. X11 is refused, and so is
# -R onto a port already in use in the workspace (ssh-remote-forward.sh
# has -R working).
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

gssh "$IDA" "$WSA" 'mkdir -p /tmp/www && echo hello-from-ws >/tmp/www/index.html &&
    (busybox httpd -p 127.0.0.1:8123 -h /tmp/www &) ' || fail "start httpd"

# -W to a closed port: refused, exit 255, nothing on stdout.
set +e
printf x | gssh "$IDA" "$WSA" -W 127.0.0.1:8001 >"$T_TMP/w.out" 2>"$T_TMP/w.err"
rc=$?
set -e
[ "$rc" = 255 ] || fail "-W to a closed port exited $rc (want 255)"
[ ! -s "$T_TMP/w.out" ] || fail "-W to a closed port wrote: $(od -c "$T_TMP/w.out" | head -3)"
grep -qE "open failed|stdio forwarding failed" "$T_TMP/w.err" ||
    fail "-W: no 'open failed': $(cat "$T_TMP/w.err")"
ok "-W to a closed port refused (exit 255, open failed)"

# -W to the open port carries the bytes.
out=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' |
    gssh "$IDA" "$WSA" -W 127.0.0.1:8123 | tail -1) || fail "-W open: $?"
[ "$out" = hello-from-ws ] || fail "-W to the open port: '$out'"

# -L and -D: the channel is refused, the local client gets no data.
LP=$(free_port)
DP=$(free_port)
gssh "$IDA" "$WSA" -N -o ExitOnForwardFailure=yes \
    -L "127.0.0.1:$LP:127.0.0.1:8001" -D "127.0.0.1:$DP" 2>"$T_TMP/l.err" &
FWD=$!
trap 'rc=$?; set +e; kill $FWD 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for curl -fsS --socks5-hostname "127.0.0.1:$DP" http://127.0.0.1:8123/ ||
    fail "-D never answered"
set +e
out=$(curl -sS -m 10 "http://127.0.0.1:$LP/" 2>&1)
set -e
case $out in
*refused*|*"Connection reset"*|*"Empty reply"*|*"Recv failure"*) ;;
*) fail "-L to a closed port: curl said '$out'" ;;
esac
[[ $out != *"nc:"* && $out != *"can't connect"* ]] || fail "-L: relay text: $out"
set +e
out=$(curl -sS -m 10 --socks5-hostname "127.0.0.1:$DP" http://127.0.0.1:8001/ 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] || fail "-D to a closed port succeeded: $out"
[[ $out != *"nc:"* ]] || fail "-D: relay text: $out"
kill $FWD 2>/dev/null || true
ok "-L and -D to a closed port refused"

# paramiko: open_channel("direct-tcpip") raises ChannelException for the
# closed port and works for the open one.
/usr/bin/python3 - "$SSH_PORT" "$WSA" "$IDA" <<'PY' || fail "paramiko direct-tcpip"
import sys, paramiko
port, login, keyfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = paramiko.Ed25519Key.from_private_key_file(keyfile)
c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=port, username=login, pkey=key,
          allow_agent=False, look_for_keys=False, timeout=20)
t = c.get_transport()
try:
    ch = t.open_channel("direct-tcpip", ("127.0.0.1", 8001), ("127.0.0.1", 1),
                        timeout=20)
    print("closed port: channel opened, read %r" % ch.recv(200),
          file=sys.stderr)
    sys.exit(1)
except paramiko.ChannelException as e:
    pass
ch = t.open_channel("direct-tcpip", ("127.0.0.1", 8123), ("127.0.0.1", 1),
                    timeout=20)
ch.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
data = b""
while True:
    d = ch.recv(4096)
    if not d:
        break
    data += d
c.close()
if not data.rstrip().endswith(b"hello-from-ws"):
    print("open port: %r" % data, file=sys.stderr)
    sys.exit(1)
PY
ok "paramiko direct-tcpip: closed port refused, open port works"

# X11 (ssh -X with a DISPLAY) is refused with a message saying so; the
# command still runs. Remote forwarding (-R) onto a port in use there
# (httpd's) is refused: the client's ExitOnForwardFailure ends it.
set +e
out=$(DISPLAY=:99 gssh "$IDA" "$WSA" -X -o ForwardX11Trusted=yes 'echo ran' 2>"$T_TMP/x.err")
set -e
[ "$out" = ran ] || fail "ssh -X: the command did not run: '$out'"
grep -q "X11 forwarding is not available" "$T_TMP/x.err" ||
    fail "ssh -X: no message: $(cat "$T_TMP/x.err")"
set +e
gssh "$IDA" "$WSA" -N -o ExitOnForwardFailure=yes -R 127.0.0.1:8123:127.0.0.1:1 \
    2>"$T_TMP/r.err"
rc=$?
set -e
[ "$rc" = 255 ] || fail "-R exited $rc (want 255: refused)"
grep -q "remote port forwarding failed for listen port 8123" \
    "$T_TMP/r.err" || fail "-R: no message: $(cat "$T_TMP/r.err")"
ok "X11 refused with a message; -R onto a port in use refused"
echo ok
