# files-roundtrip: GET/PUT /v1/workspaces/{id}/files on the real engine: a
# 100 MB random file and a directory tree (modes kept) go in and come back
# byte-identical (md5); what was written belongs to the workspace user
# (uid 1000); missing parents are created; a file keeps ?mode= and mtime.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new files1 "$K")
C=$(ws_cid "$ID" "$K")

# ---- a 100 MB random file ----
head -c 100000000 /dev/urandom >"$WORK/big"
want=$(md5sum <"$WORK/big" | cut -d' ' -f1)
st=$(files_put "$ID" "$K" /home/dev/in/deep/big.bin "$WORK/big" "" "mode=0640")
[ "$st" = 200 ] || fail "upload 100 MB -> $st: $(cat "$WORK/put.json")"
assert_eq "$(jq -r .bytes "$WORK/put.json")" 100000000 "bytes written"
st=$(files_get "$ID" "$K" /home/dev/in/deep/big.bin "$WORK/big.back")
[ "$st" = 200 ] || fail "download 100 MB -> $st"
assert_eq "$(md5sum <"$WORK/big.back" | cut -d' ' -f1)" "$want" "md5 of the 100 MB round trip"
# and inside the container, as the engine sees it
out=$(dexec "$C" 'md5sum /home/dev/in/deep/big.bin | cut -d" " -f1; stat -c "%u:%g %a" /home/dev/in/deep/big.bin /home/dev/in /home/dev/in/deep')
assert_eq "$(echo "$out" | sed -n 1p)" "$want" "md5 inside the container"
assert_eq "$(echo "$out" | sed -n 2p)" "1000:1000 640" "owner and mode of the file"
assert_eq "$(echo "$out" | sed -n 3p)" "1000:1000 755" "owner and mode of a created parent"
assert_eq "$(echo "$out" | sed -n 4p)" "1000:1000 755" "owner and mode of a created parent (2)"
ok "100 MB file round trip, md5 equal; uid 1000, mode 0640, parents created"

# ---- headers of a file download ----
curl -sS -D "$WORK/h" -o /dev/null -H "Authorization: Bearer $K" \
	"$URL/v1/workspaces/$ID/files?path=/home/dev/in/deep/big.bin"
grep -qi '^Content-Type: application/octet-stream' "$WORK/h" || fail "content type: $(cat "$WORK/h")"
grep -qi '^Content-Length: 100000000' "$WORK/h" || fail "content length: $(cat "$WORK/h")"
grep -qi '^X-Berth-Mode: 0640' "$WORK/h" || fail "mode header: $(cat "$WORK/h")"
ok "file download: octet-stream with Content-Length and mode"

# ---- mtime of an upload ----
printf 'x' >"$WORK/small"
st=$(files_put "$ID" "$K" /home/dev/small "$WORK/small" "" "mtime=2001-02-03T04:05:06Z")
[ "$st" = 200 ] || fail "upload with mtime -> $st"
assert_eq "$(dexec "$C" 'stat -c %Y /home/dev/small')" "$(date -d 2001-02-03T04:05:06Z +%s)" "mtime kept"
ok "?mtime= sets the file's mtime"

# ---- a directory tree with modes ----
T=$WORK/tree
mkdir -p "$T/a/b/c" "$T/empty" "$T/x"
head -c 300000 /dev/urandom >"$T/a/bin.dat"
printf 'hello\n' >"$T/a/b/hello.txt"
printf '#!/bin/sh\necho hi\n' >"$T/a/b/c/run.sh"
head -c 1 /dev/urandom >"$T/x/one"
ln -s ../a/b/hello.txt "$T/x/link"
chmod 0755 "$T/a/b/c/run.sh"; chmod 0600 "$T/a/bin.dat"; chmod 0750 "$T/a/b"
chmod 0700 "$T/empty"; chmod 0444 "$T/x/one"
touch -d 2010-01-01T00:00:00Z "$T/a/b/hello.txt"
manifest() { # DIR: path, type, mode, md5 of every entry
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
		if [ -L "$p" ]; then echo "$p l $(readlink "$p")"
		elif [ -d "$p" ]; then echo "$p d $(stat -c %a "$p")"
		else echo "$p f $(stat -c %a "$p") $(md5sum <"$p" | cut -d' ' -f1)"; fi
	done)
}
tar -C "$T" -cf "$WORK/tree.tar" .
st=$(files_put "$ID" "$K" /home/dev/proj "$WORK/tree.tar" application/x-tar)
[ "$st" = 200 ] || fail "tar upload -> $st: $(cat "$WORK/put.json")"
assert_eq "$(dexec "$C" 'cd /home/dev/proj && find . -mindepth 1 ! -type l -printf "%U:%G\n" | sort -u; stat -c %Y a/b/hello.txt')" "1000:1000
$(date -d 2010-01-01T00:00:00Z +%s)" "owner of every unpacked entry and a kept mtime"
st=$(files_get "$ID" "$K" /home/dev/proj "$WORK/back.tar")
[ "$st" = 200 ] || fail "directory download -> $st"
mkdir "$WORK/back"
tar -C "$WORK/back" -xf "$WORK/back.tar" || fail "the download is not a tar"
assert_eq "$(manifest "$WORK/back")" "$(manifest "$T")" "tree manifest (paths, modes, md5s)"
ok "directory tree round trip: paths, modes, symlink and md5s equal; uid 1000"

# ---- tar into an existing directory keeps its owner and mode ----
dexec "$C" 'mkdir -m 0711 /home/dev/keep'
st=$(files_put "$ID" "$K" /home/dev/keep "$WORK/tree.tar" application/x-tar)
[ "$st" = 200 ] || fail "tar into existing dir -> $st"
assert_eq "$(dexec "$C" 'stat -c %a /home/dev/keep')" 711 "mode of the existing target directory"
ok "unpacking into an existing directory leaves its mode alone"

# ---- chunked upload (no Content-Length) ----
head -c 70000 /dev/urandom >"$WORK/chunked"
st=$(curl -sS -o "$WORK/put.json" -w '%{http_code}' -H "Authorization: Bearer $K" \
	-H 'Transfer-Encoding: chunked' --data-binary @"$WORK/chunked" -X PUT \
	"$URL/v1/workspaces/$ID/files?path=/home/dev/chunked")
[ "$st" = 200 ] || fail "chunked upload -> $st: $(cat "$WORK/put.json")"
files_get "$ID" "$K" /home/dev/chunked "$WORK/chunked.back" >/dev/null
cmp "$WORK/chunked" "$WORK/chunked.back" || fail "chunked upload differs"
ok "an upload without Content-Length is spooled and written whole"
