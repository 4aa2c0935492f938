# sup-fallback: Docker exec is the per-workspace fallback. A workspace made
# while berthd ran without the supervisor stays "docker-exec" after berthd
# comes back with it, and its execs still work; a new workspace is "sup";
# on it, a user the supervisor cannot be (root) goes through Docker exec.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start --supervisor off
K=$(mkuser alice)
OLD=$(ws_new fb-old "$K")
assert_eq "$(jget "$(api GET "/v1/workspaces/$OLD" "" "$K")" .runner)" docker-exec "runner without the supervisor"
C=$(jget "$(api GET "/v1/workspaces/$OLD" "" "$K")" .container_id)
v=$(docker inspect "$C" --format '{{json .Mounts}}')
assert_eq "$(jq '[.[] | select(.Type == "bind")] | length' <<<"$v")" 0 "no supervisor mounts ($v)"
xrun "$OLD" "$K" '{"argv":["sh","-c","echo hi; exit 4"]}'
assert_eq "$(jq -r '"\(.stdout)\(.exit_code)"' "$WORK/x.json")" "hi
4" "exec through docker exec"

# Files without the supervisor: a file with a length goes through the
# engine; one of unknown length (chunked) is refused, never spooled on
# berthd's disk.
head -c 70000 /dev/urandom >"$WORK/up"
st=$(curl -sS -o "$WORK/put.json" -w '%{http_code}' -X PUT \
	-H "Authorization: Bearer $K" --data-binary @"$WORK/up" \
	"$URL/v1/workspaces/$OLD/files?path=/home/dev/up")
assert_eq "$st" 200 "upload with a length, no supervisor ($(cat "$WORK/put.json"))"
st=$(curl -sS -o "$WORK/put.json" -w '%{http_code}' -X PUT \
	-H "Authorization: Bearer $K" -H 'Transfer-Encoding: chunked' \
	--data-binary @"$WORK/up" \
	"$URL/v1/workspaces/$OLD/files?path=/home/dev/up2")
assert_eq "$st" 400 "chunked upload, no supervisor ($(cat "$WORK/put.json"))"
grep -q "Content-Length" "$WORK/put.json" || fail "no cause: $(cat "$WORK/put.json")"
[ -z "$(find "$STATE" -name '.upload.*' 2>/dev/null)" ] || fail "an upload was spooled in the state dir"

berthd_kill9
berthd_start
assert_eq "$(jget "$(api GET "/v1/workspaces/$OLD" "" "$K")" .runner)" docker-exec "an old workspace keeps docker exec"
xrun "$OLD" "$K" '{"argv":["sh","-c","echo again; exit 5"],"timeout":10}'
assert_eq "$(jq -r '"\(.stdout)\(.exit_code)"' "$WORK/x.json")" "again
5" "old workspace exec after the restart"

NEW=$(ws_new fb-new "$K")
assert_eq "$(jget "$(api GET "/v1/workspaces/$NEW" "" "$K")" .runner)" sup "a new workspace gets the supervisor"
xrun "$NEW" "$K" '{"argv":["id","-u"]}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 1000 "sup exec as the workspace user"
# (only an admin may ask for another user)
xrun "$NEW" "$ADMIN_KEY" '{"argv":["id","-u"],"user":"root"}'
assert_eq "$(jq -r .stdout "$WORK/x.json")" 0 "user root: through docker exec"
ok "fallback: made without the supervisor -> docker-exec (kept across restart); new -> sup; other users -> docker exec"
