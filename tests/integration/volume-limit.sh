# volume-limit: a volume's size is enforced by a loop-mounted ext4 image
# (vol-loop.c): dd of 1.5 GiB into a 1 GiB volume fails with ENOSPC inside,
# the host keeps its space, another user's volume is untouched, an upload
# into the full volume is refused with the cause; PATCH grows it online
# and refuses a shrink; a restart remounts it (also after the mount went,
# as after a reboot); delete leaves no image, mount or loop device.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
KB=$(mkuser bob)
expect 201 POST /v1/volumes '{"name":"v1","size_gib":1}' "$K"
VB=$(jget "$BODY" .backend_name)
IMG=$STATE/volumes/$VB.img
MNT=$STATE/volumes/$VB
[ -f "$IMG" ] || fail "no image $IMG"
mountpoint -q "$MNT" || fail "$MNT not mounted"
losetup -j "$IMG" | grep -q loop || fail "no loop device for $IMG"
ID=$(ws_new lim "$K" '"volumes":[{"name":"v1","mount":"/data"}]')
IDB=$(ws_new other "$KB" '"volumes":[{"name":"v1","mount":"/data"}]')

xrun "$ID" "$K" '{"command":"dd if=/dev/zero of=/data/big bs=1M count=1536 2>&1; echo rc=$?; df -k /data | tail -1","timeout":120}'
out=$(jq -r .stdout "$WORK/x.json")
grep -q "No space left on device" <<<"$out" || fail "dd did not hit ENOSPC: $out"
grep -q "rc=0" <<<"$out" && fail "dd of 1.5 GiB into 1 GiB succeeded: $out"
used=$(( $(du -k "$IMG" | cut -f1) / 1024 ))
[ "$used" -le 1024 ] || fail "the image takes $used MiB of the host"
ok "1.5 GiB into a 1 GiB volume: ENOSPC inside; host usage ${used} MiB"

xrun "$IDB" "$KB" '{"command":"head -c 10000000 /dev/zero >/data/f && wc -c </data/f"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 10000000 "bob writes while alice's volume is full"
ok "another user's volume is untouched"

head -c 50000000 /dev/urandom >"$WORK/up.bin"
st=$(files_put "$ID" "$K" /data/up.bin "$WORK/up.bin")
[[ $st == 413 || $st == 507 ]] || fail "upload into a full volume -> $st: $(cat "$WORK/put.json")"
grep -qi "no space\|full" "$WORK/put.json" || fail "upload error without the cause: $(cat "$WORK/put.json")"
ok "upload into the full volume -> $st: $(jq -r .error.message "$WORK/put.json")"

# Online when the host allows it (CAP_SYS_RESOURCE), else 409 while in
# use and offline once the workspace is stopped.
api PATCH /v1/volumes/v1 '{"size_gib":2}' "$K" >"$WORK/p.json"
case $(last_status) in
200) how=online ;;
409)	grep -q "stop the workspaces" "$WORK/p.json" || fail "409 cause: $(cat "$WORK/p.json")"
	expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
	expect 200 PATCH /v1/volumes/v1 '{"size_gib":2}' "$K"
	expect 200 POST "/v1/workspaces/$ID/start" "" "$K"
	how="offline (online resize not permitted here)" ;;
*) fail "PATCH grow -> $(last_status): $(cat "$WORK/p.json")" ;;
esac
xrun "$ID" "$K" '{"command":"df -k /data | tail -1 | awk \"{print \\$2}\"; dd if=/dev/zero of=/data/more bs=1M count=600 2>&1 >/dev/null; echo rc=$?"}'
out=$(jq -r .stdout "$WORK/x.json")
[ "$(head -1 <<<"$out")" -gt 1900000 ] || fail "size after grow: $out"
grep -q "rc=0" <<<"$out" || fail "600 MiB more after the grow: $out"
expect 409 PATCH /v1/volumes/v1 '{"size_gib":1}' "$K"
ok "PATCH grows it $how (df $(head -1 <<<"$out") KiB); a shrink is 409"

# Restart, with the mount gone as after a reboot: remounted, data kept.
expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
berthd_kill9
umount "$MNT"
mountpoint -q "$MNT" && fail "still mounted"
berthd_start
mountpoint -q "$MNT" || fail "not remounted at start"
expect 200 POST "/v1/workspaces/$ID/start" "" "$K"
xrun "$ID" "$K" '{"command":"ls -l /data/more | wc -l"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 1 "data after the restart"
ok "restart remounts the volume; data kept"

# An image left without a record (a crash before the commit) goes at start.
truncate -s 1G "$STATE/volumes/berth-zz.orphan.00000000.img"
truncate -s 1G "$STATE/volumes/half.img.new"
berthd_kill9
berthd_start
[ -e "$STATE/volumes/berth-zz.orphan.00000000.img" ] && fail "orphan image kept"
[ -e "$STATE/volumes/half.img.new" ] && fail "half-made image kept"
ok "orphan and half-made images removed at start"

expect 204 DELETE "/v1/workspaces/$ID" "" "$K"
expect 204 DELETE /v1/volumes/v1 "" "$K"
[ -e "$IMG" ] && fail "image left after delete"
mountpoint -q "$MNT" 2>/dev/null && fail "mount left after delete"
losetup -a | grep -q "$VB" && fail "loop device left: $(losetup -a | grep "$VB")"
grep -q "$MNT" /proc/self/mounts && fail "mount entry left"
ok "delete: no image, mount or loop device left"
