# authz: the authorization matrix. Every route x (no key, bad key in
# either header form, another user's key, the owner's key, an admin key)
# answers the status in the table below; a user never sees another's
# workspaces or volumes (lists, id, prefix, name, events), and prefix
# resolution is per caller (ambiguous -> 409 with the candidates).
. "$(dirname "$0")/lib.sh"
berthd_start

BADKEY=berth_000000000000_$(printf '0%.0s' $(seq 64))

# call WHO METHOD PATH [BODY]: a request as WHO; sets CODE and RESP.
# WHO: none | bad (Bearer) | hbad (api-key:) | other (bob, Bearer) |
# owner (alice, api-key: header) | admin (Bearer).
call() {
	local who=$1 method=$2 path=$3 body=${4-}
	local -a args=(-sS -o "$WORK/authz.body" -w '%{http_code}' -X "$method")
	case $who in
	none) ;;
	bad) args+=(-H "Authorization: Bearer $BADKEY") ;;
	hbad) args+=(-H "api-key: $BADKEY") ;;
	other) args+=(-H "Authorization: Bearer $KB") ;;
	owner) args+=(-H "api-key: $KA") ;;
	admin) args+=(-H "Authorization: Bearer $ADMIN_KEY") ;;
	*) args+=(-H "Authorization: Bearer $who") ;;
	esac
	if [ -n "$body" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	CODE=$(curl "${args[@]}" "$URL$path")
	RESP=
	IFS= read -r -d '' RESP <"$WORK/authz.body" || true
	RESP=${RESP%$'\n'}
}

# The SPEC's error code for each error status.
declare -A ECODE=([401]=unauthorized [403]=forbidden [404]=not_found
	[409]=conflict)

KA=$(mkuser alice)
KB=$(mkuser bob)
VKEY=$(mkuser victim)

# Alice's objects the matrix works on.
expect 201 POST /v1/workspaces '{"name":"same","wait":true,"memory":"64m","cpus":0.2}' "$KA"
WS=$(jget "$BODY" .id)
expect 201 POST /v1/volumes '{"name":"av","size_gib":1}' "$KA"
VOL=$(jget "$BODY" .id)
expect 201 POST /v1/api-keys '{"name":"spare"}' "$KA"
AKEY=$(jget "$BODY" .id)
AKEY_SECRET=$(jget "$BODY" .key)
TMPL=tdel
expect 201 POST /v1/templates "{\"name\":\"$TMPL\",\"image\":\"berth/workspace:latest\"}"
# Bob's own workspace of the same name.
expect 201 POST /v1/workspaces '{"name":"same","wait":false,"memory":"64m","cpus":0.2}' "$KB"
BWS=$(jget "$BODY" .id)

# Targets that a row deletes; made again when gone.
WSDEL= VOLDEL=
ensure_wsdel() {
	api GET "/v1/workspaces/${WSDEL:-none}" >/dev/null
	[ "$(last_status)" = 200 ] && return
	api POST /v1/workspaces '{"name":"del","wait":false,"memory":"64m","cpus":0.2}' "$KA" >"$WORK/e"
	[ "$(last_status)" = 201 ] || fail "ensure_wsdel: $(cat "$WORK/e")"
	WSDEL=$(jq -r .id "$WORK/e")
}
ensure_voldel() {
	api GET "/v1/volumes/${VOLDEL:-none}" >/dev/null
	[ "$(last_status)" = 200 ] && return
	api POST /v1/volumes '{"name":"vdel","size_gib":1}' "$KA" >"$WORK/e"
	[ "$(last_status)" = 201 ] || fail "ensure_voldel: $(cat "$WORK/e")"
	VOLDEL=$(jq -r .id "$WORK/e")
}

