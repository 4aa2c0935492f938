#!/usr/bin/env bash
# ssh-env: a session through the gateway gets the environment sshd gives
# one (USER, LOGNAME, HOME, SHELL, PATH, SSH_CONNECTION, SSH_CLIENT, and
# SSH_TTY on a pty only), and "~LOGIN" (the workspace name used as the
# login) expands to the workspace user's home, in exec and pty sessions.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

out=$(gssh "$IDA" "$WSA" 'echo "$USER|$LOGNAME|$HOME|$SHELL|${SSH_TTY-unset}"') ||
    fail "exec: $?"
me=$(gssh "$IDA" "$WSA" 'id -un; echo ~; getent passwd "$(id -un)" | cut -d: -f7')
u=$(sed -n 1p <<<"$me"); h=$(sed -n 2p <<<"$me"); sh=$(sed -n 3p <<<"$me")
[ -n "$u" ] && [ -n "$h" ] || fail "who: $me"
[ "$out" = "$u|$u|$h|${sh:-/bin/sh}|unset" ] ||
    fail "exec env: '$out' (want '$u|$u|$h|${sh:-/bin/sh}|unset')"

# SSH_CONNECTION: client address and port, then the gateway's; SSH_CLIENT:
# client address and port, the gateway's port. PATH is set.
out=$(gssh "$IDA" "$WSA" 'echo "$SSH_CONNECTION|$SSH_CLIENT|$PATH"')
IFS='|' read -r conn client path <<<"$out"
read -r cip cport sip sport <<<"$conn"
[ "$cip" = 127.0.0.1 ] && [ "$sip" = 127.0.0.1 ] && [ "$sport" = "$SSH_PORT" ] &&
    [[ $cport =~ ^[0-9]+$ ]] || fail "SSH_CONNECTION: '$conn'"
[ "$client" = "127.0.0.1 $cport $SSH_PORT" ] || fail "SSH_CLIENT: '$client'"
[[ $path == */bin* ]] || fail "PATH: '$path'"
ok "exec session: USER LOGNAME HOME SHELL PATH SSH_CONNECTION SSH_CLIENT, no SSH_TTY"

# On a pty, SSH_TTY is the session's tty.
out=$(gssh "$IDA" "$WSA" -tt 'echo "T=$SSH_TTY|$(tty)|$USER"' </dev/null)
out=${out//$'\r'/}
[[ $out =~ T=(/dev/pts/[0-9]+)\|(/dev/pts/[0-9]+)\|$u ]] &&
    [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || fail "pty env: '$out'"
ok "pty session: SSH_TTY is its tty"

# ~LOGIN is the user's home (the login is the workspace name).
out=$(gssh "$IDA" "$WSA" "echo ~$WSA; cd ~$WSA && pwd")
[ "$out" = "$h
$h" ] || fail "~$WSA: '$out' (want $h)"
ok "~$WSA expands to $h"

# Ansible (Debian's ansible-core), whose default remote tmp is
# ~LOGIN/.ansible/tmp: the script module sends a file there and runs it;
# the copy module runs Python there. Its stdin is /dev/null: Ansible
# refuses a non-blocking stdin, which a parallel ctest run may leave it.
command -v ansible >/dev/null || fail "ansible is not installed (scripts/deps.sh: ansible-core)"
if :; then
	printf '#!/bin/sh\necho "from-script $(id -un)"\n' >"$T_TMP/s.sh"
	# shellcheck disable=SC2046
	out=$(ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_LOCAL_TEMP="$T_TMP/ansible-local" \
	    ansible all -i "127.0.0.1," -u "$WSA" \
	    -e "ansible_port=$SSH_PORT" --private-key "$IDA" \
	    --ssh-extra-args="-o UserKnownHostsFile=$T_TMP/known_hosts -o IdentitiesOnly=yes" \
	    -m script -a "$T_TMP/s.sh" </dev/null 2>&1) ||
	    fail "ansible script: $out"
	grep -q "from-script $u" <<<"$out" || fail "ansible script output: $out"
	gssh "$IDA" "$WSA" "test -d $h/.ansible/tmp && ! test -e \"\$HOME/~$WSA\"" ||
	    fail "ansible's remote tmp is not under $h"
	ok "ansible script module with the default remote tmp"
	# A Python module (the default image has python3): ping, and copy
	# (a file sent through the remote tmp).
	echo ansible-copied >"$T_TMP/c.txt"
	out=$(ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 \
	    ANSIBLE_LOCAL_TEMP="$T_TMP/ansible-local" \
	    ANSIBLE_PYTHON_INTERPRETER=auto_silent \
	    ansible all -i "127.0.0.1," -u "$WSA" \
	    -e "ansible_port=$SSH_PORT" --private-key "$IDA" \
	    --ssh-extra-args="-o UserKnownHostsFile=$T_TMP/known_hosts -o IdentitiesOnly=yes" \
	    -m copy -a "src=$T_TMP/c.txt dest=/tmp/c.txt" </dev/null 2>&1) ||
	    fail "ansible copy: $out"
	[ "$(gssh "$IDA" "$WSA" cat /tmp/c.txt)" = ansible-copied ] ||
	    fail "ansible copy: the file did not arrive: $out"
	ok "ansible copy module (python3 in the workspace)"
fi
echo ok
