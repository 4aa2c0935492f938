# files-range: file downloads honour Range and If-Range on the real engine:
# 206 with Content-Range for a middle range and a suffix range, 416 past
# the end, If-Range with the current ETag or Last-Modified gives the range
# and a stale one the whole file (200), HEAD gives the head only, and
# `curl -C -` resumes a cut download to the same md5.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new range1 "$K")
head -c 3000000 /dev/urandom >"$WORK/f"
st=$(files_put "$ID" "$K" /home/dev/f "$WORK/f")
[ "$st" = 200 ] || fail "upload -> $st"
F="$URL/v1/workspaces/$ID/files?path=/home/dev/f"
A="Authorization: Bearer $K"

# get RANGE [IF-RANGE]: status; body in $WORK/part, head in $WORK/h.
get() {
	local -a args=(-sS -D "$WORK/h" -o "$WORK/part" -w '%{http_code}' -H "$A" -H "Range: $1")
	[ -z "${2-}" ] || args+=(-H "If-Range: $2")
	curl "${args[@]}" "$F"
}
st=$(get bytes=1000-1999)
assert_eq "$st" 206 "middle range"
grep -qi '^Content-Range: bytes 1000-1999/3000000' "$WORK/h" || fail "Content-Range: $(cat "$WORK/h")"
grep -qi '^Content-Length: 1000' "$WORK/h" || fail "Content-Length: $(cat "$WORK/h")"
cmp -s "$WORK/part" <(tail -c +1001 "$WORK/f" | head -c 1000) || fail "middle range bytes"
st=$(get bytes=-100)
assert_eq "$st" 206 "suffix range"
cmp -s "$WORK/part" <(tail -c 100 "$WORK/f") || fail "suffix range bytes"
st=$(get bytes=2999990-)
assert_eq "$st" 206 "open range"
assert_eq "$(wc -c <"$WORK/part")" 10 "open range length"
st=$(get bytes=3000000-)
assert_eq "$st" 416 "range past the end"
grep -qi '^Content-Range: bytes \*/3000000' "$WORK/h" || fail "416 Content-Range: $(cat "$WORK/h")"
ok "Range: 206 middle, suffix, open; 416 past the end"

etag=$(curl -sS -D - -o /dev/null -H "$A" "$F" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
lm=$(curl -sS -D - -o /dev/null -H "$A" "$F" | tr -d '\r' | awk -F': ' 'tolower($1)=="last-modified" {print $2}')
[ -n "$etag" ] && [ -n "$lm" ] || fail "no ETag or Last-Modified"
assert_eq "$(get bytes=0-9 "$etag")" 206 "If-Range with the ETag"
assert_eq "$(get bytes=0-9 "$lm")" 206 "If-Range with Last-Modified"
assert_eq "$(get bytes=0-9 '"0-0"')" 200 "If-Range with a stale ETag"
assert_eq "$(wc -c <"$WORK/part")" 3000000 "stale If-Range: the whole file"
ok "If-Range: the range while it matches, the whole file otherwise"

code=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' -I -H "$A" "$F")
assert_eq "$code" "200 0" "HEAD on a file"

head -c 1234567 "$WORK/f" >"$WORK/resumed"
curl -sS -C - -o "$WORK/resumed" -H "$A" "$F" || fail "curl -C - failed"
assert_eq "$(md5sum <"$WORK/resumed" | cut -d' ' -f1)" "$(md5sum <"$WORK/f" | cut -d' ' -f1)" "resumed md5"
ok "curl -C - resumes a cut download to the same md5"