# METHOD PATH BODY | other owner admin | setup. No key / bad key (both
# header forms) is 401 on every row. @X is replaced by $X. Columns are
# tried in the order none bad hbad other admin owner.
MATRIX='
GET    /healthz                        -                               | 200 200 200 | -
GET    /v1/account                     -                               | 200 200 200 | -
GET    /v1/users                       -                               | 403 403 200 | -
POST   /v1/users                       {"name":"made"}                 | 403 403 201 | -
GET    /v1/users/alice                 -                               | 403 403 200 | -
DELETE /v1/users/victim                -                               | 403 403 204 | -
POST   /v1/users/alice/api-keys        {}                              | 403 403 201 | -
GET    /v1/api-keys                    -                               | 200 200 200 | -
POST   /v1/api-keys                    {"name":"k2"}                   | 201 201 201 | -
DELETE /v1/api-keys/@AKEY              -                               | 404 204 404 | -
GET    /v1/templates                   -                               | 200 200 200 | -
GET    /v1/templates/default           -                               | 200 200 200 | -
POST   /v1/templates                   {"name":"tnew","image":"berth/workspace:latest"} | 403 403 201 | -
DELETE /v1/templates/@TMPL             -                               | 403 403 204 | -
GET    /v1/volumes                     -                               | 200 200 200 | -
POST   /v1/volumes                     {"name":"vmade","size_gib":1}   | 201 201 201 | -
GET    /v1/volumes/@VOL                -                               | 404 200 200 | -
PATCH  /v1/volumes/@VOL                {"size_gib":2}                  | 404 200 200 | -
DELETE /v1/volumes/@VOLDEL             -                               | 404 204 204 | ensure_voldel
GET    /v1/workspaces                  -                               | 200 200 200 | -
POST   /v1/workspaces                  {"name":"wmade","wait":false,"memory":"64m","cpus":0.2} | 201 201 201 | -
GET    /v1/workspaces/@WS              -                               | 404 200 200 | -
PATCH  /v1/workspaces/@WS              {"idle_timeout":"40m"}          | 404 200 200 | -
POST   /v1/workspaces/@WS/stop         -                               | 404 200 200 | -
POST   /v1/workspaces/@WS/start        -                               | 404 200 200 | -
POST   /v1/workspaces/@WS/restart      -                               | 404 200 200 | -
POST   /v1/workspaces/@WS/redeploy     -                               | 404 200 200 | -
GET    /v1/workspaces/@WS/events       -                               | 404 200 200 | -
DELETE /v1/workspaces/@WSDEL           -                               | 404 204 204 | ensure_wsdel
GET    /v1/events                      -                               | 200 200 200 | -
GET    /v1/events?workspace=@WS        -                               | 404 200 200 | -
GET    /v1/ssh-keys                    -                               | 200 200 200 | -
'

rows=0 calls=0
while IFS= read -r line; do
	[ -n "${line// }" ] || continue
	read -r method path body <<<"${line%%|*}"
	rest=${line#*|}
	read -r e_other e_owner e_admin <<<"${rest%%|*}"
	setup=${rest#*|}
	setup=${setup// /}
	[ "$body" = - ] && body=
	for who in none bad hbad other admin owner; do
		[ "$setup" = - ] || "$setup"
		p=$path
		for var in VOLDEL WSDEL WS VOL AKEY TMPL; do
			p=${p//@$var/${!var}}
		done
		case $who in
		none|bad|hbad) want=401 ;;
		other) want=$e_other ;;
		owner) want=$e_owner ;;
		admin) want=$e_admin ;;
		esac
		[ "$path" != /healthz ] || want=200
		call "$who" "$method" "$p" "$body"
		calls=$((calls + 1))
		[ "$CODE" = "$want" ] || fail "$method $p as $who -> $CODE, want $want: $RESP"
		# Error bodies are checked in one go after the loop.
		[ "$want" -lt 400 ] || printf '{"what":"%s %s as %s","want":"%s","resp":%s}\n' \
			"$method" "$p" "$who" "${ECODE[$want]}" "$RESP" >>"$WORK/errors"
	done
	rows=$((rows + 1))
	[ -z "${AUTHZ_TRACE-}" ] || echo "$(date +%T) $method $path" >&2
done <<<"$MATRIX"
bad=$(jq -r 'select((.resp.error.code != .want) or
	((.resp.error.message | type) != "string") or (.resp.error.message == "")
	or ((.resp | keys) != ["error"])) | "\(.what): \(.resp)"' "$WORK/errors") ||
	fail "an error body is not JSON"
