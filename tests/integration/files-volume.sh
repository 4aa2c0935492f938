# files-volume: a file uploaded through the files API into a workspace's
# volume is there, byte-identical and owned by uid 1000, for a second
# workspace that mounts the same volume.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
A=$(ws_new vola "$K" '"volumes":[{"name":"shared","mount":"/workspace"}]')
B=$(ws_new volb "$K" '"volumes":[{"name":"shared","mount":"/data"}]')
CB=$(ws_cid "$B" "$K")

head -c 5000000 /dev/urandom >"$WORK/f"
st=$(files_put "$A" "$K" /workspace/sub/f.bin "$WORK/f")
[ "$st" = 200 ] || fail "upload into the volume -> $st: $(cat "$WORK/put.json")"
assert_eq "$(dexec "$CB" 'md5sum </data/sub/f.bin | cut -d" " -f1; stat -c %u:%g /data/sub/f.bin /data/sub')" \
	"$(md5sum <"$WORK/f" | cut -d' ' -f1)
1000:1000
1000:1000" "the file as the second workspace sees it"
st=$(files_get "$B" "$K" /data/sub/f.bin "$WORK/f.back")
[ "$st" = 200 ] || fail "download from the second workspace -> $st"
cmp "$WORK/f" "$WORK/f.back" || fail "download through the second workspace differs"
ok "upload into a volume is visible, byte-identical, from a second workspace mounting it"
