# files-1g: 1 GiB through the files API and back, both ways through the
# workspace's supervisor as its user: the md5 is equal, the file is the
# user's, and berthd's memory does not grow with the size (streamed).
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start
K=$(mkuser alice)
ID=$(ws_new big1 "$K")
C=$(ws_cid "$ID" "$K")
[ "$(jget "$(api GET "/v1/workspaces/$ID" "" "$K")" .runner)" = sup ] || fail "runner"
head -c $((1024 * 1048576)) /dev/urandom >"$WORK/src"
want=$(md5sum <"$WORK/src" | cut -d' ' -f1)
rss() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$BERTHD_PID/status"; }
rss0=$(rss)
( while kill -0 "$BERTHD_PID" 2>/dev/null; do rss; sleep 0.2; done ) >"$WORK/rss" &
S=$!
st=$(files_put "$ID" "$K" /home/dev/big.bin "$WORK/src")
assert_eq "$st" 200 "upload: $(cat "$WORK/put.json")"
rm -f "$WORK/src"
assert_eq "$(dexec "$C" 'stat -c %u:%s /home/dev/big.bin; md5sum </home/dev/big.bin | cut -d" " -f1')" \
	"1000:$((1024 * 1048576))
$want" "owner, size and md5 inside"
st=$(files_get "$ID" "$K" /home/dev/big.bin "$WORK/back")
assert_eq "$st" 200 "download"
kill "$S"; wait "$S" 2>/dev/null || true
assert_eq "$(md5sum <"$WORK/back" | cut -d' ' -f1)" "$want" "md5 of the download"
peak=$(sort -n "$WORK/rss" | tail -1)
echo "berthd RSS: ${rss0} MB before, ${peak} MB peak"
[ $((peak - rss0)) -lt 64 ] || fail "berthd grew by $((peak - rss0)) MB while copying 1 GiB"
ok "1 GiB up and down through the supervisor: md5 equal, owned by the user, berthd RSS +$((peak - rss0)) MB"
