#!/usr/bin/env bash
# ssh-auth: only a registered key gets in, and only to its owner's
# workspaces; everything else is "Permission denied (publickey)" with
# nothing revealed: an unknown key, another user's workspace, a workspace
# that does not exist, a password attempt. After MaxAuthTries (6) wrong
# keys even the right one is not tried.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
UB=sshu$$b
KB=$(mkuser "$UB")
IDB=$T_TMP/id_b
mkkey "$IDB"
addkey "$KB" "$IDB.pub" bkey
mkws "$KB" bws
mkkey "$T_TMP/id_stranger"

denied() {	# denied WHAT KEY LOGIN [ssh args]
	local what=$1 key=$2 login=$3 rc
	shift 3
	set +e
	gssh "$key" "$login" "$@" 'echo IN' >"$T_TMP/o" 2>"$T_TMP/e"
	rc=$?
	set -e
	[ "$rc" = 255 ] || fail "$what: exit $rc"
	grep -q 'Permission denied (publickey)' "$T_TMP/e" ||
	    fail "$what: stderr: $(cat "$T_TMP/e")"
	! grep -q IN "$T_TMP/o" || fail "$what: got in"
	cp "$T_TMP/e" "$T_TMP/e.$what"
}

gssh "$IDA" "$WSA" true || fail "owner cannot get in"
gssh "$IDB" bws true || fail "B cannot get into own workspace"
denied stranger "$T_TMP/id_stranger" "$WSA"
denied other-users-ws "$IDB" "$WSA"
denied a-to-b "$IDA" bws
denied no-such-ws "$IDA" nosuchws
denied password "$IDA" "$WSA" -o PreferredAuthentications=password,keyboard-interactive
# The same answer whether the workspace exists or not (but for the login
# name the client itself prints).
a=$(sed 's/^[^:]*: //' "$T_TMP/e.other-users-ws")
b=$(sed 's/^[^:]*: //' "$T_TMP/e.no-such-ws")
[ "$a" = "$b" ] || fail "answers differ: $a vs $b"

# MaxAuthTries: six wrong keys first, the right one seventh: refused.
args=()
for i in 1 2 3 4 5 6; do
	mkkey "$T_TMP/wrong$i"
	args+=(-i "$T_TMP/wrong$i")
done
set +e
# shellcheck disable=SC2046
ssh $(ssh_opts "$T_TMP/wrong1") "${args[@]}" -i "$IDA" -p "$SSH_PORT" \
    "$WSA@127.0.0.1" 'echo IN' >"$T_TMP/o" 2>"$T_TMP/e"
rc=$?
set -e
[ "$rc" = 255 ] || fail "7th key got in after 6 failures (rc $rc)"
! grep -q IN "$T_TMP/o" || fail "max auth tries not enforced"
# Five wrong keys, then the right one: in.
# shellcheck disable=SC2046
out=$(ssh $(ssh_opts "$T_TMP/wrong1") -i "$T_TMP/wrong2" -i "$T_TMP/wrong3" \
    -i "$T_TMP/wrong4" -i "$T_TMP/wrong5" -i "$IDA" -p "$SSH_PORT" \
    "$WSA@127.0.0.1" 'echo IN') || fail "6th key refused"
[ "$out" = IN ] || fail "6th key: $out"
echo ok
