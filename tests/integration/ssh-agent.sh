#!/usr/bin/env bash
# ssh-agent: "ssh -A" through the gateway with the stock OpenSSH client and
# ssh-agent. Inside the workspace SSH_AUTH_SOCK names a socket of the
# workspace user (mode 0600, in a directory of its own, mode 0700) whose
# connections reach the client's agent: `ssh-add -l` lists the key and
# `ssh-add -T` signs with it, with and without a pty, several at once.
# Without -A SSH_AUTH_SOCK is unset; after the connection the socket and
# its directory are gone.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
eval "$(ssh-agent -s)" >/dev/null
trap 'rc=$?; set +e; ssh-agent -k >/dev/null 2>&1; (exit $rc); cleanup' EXIT
AK=$T_TMP/id_agent
mkkey "$AK"
ssh-add -q "$AK" 2>/dev/null || fail "ssh-add"
fp=$(ssh-keygen -lf "$AK.pub" | awk '{print $2}')
gssh "$IDA" "$WSA" "cat >/tmp/agent.pub" <"$AK.pub" || fail "copy pub key"

out=$(gssh "$IDA" "$WSA" -A 'echo "sock=$SSH_AUTH_SOCK";
    stat -c "%a %U %F" "$SSH_AUTH_SOCK" "${SSH_AUTH_SOCK%/*}"; ssh-add -l') ||
	fail "ssh -A: $out"
echo "$out" | sed 's/^/# /'
sock=$(echo "$out" | sed -n 's/^sock=//p')
[ -n "$sock" ] || fail "SSH_AUTH_SOCK unset with -A"
echo "$out" | grep -qx '600 dev socket' || fail "socket not 0600 dev's"
echo "$out" | grep -qx '700 dev directory' || fail "directory not 0700 dev's"
echo "$out" | grep -qF "$fp" || fail "ssh-add -l did not list the key"
ok "ssh -A: ssh-add -l lists the client's key through $sock"

out=$(gssh "$IDA" "$WSA" -A 'ssh-add -T /tmp/agent.pub && echo signed') ||
	fail "ssh-add -T: $out"
echo "$out" | grep -qx signed || fail "no signature: $out"
out=$(gssh "$IDA" "$WSA" -A -tt 'ssh-add -l; exit 0' </dev/null) ||
	fail "ssh -A -tt: $out"
echo "$out" | grep -qF "$fp" || fail "ssh -A -tt: key not listed: $out"
out=$(gssh "$IDA" "$WSA" -A 'for i in 1 2 3 4 5 6; do
    ssh-add -l >/tmp/a.$i 2>&1 & done; wait; cat /tmp/a.[1-6]') ||
	fail "parallel ssh-add: $out"
[ "$(echo "$out" | grep -cF "$fp")" = 6 ] ||
	fail "parallel ssh-add: $out"
ok "ssh-add -T signs, with a pty too, six at once"

out=$(gssh "$IDA" "$WSA" 'echo "sock=[$SSH_AUTH_SOCK]"')
[ "$out" = "sock=[]" ] || fail "without -A: $out"
ok "without -A SSH_AUTH_SOCK is unset"

# The socket goes with the connection.
for _ in $(seq 50); do
	left=$(gssh "$IDA" "$WSA" "ls -d ${sock%/*} 2>/dev/null | wc -l")
	[ "$left" = 0 ] && break
	sleep 0.2
done
[ "$left" = 0 ] || fail "agent socket directory ${sock%/*} left behind"
ok "the agent socket is removed with its connection"
