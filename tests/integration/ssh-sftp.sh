#!/usr/bin/env bash
# ssh-sftp: file transfer through the gateway with the stock tools: sftp
# put/get/ls/rename/rm (subsystem sftp runs the image's sftp-server), scp
# both ways for a file and a directory (-r; SFTP-based and legacy -O), and
# an rsync -a round trip.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
OPTS=$(ssh_opts "$IDA")
R=$WSA@127.0.0.1

head -c 3000000 /dev/urandom >"$T_TMP/f1"
mkdir -p "$T_TMP/dir/sub"
for i in 1 2 3; do
	head -c $((i * 100000)) /dev/urandom >"$T_TMP/dir/sub/x$i"
done
echo hello >"$T_TMP/dir/top.txt"
chmod 0751 "$T_TMP/dir/sub/x2"

# sftp: put, ls, rename, get, rm.
# shellcheck disable=SC2086
sftp $OPTS -P "$SSH_PORT" -b - "$R" >"$T_TMP/sftp.out" 2>&1 <<EOB || { cat "$T_TMP/sftp.out" >&2; fail "sftp batch"; }
put $T_TMP/f1 f1
ls -l f1
rename f1 f1b
get f1b $T_TMP/f1.back
rm f1b
EOB
cmp "$T_TMP/f1" "$T_TMP/f1.back" || fail "sftp round trip differs"
grep -q '3000000' "$T_TMP/sftp.out" || fail "sftp ls: $(cat "$T_TMP/sftp.out")"
gssh "$IDA" "$WSA" 'test ! -e f1b && test ! -e f1' || fail "sftp rm/rename left files"

# scp (SFTP protocol, the default) and legacy scp (-O), file and -r.
for mode in "" "-O"; do
	rm -rf "$T_TMP/back"
	mkdir "$T_TMP/back"
	# shellcheck disable=SC2086
	scp $mode $OPTS -P "$SSH_PORT" -q "$T_TMP/f1" "$R:scp-f1" ||
	    fail "scp $mode upload"
	# shellcheck disable=SC2086
	scp $mode $OPTS -P "$SSH_PORT" -q "$R:scp-f1" "$T_TMP/back/f1" ||
	    fail "scp $mode download"
	cmp "$T_TMP/f1" "$T_TMP/back/f1" || fail "scp $mode file differs"
	# shellcheck disable=SC2086
	scp $mode $OPTS -P "$SSH_PORT" -q -r "$T_TMP/dir" "$R:scpdir" ||
	    fail "scp $mode -r upload"
	# shellcheck disable=SC2086
	scp $mode $OPTS -P "$SSH_PORT" -q -r "$R:scpdir" "$T_TMP/back/dir" ||
	    fail "scp $mode -r download"
	diff -r "$T_TMP/dir" "$T_TMP/back/dir" || fail "scp $mode -r differs"
	gssh "$IDA" "$WSA" 'rm -rf scp-f1 scpdir'
done

# rsync -a both ways keeps contents and modes.
rsync -a -e "ssh $OPTS -p $SSH_PORT" "$T_TMP/dir/" "$R:rs/" ||
    fail "rsync upload"
gssh "$IDA" "$WSA" 'stat -c %a rs/sub/x2' | grep -qx 751 ||
    fail "rsync lost the mode"
rsync -a -e "ssh $OPTS -p $SSH_PORT" "$R:rs/" "$T_TMP/rsback/" ||
    fail "rsync download"
diff -r "$T_TMP/dir" "$T_TMP/rsback" || fail "rsync round trip differs"
[ "$(stat -c %a "$T_TMP/rsback/sub/x2")" = 751 ] || fail "rsync mode back"
echo ok
