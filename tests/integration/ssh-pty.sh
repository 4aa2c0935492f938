#!/usr/bin/env bash
# ssh-pty: an interactive login through the gateway, driven by tmux: the
# welcome banner, a shell prompt with a tty, TERM passed, and "stty size"
# following a window resize.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

TM="tmux -L bssh$$ -f /dev/null"
tm_cleanup() {
	$TM kill-server 2>/dev/null || true
}
trap 'tm_cleanup; cleanup' EXIT

# shellcheck disable=SC2046
$TM new-session -d -s t -x 90 -y 25 \
    "TERM=xterm-256color ssh $(ssh_opts "$IDA") -tt -p $SSH_PORT $WSA@127.0.0.1; sleep 30"

# screen_has TEXT: waits up to 20 s for TEXT on the pane.
screen_has() {
	local i
	for i in $(seq 200); do
		if $TM capture-pane -p -t t | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	$TM capture-pane -p -t t >&2
	return 1
}

screen_has "berth workspace '$WSA'" || fail "no welcome banner"
screen_has '$' || fail "no prompt"
$TM send-keys -t t 'tty; echo "T=$TERM"' Enter
screen_has '/dev/pts/' || fail "no tty"
screen_has 'T=xterm-256color' || fail "TERM not passed"
$TM send-keys -t t 'stty size' Enter
screen_has '25 90' || screen_has '24 90' || fail "stty size before resize"
$TM resize-window -t t -x 120 -y 40
sleep 0.5
$TM send-keys -t t 'clear; stty size' Enter
screen_has '40 120' || screen_has '39 120' || fail "stty size after resize"
$TM send-keys -t t 'exit 7' Enter
screen_has 'logout' || true
echo ok
