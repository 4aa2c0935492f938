# files-errors: what the files API refuses, with the right status: bad
# paths (400), a missing file (404), another user's workspace (404), a
# stopped workspace (409), a file over a directory (409), a tar with a
# device node (400, nothing written), garbage as a tar (400).
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
KB=$(mkuser bob)
ID=$(ws_new ferr "$K")
C=$(ws_cid "$ID" "$K")
printf 'data' >"$WORK/f"

for p in relative/x /a/../etc/passwd '' ; do
	st=$(files_get "$ID" "$K" "$p" "$WORK/o")
	[ "$st" = 400 ] || fail "GET path '$p' -> $st, want 400"
	st=$(files_put "$ID" "$K" "$p" "$WORK/f")
	[ "$st" = 400 ] || fail "PUT path '$p' -> $st, want 400"
done
ok "relative, dotdot and empty paths -> 400"

st=$(files_get "$ID" "$K" /nope/missing "$WORK/o")
[ "$st" = 404 ] || fail "missing file -> $st"
ok "missing file -> 404"

st=$(files_get "$ID" "$KB" /etc/hostname "$WORK/o")
[ "$st" = 404 ] || fail "bob reads alice's workspace -> $st"
st=$(files_put "$ID" "$KB" /home/dev/x "$WORK/f")
[ "$st" = 404 ] || fail "bob writes alice's workspace -> $st"
dexec "$C" 'test ! -e /home/dev/x' || fail "bob's upload landed"
ok "another user's workspace -> 404, nothing written"

st=$(files_put "$ID" "$K" /home/dev "$WORK/f")
[ "$st" = 409 ] || fail "file over a directory -> $st"
ok "a file upload onto a directory -> 409"

# a tar with a character device: refused before anything unsafe lands
python3 - "$WORK/dev.tar" <<'PY'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("ok.txt"); d = b"fine"; i.size = len(d)
    t.addfile(i, io.BytesIO(d))
    n = tarfile.TarInfo("sda"); n.type = tarfile.CHRTYPE; n.devmajor = 8; n.devminor = 0
    t.addfile(n)
PY
st=$(files_put "$ID" "$K" /home/dev/devt "$WORK/dev.tar" application/x-tar)
[ "$st" = 400 ] || fail "tar with a device node -> $st: $(cat "$WORK/put.json")"
grep -q 'device node' "$WORK/put.json" || fail "message: $(cat "$WORK/put.json")"
dexec "$C" 'test ! -e /home/dev/devt/sda' || fail "the device node was created"
ok "a tar with a device node -> 400, no node created"

head -c 4096 /dev/urandom >"$WORK/garbage"
st=$(files_put "$ID" "$K" /home/dev/g "$WORK/garbage" application/x-tar)
[ "$st" = 400 ] || fail "garbage tar -> $st: $(cat "$WORK/put.json")"
ok "garbage sent as a tar -> 400"

expect 200 POST "/v1/workspaces/$ID/stop" "" "$K"
st=$(files_get "$ID" "$K" /etc/hostname "$WORK/o")
[ "$st" = 409 ] || fail "GET on a stopped workspace -> $st"
grep -q 'not running' "$WORK/o" || fail "409 message: $(cat "$WORK/o")"
st=$(files_put "$ID" "$K" /home/dev/y "$WORK/f")
[ "$st" = 409 ] || fail "PUT on a stopped workspace -> $st"
ok "stopped workspace -> 409 with a clear message"
