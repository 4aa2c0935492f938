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

# ---- downloads are read as the workspace's user too ----
st=$(files_get "$ID" "$K" /home/dev/sub/own.bin "$WORK/own.back")
assert_eq "$st" 200 "GET own file"
assert_eq "$(md5sum <"$WORK/own.back")" "$(md5sum <"$WORK/f")" "own file content"
# a root-only file: the engine (root) would hand it over; the user may not
rexec() { docker exec -u 0 "$1" sh -c "$2"; }
rexec "$C" 'printf TOPS3CRETBYTES >/etc/berth-secret && chmod 600 /etc/berth-secret'
st=$(files_get "$ID" "$K" /etc/berth-secret "$WORK/g.json")
assert_eq "$st" 403 "GET a root-only file: $(cat "$WORK/g.json")"
grep -q "may not read" "$WORK/g.json" || fail "no cause: $(cat "$WORK/g.json")"
grep -q TOPS3CRETBYTES "$WORK/g.json" && fail "root-only bytes leaked"
st=$(files_get "$ID" "$K" /etc/shadow "$WORK/g.json")
assert_eq "$st" 403 "GET /etc/shadow"
for p in /proc/self/environ /proc/1/environ /sys/kernel/hostname /home/dev/pl/environ; do
	st=$(files_get "$ID" "$K" "$p" "$WORK/g.json")
	assert_eq "$st" 403 "GET $p: $(cat "$WORK/g.json")"
	grep -q "/proc and /sys" "$WORK/g.json" || fail "no cause for $p"
done
st=$(files_get "$ID" "$K" /home/dev/nope "$WORK/g.json")
assert_eq "$st" 404 "GET a missing file"
# a range is read from its offset
st=$(curl -sS -o "$WORK/range" -w '%{http_code}' -H "Authorization: Bearer $K" \
	-H 'Range: bytes=1000-1999' "$URL/v1/workspaces/$ID/files?path=/home/dev/sub/own.bin")
assert_eq "$st" 206 "range"
assert_eq "$(md5sum <"$WORK/range")" "$(tail -c +1001 "$WORK/f" | head -c 1000 | md5sum)" "range bytes"
# a directory as a tar, with what the user cannot read left out
# (mode 000: not even its owner may read it; containers hold no
# CAP_DAC_OVERRIDE)
dexec "$C" 'mkdir -p /home/dev/t/deep/er /home/dev/t/closed && echo hi >/home/dev/t/deep/er/a &&
	ln -s deep/er/a /home/dev/t/l && echo root >/home/dev/t/rootonly && chmod 000 /home/dev/t/rootonly &&
	echo x >/home/dev/t/closed/x && chmod 000 /home/dev/t/closed'
st=$(files_get "$ID" "$K" /home/dev/t "$WORK/t.tar")
assert_eq "$st" 200 "directory download"
tar -tvf "$WORK/t.tar" >"$WORK/t.list" || fail "not a tar"
grep -q ' ./deep/er/a$' "$WORK/t.list" || fail "file missing: $(cat "$WORK/t.list")"
grep -q ' ./l -> deep/er/a$' "$WORK/t.list" || fail "symlink missing: $(cat "$WORK/t.list")"
grep -q ' ./closed/$' "$WORK/t.list" || fail "closed dir entry missing: $(cat "$WORK/t.list")"
grep -q 'rootonly\|closed/x' "$WORK/t.list" && fail "unreadable entries in the tar: $(cat "$WORK/t.list")"
mkdir "$WORK/tx" && tar -C "$WORK/tx" -xf "$WORK/t.tar"
assert_eq "$(cat "$WORK/tx/deep/er/a")" hi "content from the tar"
ok "downloads as the workspace user: own files and ranges ok, root-only 403, /proc and /sys refused, a tar leaves out what the user cannot read"

# ---- tar uploads are unpacked as the workspace's user too ----
python3 - "$WORK" <<'PY'
import sys, tarfile, io
w = sys.argv[1]
def f(t, name, data=b"x", mode=0o644):
    i = tarfile.TarInfo(name); i.size = len(data); i.mode = mode; i.mtime = 1000000000
    t.addfile(i, io.BytesIO(data))
with tarfile.open(w + "/ok.tar", "w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("d"); d.type = tarfile.DIRTYPE; d.mode = 0o750; d.mtime = 1000000000
    t.addfile(d)
    f(t, "d/a.txt", b"alpha", 0o600)
    f(t, "d/" + "n" * 180, b"long name")
    l = tarfile.TarInfo("d/l"); l.type = tarfile.SYMTYPE; l.linkname = "a.txt"; t.addfile(l)
    h = tarfile.TarInfo("d/h"); h.type = tarfile.LNKTYPE; h.linkname = "d/a.txt"; t.addfile(h)
    r = tarfile.TarInfo("ro"); r.type = tarfile.DIRTYPE; r.mode = 0o555; t.addfile(r)
    f(t, "ro/in-readonly", b"ro-ok")
with tarfile.open(w + "/escape.tar", "w") as t:
    l = tarfile.TarInfo("etc"); l.type = tarfile.SYMTYPE; l.linkname = "/etc"; t.addfile(l)
    f(t, "etc/berth-owned", b"root?")
with tarfile.open(w + "/dotdot.tar", "w") as t:
    f(t, "../../../tmp/berth-dotdot", b"up")
PY
st=$(files_put "$ID" "$K" /home/dev/tx "$WORK/ok.tar" application/x-tar)
assert_eq "$st" 200 "tar upload: $(cat "$WORK/put.json")"
assert_eq "$(dexec "$C" 'cd /home/dev/tx && stat -c "%U %a %Y" d d/a.txt && cat d/l d/h && stat -c %h d/a.txt && cat d/nnn*; ls d | awk "length > 100" | wc -l')" \
"dev 750 1000000000
dev 600 1000000000
alphaalpha2
long name1" "tar entries: owner, modes, mtimes, symlink, hard link, a pax long name"
st=$(files_put "$ID" "$K" /home/dev/esc "$WORK/escape.tar" application/x-tar)
assert_eq "$st" 403 "a tar writing through a symlink into /etc: $(cat "$WORK/put.json")"
dexec "$C" 'test ! -e /etc/berth-owned' || fail "the tar wrote into /etc"
st=$(files_put "$ID" "$K" /home/dev/dd "$WORK/dotdot.tar" application/x-tar)
assert_eq "$st" 400 "a tar with '..': $(cat "$WORK/put.json")"
grep -q "'\.\.'" "$WORK/put.json" || fail "no cause: $(cat "$WORK/put.json")"
dexec "$C" 'test ! -e /tmp/berth-dotdot' || fail "'..' escaped"
st=$(files_put "$ID" "$K" /etc/berth-tar "$WORK/ok.tar" application/x-tar)
assert_eq "$st" 403 "a tar into a root-owned place"
st=$(files_put "$ID" "$K" /proc/berth "$WORK/ok.tar" application/x-tar)
assert_eq "$st" 403 "a tar into /proc"
assert_eq "$(dexec "$C" 'stat -c %a /home/dev/tx/ro; cat /home/dev/tx/ro/in-readonly')" "555
ro-ok" "a read-only directory gets its mode after its entries"
ok "tar uploads as the workspace user: entries kept (modes, mtimes, links, long names), no way into root's places, '..' refused"
