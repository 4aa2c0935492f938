# openapi: GET /v1/openapi.json documents every route of the route tables
# (none x-undocumented) with parameters, bodies, responses and both auth
# schemes; it passes @apidevtools/swagger-parser and `redocly lint` with
# zero errors; and live responses of this berthd validate against it (ajv).
# The npm validators live in tests/openapi/node_modules (scripts/deps.sh
# installs them; this test does when they are missing).
. "$(dirname "$0")/lib.sh"
NM=$SRC_DIR/tests/openapi
if [ ! -x "$NM/node_modules/.bin/redocly" ] || [ ! -d "$NM/node_modules/ajv-formats" ]; then
	(cd "$NM" && npm ci --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm install of the OpenAPI validators failed"
fi
BERTHD_UNHEALTHY_OK=1 berthd_start --docker-host "unix://$WORK/no-such.sock"
curl -sS -o "$WORK/oa.json" "$URL/v1/openapi.json"
n=$(jq '[.paths[] | keys[]] | length' "$WORK/oa.json")
want=$(ls "$SRC_DIR"/src/*.c | grep -v api-openapi.c | xargs grep -hoE '^\s*\{ "(GET|POST|PUT|PATCH|DELETE)", "/[^"]*"' | tr -d ' \t' | sort -u | wc -l)
assert_eq "$n" "$want" "operations in the document vs (method, path) pairs in the route tables"
und=$(jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] | select(.value["x-undocumented"]) | "\(.key) \($p)"' "$WORK/oa.json")
[ -z "$und" ] || fail "routes without a declaration in api-openapi.c: $und"
assert_eq "$(jq -r '.components.securitySchemes | keys | join(",")' "$WORK/oa.json")" apiKey,bearer "auth schemes"
assert_eq "$(jq -r '.paths["/v1/workspaces"].post.requestBody.content["application/json"].schema["$ref"]' "$WORK/oa.json")" \
	"#/components/schemas/WorkspaceCreate" "create body"
assert_eq "$(jq -r '.paths["/v1/workspaces/{id}/files"].get.parameters | map(.name) | join(",")' "$WORK/oa.json")" "id,path" "files parameters"
assert_eq "$(jq -r '.paths["/v1/workspaces/{id}"].delete.responses | has("204")' "$WORK/oa.json")" true "204 documented"
ok "$n operations, all declared; bodies, parameters, 201/204, both auth schemes"

(cd "$NM" && node -e "require('@apidevtools/swagger-parser').validate('$WORK/oa.json').then(() => console.log('swagger-parser: valid')).catch(e => { console.error(e.message); process.exit(1) })") ||
	fail "swagger-parser rejects the document"
"$NM/node_modules/.bin/redocly" lint "$WORK/oa.json" >"$WORK/lint.txt" 2>&1 ||
	fail "redocly lint: $(grep -iE 'error' "$WORK/lint.txt" | head -10)"
grep -qE 'valid|Woohoo' "$WORK/lint.txt" || fail "redocly lint: $(tail -5 "$WORK/lint.txt")"
ok "swagger-parser valid; redocly lint: 0 errors ($(grep -oE '[0-9]+ warnings?' "$WORK/lint.txt" || echo 0 warnings))"

# Live responses against the document.
: >"$WORK/cases"
i=0
live() { # METHOD TEMPLATE PATH [BODY] [KEY]
	local m=$1 t=$2 p=$3 body=${4-} key=${5-$ADMIN_KEY}
	i=$((i + 1))
	api "$m" "$p" "$body" "$key" >"$WORK/live.$i"
	echo "$m $t $STATUS $WORK/live.$i" >>"$WORK/cases"
}
live GET /healthz /healthz
live GET /v1/account /v1/account
live GET /v1/workspaces /v1/workspaces
live POST /v1/users /v1/users '{"name":"dora"}'
live POST /v1/users /v1/users '{"name":"dora"}'
live GET /v1/users /v1/users
live GET /v1/users/{name} /v1/users/dora
live POST /v1/users/{name}/api-keys /v1/users/dora/api-keys '{"name":"k"}'
live GET /v1/api-keys /v1/api-keys
live GET /v1/templates /v1/templates
live GET /v1/gpus /v1/gpus
live GET /v1/gpus/types /v1/gpus/types
live GET /v1/volumes /v1/volumes
live GET /v1/events /v1/events
live GET /v1/workspaces/{id} /v1/workspaces/nope
live POST /v1/workspaces /v1/workspaces '{"name":"x","wait":true}'
live GET /v1/account /v1/account "" berth_bad
(cd "$NM" && node contract.js "$WORK/oa.json" "$WORK/cases") >"$WORK/contract.txt" ||
	fail "contract: $(cat "$WORK/contract.txt")"
ok "contract: $(tail -1 "$WORK/contract.txt")"
