#!/usr/bin/env bash
# ssh-remote-forward: "ssh -R" through the gateway with the stock OpenSSH
# client: the port listens on the workspace's loopback (as the workspace
# user), and curl and python3 inside reach a server on the client's side
# through it: several requests, parallel ones, a 2 MB body. -R 0 gets a
# port picked and told to the client; a ControlMaster's -O cancel closes
# the port (cancel-tcpip-forward); the port goes with the connection.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
WWW=$T_TMP/www
mkdir -p "$WWW"
echo hello-from-client >"$WWW/index.html"
head -c 2000000 /dev/urandom >"$WWW/big"
want=$(md5sum <"$WWW/big" | cut -d' ' -f1)
LP=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$LP" \
    >/dev/null 2>&1 &
HTTPD=$!
PIDS=$HTTPD
CM=$T_TMP/cm
trap 'rc=$?; set +e; kill $PIDS 2>/dev/null; [ -S "$CM" ] &&
    ssh -S "$CM" -O exit x 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for curl -fsS "http://127.0.0.1:$LP/" >/dev/null || fail "local httpd"

# listening RP: 1 when something listens on the workspace's 127.0.0.1:RP.
listening() {
	gssh "$IDA" "$WSA" "grep -qi ' 0100007F:$(printf %04X "$1") 00000000:0000 0A' /proc/net/tcp && echo 1 || echo 0"
}

RP=18080
# (ssh itself in the background, not gssh's subshell: killed below)
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA") -p "$SSH_PORT" "$WSA@127.0.0.1" -N \
    -o ExitOnForwardFailure=yes -R "$RP:127.0.0.1:$LP" 2>"$T_TMP/r.err" &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ "$(listening $RP)" = 1 ] && break; sleep 0.2; done
[ "$(listening $RP)" = 1 ] || fail "-R: nothing listens on $RP: $(cat "$T_TMP/r.err")"
out=$(gssh "$IDA" "$WSA" "for i in 1 2 3; do curl -fsS http://127.0.0.1:$RP/index.html; done") ||
	fail "curl through -R: $out"
[ "$(echo "$out" | grep -c hello-from-client)" = 3 ] || fail "curl: $out"
got=$(gssh "$IDA" "$WSA" "curl -fsS http://localhost:$RP/big | md5sum" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "2 MB body differs through -R"
out=$(gssh "$IDA" "$WSA" "python3 - $RP" <<'PY'
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
u = "http://127.0.0.1:%s/index.html" % sys.argv[1]
with ThreadPoolExecutor(8) as ex:
    rs = list(ex.map(lambda _: urllib.request.urlopen(u).read(), range(16)))
print(sum(r.strip() == b"hello-from-client" for r in rs))
PY
) || fail "python3 through -R: $out"
[ "$out" = 16 ] || fail "python3: $out of 16 requests answered"
owner=$(gssh "$IDA" "$WSA" "awk '\$2 ~ /:$(printf %04X $RP)\$/ && \$4 == \"0A\" {print \$8}' /proc/net/tcp")
[ "$owner" = 1000 ] || fail "the listener is uid '$owner', not the workspace user's"
ok "-R $RP: curl and python3 inside reach the client's server (16 in parallel, 2 MB)"

# -R 0: the gateway picks the port and says which.
: >"$T_TMP/r0.err"
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA" | sed 's/-o LogLevel=ERROR//') -o LogLevel=INFO \
    -p "$SSH_PORT" "$WSA@127.0.0.1" -N -R "0:127.0.0.1:$LP" \
    2>"$T_TMP/r0.err" &
PIDS="$PIDS $!"
for _ in $(seq 50); do
	dp=$(sed -n 's/^Allocated port \([0-9]*\) for remote forward.*/\1/p' "$T_TMP/r0.err")
	[ -n "$dp" ] && break
	sleep 0.2
done
[ -n "$dp" ] || fail "-R 0: no port allocated: $(cat "$T_TMP/r0.err")"
out=$(gssh "$IDA" "$WSA" "curl -fsS http://127.0.0.1:$dp/index.html") ||
	fail "-R 0 (port $dp): $out"
[ "$out" = hello-from-client ] || fail "-R 0: $out"
ok "-R 0: port $dp allocated and reachable"

# A ControlMaster adds and cancels a forward on a live connection.
gssh "$IDA" "$WSA" -M -S "$CM" -fN || fail "control master"
RP2=18081
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA") -S "$CM" -O forward -R "$RP2:127.0.0.1:$LP" \
    -p "$SSH_PORT" "$WSA@127.0.0.1" || fail "-O forward"
out=$(gssh "$IDA" "$WSA" "curl -fsS http://127.0.0.1:$RP2/index.html") ||
	fail "-O forward: $out"
[ "$out" = hello-from-client ] || fail "-O forward: $out"
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA") -S "$CM" -O cancel -R "$RP2:127.0.0.1:$LP" \
    -p "$SSH_PORT" "$WSA@127.0.0.1" 2>/dev/null || fail "-O cancel"
for _ in $(seq 50); do [ "$(listening $RP2)" = 0 ] && break; sleep 0.2; done
[ "$(listening $RP2)" = 0 ] || fail "port $RP2 still listens after cancel"
# shellcheck disable=SC2046
ssh $(ssh_opts "$IDA") -S "$CM" -O exit -p "$SSH_PORT" "$WSA@127.0.0.1" \
    2>/dev/null || true
ok "-O forward / -O cancel: the port comes and goes"

# The forward ends with its connection.
kill $PIDS 2>/dev/null || true
PIDS=$HTTPD
for _ in $(seq 50); do [ "$(listening $RP)" = 0 ] && break; sleep 0.2; done
[ "$(listening $RP)" = 0 ] || fail "port $RP still listens after the client left"
ok "the port closes with the connection"
