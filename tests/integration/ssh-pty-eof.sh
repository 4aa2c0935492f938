#!/usr/bin/env bash
# ssh-pty-eof: a pty channel whose client sends EOF at once (ssh -tt with
# stdin at /dev/null, paramiko's get_pty + shutdown_write) keeps all of the
# command's output and its exit status, 10 runs out of 10, as with sshd:
# EOF on a pty's input does not end the session.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

good=0
for i in $(seq 10); do
	set +e
	out=$(gssh "$IDA" "$WSA" -tt 'seq 300|tail -1; exit 3' </dev/null)
	rc=$?
	set -e
	out=${out//$'\r'/}
	if [ "$out" = 300 ] && [ "$rc" = 3 ]; then
		good=$((good + 1))
	else
		note "run $i: rc=$rc out='$out'"
	fi
done
[ "$good" = 10 ] || fail "ssh -tt </dev/null: $good of 10 complete"

# paramiko (Debian's python3-paramiko, the system python3):
# exec_command(get_pty=True), then
# shutdown_write() before reading.
/usr/bin/python3 - "$SSH_PORT" "$WSA" "$IDA" <<'PY' || fail "paramiko pty+EOF"
import sys, paramiko
port, login, keyfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = paramiko.Ed25519Key.from_private_key_file(keyfile)
bad = 0
for i in range(10):
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username=login, pkey=key,
              allow_agent=False, look_for_keys=False, timeout=20)
    _, so, _ = c.exec_command("seq 300|tail -1; exit 3", get_pty=True,
                              timeout=30)
    so.channel.shutdown_write()
    out = so.read().decode().replace("\r", "").strip()
    rc = so.channel.recv_exit_status()
    c.close()
    if out != "300" or rc != 3:
        print("run %d: rc=%d out=%r" % (i, rc, out), file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
PY
echo ok