[ -z "$bad" ] || fail "error bodies not of the SPEC's shape: $bad"
nerr=$(wc -l <"$WORK/errors")
ok "matrix: $rows routes, $calls requests, each with the expected status ($nerr error bodies of the SPEC's shape)"

# Who the owner column really was (the api-key: header form).
call owner GET /v1/account
assert_eq "$(jget "$RESP" .user)" alice "api-key: header user"
# Revoked keys and keys of deleted users no longer work.
call "$AKEY_SECRET" GET /v1/account
assert_eq "$CODE" 401 "revoked key"
call "$VKEY" GET /v1/account
assert_eq "$CODE" 401 "key of a deleted user"
# A real key id with a wrong secret; a non-Bearer scheme.
call "${KA:0:19}$(printf 'f%.0s' $(seq 64))" GET /v1/account
assert_eq "$CODE" 401 "right key id, wrong secret"
CODE=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Basic $KA" "$URL/v1/account")
assert_eq "$CODE" 401 "Authorization: Basic with a key"
ok "api-key: header works; revoked, deleted-user, wrong-secret, Basic keys -> 401"

# ---- visibility: lists, id, prefix, name ----
call other GET /v1/workspaces
ids=$(jget "$RESP" '[.[].owner] | unique | join(",")')
assert_eq "$ids" bob "owners in bob's list"
! grep -q "$WS" <<<"$RESP" || fail "alice's workspace in bob's list"
call owner GET /v1/workspaces
assert_eq "$(jget "$RESP" '[.[].owner] | unique | join(",")')" alice "owners in alice's list"
! grep -q "$BWS" <<<"$RESP" || fail "bob's workspace in alice's list"
call admin GET /v1/workspaces
assert_eq "$(jget "$RESP" '[.[].owner] | unique | join(",")')" admin,alice,bob "owners in admin's list"
for ref in "$WS" "${WS:0:4}" "${WS:0:8}" "${WS:0:23}" alice/same; do
	call other GET "/v1/workspaces/$ref"
	# A 4-char prefix may match bob's own by chance (1 in 65536).
	if [ "$CODE" = 200 ]; then
		assert_eq "$(jget "$RESP" .owner)" bob "bob resolving $ref"
	else
		assert_eq "$CODE" 404 "bob resolving $ref"
	fi
done
call other GET /v1/workspaces/same
assert_eq "$(jget "$RESP" .id)" "$BWS" "bob's 'same'"
call owner GET /v1/workspaces/same
assert_eq "$(jget "$RESP" .id)" "$WS" "alice's 'same'"
call admin GET /v1/workspaces/same
assert_eq "$CODE" 404 "admin has no workspace named same"
# OWNER/NAME (encoded or not) never reaches another user's workspace.
call other GET /v1/workspaces/alice%2Fsame
assert_eq "$CODE" 404 "bob resolving alice%2Fsame"
call other GET /v1/volumes
! grep -q "$VOL" <<<"$RESP" || fail "alice's volume in bob's list"
for ref in "$VOL" "${VOL:0:6}" av; do
	call other GET "/v1/volumes/$ref"
	assert_eq "$CODE" 404 "bob resolving volume $ref"
done
call other GET /v1/events
n=$(jget "$RESP" "[.[] | select(.target == \"$WS\" or .target == \"$VOL\" or .owner == \"alice\")] | length")
assert_eq "$n" 0 "alice's events seen by bob"
call owner GET /v1/events
n=$(jget "$RESP" "[.[] | select(.target == \"$WS\")] | length")
[ "$n" -gt 0 ] || fail "alice does not see her own workspace's events"
ok "a user never sees another's workspaces/volumes/events (list, id, prefixes, name)"

