#!/usr/bin/env bash
# ssh-grace: LoginGraceTime: a client that connects and never
# authenticates (a silent TCP connection, and one that stops after the
# banner) is cut off after 30 s, while a normal login still works.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

python3 - "$SSH_PORT" >"$T_TMP/grace" <<'EOP' &
import socket, sys, time
port = int(sys.argv[1])
silent = socket.create_connection(("127.0.0.1", port))
banner = socket.create_connection(("127.0.0.1", port))
banner.sendall(b"SSH-2.0-slow\r\n")
t0 = time.time()
out = []
for name, s in (("silent", silent), ("banner", banner)):
    s.settimeout(60)
    try:
        while s.recv(4096):
            pass
    except Exception as e:
        out.append("%s error %s" % (name, e))
        continue
    out.append("%s %.0f" % (name, time.time() - t0))
print("\n".join(out))
EOP
PY=$!
sleep 2
gssh "$IDA" "$WSA" true || fail "a normal login failed meanwhile"
wait "$PY"
cat "$T_TMP/grace" >&2
for n in silent banner; do
	t=$(awk -v n="$n" '$1 == n { print $2 }' "$T_TMP/grace")
	[ -n "$t" ] && [ "$t" -ge 25 ] && [ "$t" -le 45 ] ||
	    fail "$n connection closed after '${t}' s, want ~30"
done
echo ok
