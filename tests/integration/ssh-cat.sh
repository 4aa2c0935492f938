#!/usr/bin/env bash
# ssh-cat: 50 MB of random data through "ssh ws cat" comes back md5-equal
# (stdin, EOF and flow control end to end), also with several channels at
# once on one connection (ControlMaster multiplexing).
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one

head -c 50000000 /dev/urandom >"$T_TMP/in"
want=$(md5sum <"$T_TMP/in" | cut -d' ' -f1)

got=$(gssh "$IDA" "$WSA" cat <"$T_TMP/in" | md5sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "cat round trip: $got != $want"

# A slow reader: output waits for it, nothing is lost.
got=$(gssh "$IDA" "$WSA" cat <"$T_TMP/in" |
    (sleep 2; md5sum) | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "slow reader: $got != $want"

# Three channels at once over one connection.
ctl=$T_TMP/ctl
gssh "$IDA" "$WSA" -o ControlMaster=yes -o ControlPath="$ctl" -N -f
pids=()
for i in 1 2 3; do
	gssh "$IDA" "$WSA" -o ControlPath="$ctl" \
	    'cat | md5sum | cut -d" " -f1' <"$T_TMP/in" >"$T_TMP/m$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3; do
	[ "$(cat "$T_TMP/m$i")" = "$want" ] || fail "mux channel $i: $(cat "$T_TMP/m$i")"
done
gssh "$IDA" "$WSA" -o ControlPath="$ctl" -O exit 2>/dev/null ||
    fail "control master gone"
echo ok
