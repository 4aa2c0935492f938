# sup-files: with berth-sup, a file upload is written as the workspace's
# user with that user's permissions: its own home is fine (owned by uid
# 1000, mode and mtime kept), a root-owned place is a clear 403 with the
# cause and nothing is written, /proc and /sys are refused (403), a file
# over a directory is 409.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new sf1 "$K")
C=$(ws_cid "$ID" "$K")
[ "$(jget "$(api GET "/v1/workspaces/$ID" "" "$K")" .runner)" = sup ] || fail "runner"
head -c 300000 /dev/urandom >"$WORK/f"

st=$(files_put "$ID" "$K" /home/dev/sub/own.bin "$WORK/f" "" "mode=0640&mtime=2001-02-03T04:05:06Z")
assert_eq "$st" 200 "own home: $(cat "$WORK/put.json")"
assert_eq "$(dexec "$C" 'stat -c "%u:%g %a %Y %s" /home/dev/sub/own.bin')" \
	"1000:1000 640 $(date -d 2001-02-03T04:05:06Z +%s) 300000" "owner, mode, mtime, size"
assert_eq "$(dexec "$C" 'md5sum </home/dev/sub/own.bin')" "$(md5sum <"$WORK/f")" "content"

for p in /etc/berth-x /root/x /usr/bin/berth-x; do
	st=$(files_put "$ID" "$K" "$p" "$WORK/f")
	assert_eq "$st" 403 "PUT $p: $(cat "$WORK/put.json")"
	grep -q "may not write" "$WORK/put.json" || fail "no cause for $p: $(cat "$WORK/put.json")"
	dexec "$C" "test ! -e $p" || fail "$p was written"
done
st=$(files_put "$ID" "$K" /etc/hostname "$WORK/f")
assert_eq "$st" 403 "PUT over a root-owned file"
for p in /proc/x /proc/self/environ /sys/kernel/x; do
	st=$(files_put "$ID" "$K" "$p" "$WORK/f")
	assert_eq "$st" 403 "PUT $p: $(cat "$WORK/put.json")"
	grep -q "/proc and /sys" "$WORK/put.json" || fail "no cause for $p: $(cat "$WORK/put.json")"
done
# a symlink in the user's home that points into /proc
dexec "$C" 'ln -s /proc/self /home/dev/pl'
st=$(files_put "$ID" "$K" /home/dev/pl/x "$WORK/f")
assert_eq "$st" 403 "PUT through a symlink into /proc"
st=$(files_put "$ID" "$K" /home/dev/sub "$WORK/f")
assert_eq "$st" 409 "a file over a directory: $(cat "$WORK/put.json")"
ok "uploads as the workspace user: own files ok, root-owned 403 with the cause, /proc and /sys refused, directory 409"