# ---- prefix resolution per caller ----
# Records whose ids share a prefix are put into the store directly (a
# collision of random UUIDs would need hundreds of workspaces); they are
# stopped with no container, which the reconciler leaves alone.
now=$(date +%s)
sqlite3 "$STATE/berth.db" <<EOF || fail "cannot insert fixture rows"
.timeout 5000
INSERT INTO workspaces (id, name, owner, image, state, cpus, memory,
  pids_limit, created_at) VALUES
 ('abcd0001-0000-4000-8000-000000000001', 'amb1', 'alice',
  'berth/workspace:latest', 'stopped', 1, 268435456, 1024, $now),
 ('abcd0002-0000-4000-8000-000000000002', 'amb2', 'alice',
  'berth/workspace:latest', 'stopped', 1, 268435456, 1024, $now),
 ('abcd0003-0000-4000-8000-000000000003', 'amb3', 'bob',
  'berth/workspace:latest', 'stopped', 1, 268435456, 1024, $now);
EOF
call owner GET /v1/workspaces/abcd
assert_eq "$CODE" 409 "alice: ambiguous prefix"
assert_eq "$(jget "$RESP" .error.code)" conflict "409 error code"
m=$(jget "$RESP" .error.message)
grep -q abcd0001 <<<"$m" && grep -q abcd0002 <<<"$m" || fail "409 lacks candidates: $m"
! grep -q abcd0003 <<<"$m" || fail "409 lists bob's workspace to alice: $m"
call owner GET /v1/workspaces/abcd0002
assert_eq "$CODE:$(jget "$RESP" .name)" 200:amb2 "alice: longer prefix"
call other GET /v1/workspaces/abcd
assert_eq "$CODE:$(jget "$RESP" .name)" 200:amb3 "bob: the prefix is his alone"
call other GET /v1/workspaces/abcd0001
assert_eq "$CODE" 404 "bob: alice's unique prefix"
call admin GET /v1/workspaces/abcd
assert_eq "$CODE" 409 "admin: ambiguous prefix over all users"
m=$(jget "$RESP" .error.message)
grep -q abcd0001 <<<"$m" && grep -q abcd0003 <<<"$m" || fail "admin 409 lacks candidates: $m"
for ref in a ab abc; do
	call admin GET "/v1/workspaces/$ref"
	assert_eq "$CODE" 404 "prefix '$ref' shorter than 4"
done
call owner POST /v1/workspaces/abcd/stop
assert_eq "$CODE" 409 "action on an ambiguous prefix"
call owner DELETE /v1/workspaces/abcd
assert_eq "$CODE" 409 "delete by an ambiguous prefix"
call owner GET /v1/workspaces/abcd0001
assert_eq "$CODE" 200 "ambiguous delete deleted something"
call owner GET /v1/workspaces/abcd0002
assert_eq "$CODE" 200 "ambiguous delete deleted something"
ok "prefixes resolve per caller: 409 with candidates, shorter than 4 -> 404"

# ---- a scoped principal: keys limited to scopes and workspaces ----
# SK: exec+files on "same" only; RK: read on everything; LK: lifecycle on
# "same" only. WS2 is another of alice's workspaces, outside SK's and
# LK's reach.
expect 201 POST /v1/workspaces '{"name":"two","wait":true,"memory":"64m","cpus":0.2}' "$KA"
WS2=$(jget "$BODY" .id)
expect 201 POST /v1/api-keys '{"name":"agent","scopes":["exec","files"],"workspaces":["same"],"expires_in":"1h"}' "$KA"
SK=$(jget "$BODY" .key)
assert_eq "$(jget "$BODY" '.scopes | join(",")'):$(jget "$BODY" '.workspaces | join(",")')" exec,files:same "scoped key as created"
[ "$(jget "$BODY" .expires_at)" != null ] || fail "no expires_at: $BODY"
expect 201 POST /v1/api-keys '{"name":"ro","scopes":["read"]}' "$KA"
RK=$(jget "$BODY" .key)
# LK names the workspace by id, not by name.
expect 201 POST /v1/api-keys "{\"name\":\"lc\",\"scopes\":[\"lifecycle\"],\"workspaces\":[\"$WS\"]}" "$KA"
LK=$(jget "$BODY" .key)
expect 200 GET /v1/api-keys "" "$KA"
assert_eq "$(jget "$BODY" '[.[] | select(.name == "agent") | .scopes | join(",")] | .[0]')" exec,files "scopes in the key list"
assert_eq "$(jget "$BODY" '[.[] | select(.name == "spare2" or .name == "k2") | .scopes | length] | .[0]')" 0 "an unscoped key lists no scopes"

