#!/usr/bin/env bash
# ssh-forward: "ssh -L" through the gateway reaches a server listening on
# the workspace's loopback (busybox httpd here), several requests and a
# 2 MB body; forwards to any other host are refused.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
LP=$(free_port)

gssh "$IDA" "$WSA" 'mkdir -p /tmp/www && head -c 2000000 /dev/urandom >/tmp/www/big &&
    echo hello-from-ws >/tmp/www/index.html &&
    (busybox httpd -p 127.0.0.1:8123 -h /tmp/www &) ' || fail "start httpd"
want=$(gssh "$IDA" "$WSA" 'md5sum </tmp/www/big' | cut -d' ' -f1)

gssh "$IDA" "$WSA" -N -L "127.0.0.1:$LP:localhost:8123" \
    -o ExitOnForwardFailure=yes &
FWD=$!
trap 'rc=$?; set +e; kill $FWD 2>/dev/null; (exit $rc); cleanup' EXIT
wait_for curl -fsS "http://127.0.0.1:$LP/" || fail "forward never answered"
for i in 1 2 3; do
	out=$(curl -fsS "http://127.0.0.1:$LP/index.html") || fail "request $i"
	[ "$out" = hello-from-ws ] || fail "request $i: $out"
done
got=$(curl -fsS "http://127.0.0.1:$LP/big" | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "big body differs"

# Nothing but the workspace's own loopback.
LP2=$(free_port)
gssh "$IDA" "$WSA" -N -L "127.0.0.1:$LP2:172.17.0.1:80" &
FWD2=$!
trap 'rc=$?; set +e; kill $FWD $FWD2 2>/dev/null; (exit $rc); cleanup' EXIT
sleep 1
if curl -fsS -m 5 "http://127.0.0.1:$LP2/" >/dev/null 2>&1; then
	fail "forward to another host was allowed"
fi
echo ok
