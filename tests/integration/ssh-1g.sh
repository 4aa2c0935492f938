#!/usr/bin/env bash
# ssh-1g: 1 GiB of random data through the SSH gateway, both ways, with
# the stock OpenSSH client: piped into the workspace (md5 taken inside),
# and piped back out of it (md5 taken here); equal to the source's.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

head -c $((1024 * 1048576)) /dev/urandom >"$T_TMP/in"
want=$(md5sum <"$T_TMP/in" | cut -d' ' -f1)

got=$(gssh "$IDA" "$WSA" 'cat >/home/dev/in.bin && md5sum </home/dev/in.bin' \
    <"$T_TMP/in" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "1 GiB into the workspace: $got != $want"
rm -f "$T_TMP/in"
got=$(gssh "$IDA" "$WSA" 'cat /home/dev/in.bin; rm -f /home/dev/in.bin' |
    md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "1 GiB out of the workspace: $got != $want"
echo ok
