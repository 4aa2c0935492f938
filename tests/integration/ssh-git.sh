#!/usr/bin/env bash
# ssh-git: git clone and push over ssh through the gateway, from and to a
# bare repository inside the workspace.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
gssh "$IDA" "$WSA" 'set -e; git init -q --bare repo.git; git init -q src;
    cd src; git config user.email t@t; git config user.name t;
    echo one >a; git add a; git commit -qm one;
    git push -q ../repo.git HEAD:refs/heads/main' || fail "make repo"

export GIT_SSH_COMMAND="ssh $(ssh_opts "$IDA") -p $SSH_PORT"
git clone -q -b main "$WSA@127.0.0.1:repo.git" "$T_TMP/clone" || fail "clone"
[ "$(cat "$T_TMP/clone/a")" = one ] || fail "clone content"
cd "$T_TMP/clone"
git config user.email t@t
git config user.name t
echo two >b
git add b
git commit -qm two
git push -q origin main || fail "push"
out=$(gssh "$IDA" "$WSA" 'git -C repo.git log --format=%s main | head -1')
[ "$out" = two ] || fail "push did not land: $out"
echo ok
