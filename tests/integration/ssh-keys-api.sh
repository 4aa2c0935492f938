#!/usr/bin/env bash
# ssh-keys-api: /v1/ssh-keys registers ed25519/ecdsa/rsa>=2048 keys with
# ssh-keygen's fingerprint, refuses bad and small keys (400), duplicate
# fingerprints across users (409) and unknown fields; lists only one's own
# keys and deletes by id or name.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

berthd_start
KA=$(mkuser "sshk$$a")
KB=$(mkuser "sshk$$b")
for t in ed25519 ecdsa rsa; do
	mkkey "$T_TMP/id_$t" "$t"
done
ssh-keygen -q -t rsa -b 1024 -N '' -f "$T_TMP/id_small" >/dev/null

body() {
	python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[2],"public_key":open(sys.argv[1]).read()}))' "$1" "$2"
}
field() {
	python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

for t in ed25519 ecdsa rsa; do
	api POST /v1/ssh-keys "$(body "$T_TMP/id_$t.pub" "k-$t")" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
	[ "$HTTP_CODE" = 201 ] || fail "add $t: $HTTP_CODE $out"
	want=$(ssh-keygen -l -E sha256 -f "$T_TMP/id_$t.pub" | cut -d' ' -f2)
	got=$(printf '%s' "$out" | field fingerprint)
	[ "$got" = "$want" ] || fail "$t fingerprint $got != $want"
done

api POST /v1/ssh-keys "$(body "$T_TMP/id_small.pub" small)" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 400 ] || fail "rsa 1024 accepted: $HTTP_CODE"
printf '%s' "$out" | grep -q 2048 || fail "rsa 1024 message: $out"
api POST /v1/ssh-keys '{"name":"x","public_key":"ssh-ed25519 AAAAnope"}' "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 400 ] || fail "garbage key: $HTTP_CODE"
api POST /v1/ssh-keys '{"nmae":"x","public_key":"ssh-ed25519 AAAA"}' "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 400 ] || fail "unknown field: $HTTP_CODE"

# The same key for another user, or again: 409.
api POST /v1/ssh-keys "$(body "$T_TMP/id_ed25519.pub" mine)" "$KB" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 409 ] || fail "duplicate across users: $HTTP_CODE"
api POST /v1/ssh-keys "$(body "$T_TMP/id_ed25519.pub" again)" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 409 ] || fail "duplicate: $HTTP_CODE"

# B sees none of A's keys and cannot delete them.
api GET /v1/ssh-keys "" "$KB" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 200 ] && [ "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] ||
	fail "B lists: $out"
api GET /v1/ssh-keys "" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
n=$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 3 ] || fail "A has $n keys: $out"
id=$(printf '%s' "$out" | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if k["name"]=="k-rsa"][0])')
api DELETE "/v1/ssh-keys/$id" "" "$KB" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 404 ] || fail "B deleted A's key: $HTTP_CODE"

# Delete by id, by name; then it is gone (404) and can be added by B.
api DELETE "/v1/ssh-keys/$id" "" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 204 ] || fail "delete by id: $HTTP_CODE"
api DELETE /v1/ssh-keys/k-ed25519 "" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 204 ] || fail "delete by name: $HTTP_CODE"
api DELETE /v1/ssh-keys/k-ed25519 "" "$KA" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 404 ] || fail "delete twice: $HTTP_CODE"
api POST /v1/ssh-keys "$(body "$T_TMP/id_ed25519.pub" mine)" "$KB" >"$WORK/o"; HTTP_CODE=$STATUS; out=$(cat "$WORK/o")
[ "$HTTP_CODE" = 201 ] || fail "re-add after delete: $HTTP_CODE"
echo ok
