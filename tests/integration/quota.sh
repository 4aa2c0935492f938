# quota: a user's running-workspace quota holds on create and on start, and
# atomically: 10 concurrent creates against a quota of 3 give exactly 3.
. "$(dirname "$0")/lib.sh"
berthd_start
expect 201 POST /v1/users '{"name":"carol","max_workspaces":2}'
K=$(api POST /v1/users/carol/api-keys '{}' | jq -r .key)

expect 201 POST /v1/workspaces '{"name":"a","wait":true}' "$K"
expect 201 POST /v1/workspaces '{"name":"b","wait":true}' "$K"
expect 429 POST /v1/workspaces '{"name":"c","wait":true}' "$K"
jget "$BODY" .error.message | grep -q "at most 2 running" || fail "message: $BODY"
expect 200 GET /v1/workspaces "" "$K"
assert_eq "$(jget "$BODY" length)" 2 "the refused create left nothing"
expect 200 POST /v1/workspaces/a/stop "" "$K"
expect 201 POST /v1/workspaces '{"name":"c","wait":true}' "$K"
expect 429 POST /v1/workspaces/a/start "" "$K"
assert_eq "$(api GET /v1/workspaces/a "" "$K" | jq -r .state)" stopped "refused start keeps it stopped"
ok "create and start refused at the quota; stopping frees a slot"

expect 201 POST /v1/users '{"name":"dave","max_workspaces":3}'
D=$(api POST /v1/users/dave/api-keys '{}' | jq -r .key)
pids=()
for i in $(seq 10); do
	curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $D" \
		-H 'Content-Type: application/json' -d "{\"name\":\"p$i\"}" "$URL/v1/workspaces" >"$WORK/q$i" &
	pids+=($!)
done
wait "${pids[@]}"
assert_eq "$(cat "$WORK"/q* | grep -c 201)" 3 "creates admitted"
assert_eq "$(cat "$WORK"/q* | grep -c 429)" 7 "creates refused"
expect 200 GET /v1/account "" "$D"
assert_eq "$(jget "$BODY" .usage.workspaces)" 3 "records"
ok "10 concurrent creates, quota 3: exactly 3"
