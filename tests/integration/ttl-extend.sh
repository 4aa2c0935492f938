#!/usr/bin/env bash
# ttl-extend: PATCH ttl sets a new TTL from now within the admin's maximum
# (--max-ttl): a workspace about to expire is kept by it, expires_at in
# the JSON moves, a TTL over the maximum is a 400 that names it; the
# workspace stops at the new expiry with reason=ttl.
. "$(dirname "$0")/lib.sh"
berthd_start --max-ttl 2h
KA=$(mkuser tess)
W='"memory":"64m","cpus":0.2,"idle_timeout":0,"wait":true'
expect 201 POST /v1/workspaces "{\"name\":\"soon\",\"ttl\":\"3s\",$W}" "$KA"
e0=$(jget "$BODY" .expires_at)
[ "$e0" != null ] || fail "no expires_at: $BODY"
expect 200 PATCH /v1/workspaces/soon '{"ttl":"1h"}' "$KA"
e1=$(jget "$BODY" .expires_at)
[ "$(date -d "$e1" +%s)" -ge "$(($(date +%s) + 3590))" ] || fail "expires_at after PATCH: $e1 (was $e0)"
expect 400 PATCH /v1/workspaces/soon '{"ttl":"3h"}' "$KA"
grep -q "maximum" <<<"$BODY" || fail "400 does not name the maximum: $BODY"
sleep 6
expect 200 GET /v1/workspaces/soon "" "$KA"
assert_eq "$(jget "$BODY" .state)" running "extended workspace"
ok "PATCH ttl extends from now within --max-ttl (over it: 400 naming the maximum)"

# A short new TTL: it stops then, and says why.
expect 200 PATCH /v1/workspaces/soon '{"ttl":"2s"}' "$KA"
wait_for sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $KA' $URL/v1/workspaces/soon | jq -r .state)\" = stopped ]" ||
	fail "not stopped at the new TTL"
api GET /v1/workspaces/soon/events "" "$KA" | jq -e '[.[] | select(.action == "workspace.stop" and (.detail | test("reason=ttl")))] | length == 1' >/dev/null ||
	fail "no ttl stop event"
ok "stopped at the new expiry with reason=ttl"