# METHOD PATH BODY | SK RK LK. Columns are tried in that order.
SMATRIX='
GET    /v1/account                           -                        | 200 200 200
GET    /v1/api-keys                          -                        | 403 403 403
POST   /v1/api-keys                          {"name":"esc"}           | 403 403 403
GET    /v1/workspaces                        -                        | 403 200 403
GET    /v1/workspaces/@WS                    -                        | 403 200 403
GET    /v1/workspaces/@WS2                   -                        | 403 200 403
POST   /v1/workspaces/@WS/exec               {"argv":["true"]}        | 200 403 403
POST   /v1/workspaces/same/exec              {"argv":["true"]}        | 200 403 403
POST   /v1/workspaces/@WS2/exec              {"argv":["true"]}        | 403 403 403
POST   /v1/workspaces/two/exec               {"argv":["true"]}        | 403 403 403
PUT    /v1/workspaces/@WS/files?path=/tmp/az {"a":1}                  | 200 403 403
GET    /v1/workspaces/@WS/files?path=/tmp/az -                        | 200 403 403
GET    /v1/workspaces/@WS2/files?path=/etc/hostname -                 | 403 403 403
POST   /v1/workspaces/@WS/terminal           -                        | 201 403 403
GET    /w/@WS/ports/8999/                    -                        | 502 403 403
GET    /w/@WS2/ports/8999/                   -                        | 403 403 403
POST   /v1/workspaces/@WS2/terminal          -                        | 403 403 403
GET    /v1/workspaces/@WS/logs?tail=1        -                        | 403 200 403
GET    /v1/workspaces/@WS/stats              -                        | 403 200 403
GET    /v1/workspaces/@WS/events             -                        | 403 200 403
GET    /v1/events                            -                        | 403 200 403
GET    /v1/gpus                              -                        | 403 200 403
GET    /v1/templates                         -                        | 403 200 403
POST   /v1/templates                         {"name":"tx","image":"berth/workspace:latest"} | 403 403 403
GET    /v1/volumes                           -                        | 403 200 403
POST   /v1/volumes                           {"name":"vs","size_gib":1} | 403 403 403
POST   /v1/workspaces                        {"name":"nope","wait":false,"memory":"64m","cpus":0.2} | 403 403 403
PATCH  /v1/workspaces/@WS                    {"idle_timeout":"41m"}   | 403 403 200
PATCH  /v1/workspaces/@WS2                   {"idle_timeout":"41m"}   | 403 403 403
POST   /v1/workspaces/@WS2/stop              -                        | 403 403 403
DELETE /v1/workspaces/@WS2                   -                        | 403 403 403
POST   /v1/workspaces/@WS/restart            -                        | 403 403 200
'
rows=0
: >"$WORK/serrors"
while IFS= read -r line; do
	[ -n "${line// }" ] || continue
	read -r method path body <<<"${line%%|*}"
	read -r e_sk e_rk e_lk <<<"${line#*|}"
	[ "$body" = - ] && body=
	p=$path
	for var in WS2 WS; do
		p=${p//@$var/${!var}}
	done
	for col in SK:$e_sk RK:$e_rk LK:$e_lk; do
		k=${col%%:*} want=${col#*:}
		call "${!k}" "$method" "$p" "$body"
		[ "$CODE" = "$want" ] || fail "$method $p with $k -> $CODE, want $want: $RESP"
		# (The port proxy answers its refusals with an HTML page.)
		[ "$want" != 403 ] || [ "${p#/w/}" != "$p" ] ||
			printf '{"what":"%s %s with %s","resp":%s}\n' \
			"$method" "$p" "$k" "$RESP" >>"$WORK/serrors"
	done
	rows=$((rows + 1))
done <<<"$SMATRIX"
# Every refusal says why: the scope or the workspace it lacks.
bad=$(jq -r 'select(.resp.error.code != "forbidden" or
	(.resp.error.message | test("scope|workspace|without|admin") | not)) |
	"\(.what): \(.resp)"' "$WORK/serrors") || fail "a 403 body is not JSON"
[ -z "$bad" ] || fail "403s that do not say why: $bad"
ok "scoped keys: $rows routes x 3 keys, refused outside their scopes and workspaces with a reason"

# Lists show only the key's workspaces; create is allowed for a listed name.
call "$RK" GET /v1/workspaces
assert_eq "$(jget "$RESP" '[.[].name | select(. == "same" or . == "two" or . == "amb1")] | sort | join(",")')" amb1,same,two "read key: all of alice's"
expect 201 POST /v1/api-keys '{"name":"rl","scopes":["read","lifecycle"],"workspaces":["same","fresh"]}' "$KA"
RLK=$(jget "$BODY" .key)
call "$RLK" GET /v1/workspaces
assert_eq "$(jget "$RESP" '[.[].name] | join(",")')" same "limited list"
call "$RLK" GET /v1/events
assert_eq "$CODE" 403 "all events with a workspace-limited key"
call "$RLK" GET "/v1/events?workspace=same"
assert_eq "$CODE" 200 "events of a listed workspace"
call "$RLK" POST /v1/workspaces '{"name":"fresh","wait":false,"memory":"64m","cpus":0.2}'
assert_eq "$CODE" 201 "create a listed name: $RESP"
call "$RLK" POST /v1/workspaces '{"name":"stale","wait":false,"memory":"64m","cpus":0.2}'
assert_eq "$CODE" 403 "create an unlisted name"
ok "a workspace-limited key lists, reads and creates only its workspaces"

# A dashboard session made from a scoped key is just as limited.
curl -sS -c "$WORK/sk.jar" -H 'Content-Type: application/json' \
	-d "{\"key\":\"$SK\"}" "$URL/v1/session" >"$WORK/sk.login"
CODE=$(curl -sS -b "$WORK/sk.jar" -o "$WORK/sk.out" -w '%{http_code}' "$URL/v1/api-keys")
assert_eq "$CODE" 403 "scoped session: api keys"
CODE=$(curl -sS -b "$WORK/sk.jar" -o "$WORK/sk.out" -w '%{http_code}' "$URL/v1/workspaces/$WS")
assert_eq "$CODE" 403 "scoped session (exec,files): read a workspace"
CODE=$(curl -sS -b "$WORK/sk.jar" -o "$WORK/sk.out" -w '%{http_code}' "$URL/v1/workspaces/$WS2/files?path=/etc/hostname")
assert_eq "$CODE" 403 "scoped session: files of another workspace"
CODE=$(curl -sS -b "$WORK/sk.jar" -o "$WORK/sk.out" -w '%{http_code}' "$URL/v1/workspaces/$WS/files?path=/tmp/az")
assert_eq "$CODE" 200 "scoped session: files of its workspace"
ok "a dashboard session made from a scoped key keeps its limits"

# Bad limits are 400s; an expired key is 401 and says so.
for b in '{"scopes":["root"]}' '{"scopes":"exec"}' '{"workspaces":["../x"]}' \
	'{"expires_in":"soon"}' '{"expires_in":0}' '{"scope":["exec"]}'; do
	call owner POST /v1/api-keys "$b"
	assert_eq "$CODE" 400 "key body $b"
done
# 3 s: expiry is kept in whole seconds, and a loaded machine may take a
# while between the create and the first call.
expect 201 POST /v1/api-keys '{"name":"short","expires_in":"3s"}' "$KA"
EK=$(jget "$BODY" .key)
call "$EK" GET /v1/account
assert_eq "$CODE" 200 "a key before it expires"
sleep 4.1
call "$EK" GET /v1/account
assert_eq "$CODE" 401 "an expired key"
grep -q expired <<<"$RESP" || fail "expired key's 401 does not say so: $RESP"
ok "bad scopes/workspaces/expiry are 400; an expired key is 401 'expired'"
