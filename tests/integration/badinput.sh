# badinput: malformed and hostile requests each get the right 4xx with the
# SPEC's error shape {"error":{"code","message"}}, and change nothing: the
# workspace, volume and user lists and the engine's containers and volumes
# are the same before and after, and berthd still answers.
. "$(dirname "$0")/lib.sh"
berthd_start

KA=$(mkuser alice)
expect 201 POST /v1/workspaces '{"name":"keep","wait":true,"memory":"64m","cpus":0.2,"volumes":[{"name":"data","mount":"/workspace"}]}' "$KA"
WS=$(jget "$BODY" .id)
expect 201 POST /v1/volumes '{"name":"vol","size_gib":1}' "$KA"

snapshot() {
	local f
	for f in /v1/workspaces /v1/volumes /v1/users /v1/templates /v1/api-keys; do
		api GET "$f" | jq -S . || fail "GET $f is not JSON"
		assert_eq "$(last_status)" 200 "GET $f"
	done
	api GET /v1/workspaces "" "$KA" | jq -S .
	docker ps -a --no-trunc --filter "label=berth.instance=$INSTANCE" \
		--format '{{.ID}} {{.Names}} {{.State}} {{.Labels}}' | sort
	docker volume ls --filter "label=berth.instance=$INSTANCE" \
		--format '{{.Name}}' | sort
	sqlite3 "$STATE/berth.db" "SELECT COUNT(*) FROM workspaces; SELECT COUNT(*) FROM volumes; SELECT COUNT(*) FROM ws_volumes; SELECT COUNT(*) FROM users; SELECT COUNT(*) FROM api_keys;"
}
snapshot >"$WORK/before"

declare -A ECODE=([400]=bad_request [404]=not_found [405]=method_not_allowed
	[413]=too_large)
N=0

# t STATUS METHOD PATH [BODY [CURL-ARGS...]]: one hostile request as alice
# (admin for /v1/users); must answer STATUS with an error body.
t() {
	local want=$1 method=$2 path=$3 body=${4-} key=$KA code
	shift 4 2>/dev/null || shift $#
	case $path in /v1/users*|/v1/templates*) key=$ADMIN_KEY ;; esac
	local -a args=(-sS -o "$WORK/bad.body" -w '%{http_code}' -X "$method"
		-H "Authorization: Bearer $key")
	if [ -n "$body" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$body")
	fi
	code=$(curl "${args[@]}" "$@" "$URL$path") || code="curl-error-$?"
	N=$((N + 1))
	[ "$code" = "$want" ] || fail "case $N: $method $path ${body:0:120} -> $code, want $want: $(head -c 300 "$WORK/bad.body")"
	{
		printf '{"what":"case %d: %s %s","want":"%s","resp":' "$N" \
			"$method" "$path" "${ECODE[$want]}"
		tr -d '\n' <"$WORK/bad.body"
		printf '}\n'
	} >>"$WORK/errors"
}
W=/v1/workspaces

# ---- body syntax ----
t 400 POST $W '{"name":'
t 400 POST $W '[{"name":"x"}]'
t 400 POST $W '"x"'
t 400 POST $W 'null'
t 400 POST $W '{"name":"x"} trailing'
t 400 POST $W '{"name":"a","name":"b"}'
t 400 POST $W "{'name':'x'}"
t 400 POST $W $'{"name":"\xff\xfe"}'
# Deep nesting: refused before the parser recurses (1000 levels used to
# overflow a worker thread's stack).
t 400 POST $W "$(printf '[%.0s' $(seq 1000))"
t 400 POST $W "$(printf '{"a":%.0s' $(seq 200))1$(printf '}%.0s' $(seq 200))"
t 400 POST $W '{"name":"x","cpus":1e999}'
t 400 POST $W '{"name":"x","memory":99999999999999999999999}'
# Over 1 MiB: with a length, and chunked with none.
head -c $((1024 * 1024 + 100)) /dev/zero | tr '\0' a | sed 's/^/{"name":"x","pad":"/; s/$/"}/' >"$WORK/huge.json"
t 413 POST $W "" --data-binary @"$WORK/huge.json" -H 'Content-Type: application/json'
t 413 POST $W "" --data-binary @"$WORK/huge.json" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked'
t 413 POST /v1/volumes "" --data-binary @"$WORK/huge.json" -H 'Content-Type: application/json'

# ---- wrong types, every create field ----
for f in '"name":5' '"name":null' '"name":["x"]' '"template":5' '"image":true' \
	'"gpu":1' '"cpus":"lots"' '"cpus":true' '"cpus":[1]' '"memory":[1]' \
	'"memory":true' '"env":"A=B"' '"env":["A=B"]' '"env":{"A":1}' \
	'"env":{"A":null}' '"ports":"22"' '"ports":["22"]' '"ports":[1.5]' \
	'"volumes":{"name":"d","mount":"/w"}' '"volumes":"data"' '"volumes":["data"]' \
	'"volumes":[{"name":5,"mount":"/w"}]' '"volumes":[{"name":"d","mount":5}]' \
	'"volumes":[{"name":"d"}]' '"command":5' '"command":[]' '"command":[1]' \
	'"ttl":[1]' '"ttl":true' '"ttl":1.5' '"idle_timeout":{}' '"ssh":5' '"wait":"yes"' \
	'"wait":1'; do
	case $f in '"name"'*) b="{$f}" ;; *) b="{\"name\":\"typed\",$f}" ;; esac
	t 400 POST $W "$b"
done
t 400 POST $W '{}'
t 400 POST $W '{"name":"x","nmae":"y"}'
t 400 POST $W '{"name":"x","Name":"x"}'

# ---- names ----
for n in Bad a.b a/b ../../etc .. "" - -a a- a_b "a b" "ä" \
	"$(printf 'a%.0s' $(seq 64))" 'a\u0000b' 'a\nb' '$(id)' '`id`' 'a;b'; do
	t 400 POST $W "{\"name\":\"$n\"}"
done

# ---- users ----
for n in Root 1abc a.b "$(printf 'a%.0s' $(seq 33))" "" "a b" ../x admin/x; do
	t 400 POST /v1/users "{\"name\":\"$n\"}"
done
t 400 POST /v1/users '{"name":"newuser","role":"root"}'
t 400 POST /v1/users '{"name":"newuser","role":5}'
t 400 POST /v1/users '{"name":"newuser","max_workspaces":-1}'
t 400 POST /v1/users '{"name":"newuser","max_workspaces":"10"}'
t 400 POST /v1/users '{"name":"newuser","admin":true}'

# ---- images, templates ----
for i in alpine 'berth/workspace:latest;rm -rf /' 'berth/workspace:latest ' \
	'../../x' '-x' 'berth/workspace:other' 'BERTH/WORKSPACE:LATEST' \
	'docker.io/library/berth/workspace:latest' '$(id)'; do
	t 400 POST $W "{\"name\":\"img\",\"image\":\"$i\"}"
done
t 400 POST $W '{"name":"tp","template":"nope"}'
t 400 POST $W '{"name":"tp","template":"../default"}'
t 400 POST $W '{"name":"tp","template":"Default"}'
t 400 POST /v1/templates '{"name":"Bad","image":"berth/workspace:latest"}'
t 400 POST /v1/templates '{"name":"ok","image":"x;rm -rf /"}'
t 400 POST /v1/templates '{"name":"ok","image":"berth/workspace:latest","privileged":true}'
t 400 POST /v1/templates '{"name":"ok","image":"berth/workspace:latest","cpus":"2"}'

# ---- resources and durations ----
for v in 0 -1 -0.5 65 1000000 '"-1"' '"abc"' '"1e999"'; do
	t 400 POST $W "{\"name\":\"res\",\"cpus\":$v}"
done
for v in '"-1g"' '"1k"' '"99999t"' '"16q"' '"g"' '""' 0 -1 1024 '"15m"' '"513g"'; do
	t 400 POST $W "{\"name\":\"res\",\"memory\":$v}"
done
for v in '"abc"' -5 '"-1h"' '"1h-"' '"1x"' '""' '"h"' 999999999999; do
	t 400 POST $W "{\"name\":\"dur\",\"ttl\":$v}"
	t 400 POST $W "{\"name\":\"dur\",\"idle_timeout\":$v}"
done

# ---- env ----
for k in 1BAD A=B NVIDIA_VISIBLE_DEVICES BERTH_WORKSPACE "" "A B" "A-B" 'A\u0000'; do
	t 400 POST $W "{\"name\":\"envy\",\"env\":{\"$k\":\"v\"}}"
done
t 400 POST $W '{"name":"envy","env":{"A":"x\u0000y"}}'
t 400 POST $W "{\"name\":\"envy\",\"env\":{\"A\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}}"
t 400 POST $W "{\"name\":\"envy\",\"env\":{$(for i in $(seq 51); do printf '"K%d":"v",' "$i"; done)\"Z\":\"v\"}}"

# ---- mounts ----
for m in relative "" / /etc /etc/x /proc/x /sys /dev/shm /usr/local /var/run/docker.sock \
	/var/lib/docker /workspace/../etc /workspace/.. /workspace//x /workspace/ \
	/workspace/./x /workspace/. '/work\u0001space' '/work\nspace' /boot /run/x; do
	t 400 POST $W "{\"name\":\"mnt\",\"volumes\":[{\"name\":\"data\",\"mount\":\"$m\"}]}"
done
t 400 POST $W '{"name":"mnt","volumes":[{"name":"a","mount":"/w"},{"name":"b","mount":"/w"}]}'
t 400 POST $W '{"name":"mnt","volumes":[{"name":"a","mount":"/w"},{"name":"a","mount":"/x"}]}'
for v in Data ../x x.y ""; do
	t 400 POST $W "{\"name\":\"mnt\",\"volumes\":[{\"name\":\"$v\",\"mount\":\"/w\"}]}"
done
t 400 POST $W '{"name":"mnt","volumes":[{"name":"d","mount":"/w","readonly":true}]}'
t 400 POST $W "{\"name\":\"mnt\",\"volumes\":[$(for i in $(seq 17); do printf '{"name":"v%d","mount":"/m%d"},' "$i" "$i"; done){\"name\":\"z\",\"mount\":\"/z\"}]}"

# ---- ports, ssh, gpu, command ----
for p in 0 70000 -1 65536; do
	t 400 POST $W "{\"name\":\"prt\",\"ports\":[$p]}"
done
t 400 POST $W '{"name":"sh","ssh":"telnet"}'
t 400 POST $W '{"name":"sh","ssh":""}'
t 400 POST $W '{"name":"g","gpu":"a\u0001b"}'
t 400 POST $W '{"name":"g","gpu":"1g.10gb\n"}'
t 400 POST $W '{"name":"c","command":"a\u0000b"}'
t 400 POST $W '{"name":"c","command":["sh","a\u0000b"]}'

# ---- PATCH and actions ----
t 400 PATCH $W/$WS '{"nmae":"x"}'
t 400 PATCH $W/$WS '{"state":"running"}'
t 400 PATCH $W/$WS '{"owner":"admin"}'
t 400 PATCH $W/$WS '{"name":"Bad"}'
t 400 PATCH $W/$WS '{"name":"../x"}'
t 400 PATCH $W/$WS '{"ttl":"abc"}'
t 400 PATCH $W/$WS '{"ttl":-1}'
t 400 PATCH $W/$WS '{"idle_timeout":"-5m"}'
t 400 PATCH $W/$WS '[]'
t 400 PATCH $W/$WS '{"ttl":'
t 400 POST $W/$WS/stop '{"force":true}'
t 400 POST $W/$WS/redeploy '{"image":"alpine"}'
t 400 POST $W/$WS/restart '[1]'

# ---- volumes ----
for b in '{"name":"Up"}' '{"name":"v/x"}' '{"name":"v","size":"-1g"}' \
	'{"name":"v","size":"0"}' '{"name":"v","size":"abc"}' '{"name":"v","size_gib":-1}' \
	'{"name":"v","size_gib":0}' '{"name":"v","size_gib":"10"}' '{"name":"v","size_gib":1.5}' \
	'{"name":"v","driver":"local"}' '{"size_gib":1}' '{"name":"v","size_gib":100001}'; do
	t 400 POST /v1/volumes "$b"
done
t 400 PATCH /v1/volumes/vol '{"size":"abc"}'
t 400 PATCH /v1/volumes/vol '{"size_gib":-3}'
t 400 PATCH /v1/volumes/vol '{"name":"other"}'

# ---- keys ----
t 400 POST /v1/api-keys '{"name":5}'
t 400 POST /v1/api-keys '{"name":"a\u0001"}'
t 400 POST /v1/api-keys '{"scope":"admin"}'

# ---- routes, methods, queries, traversal ----
for p in "$W/..%2f..%2fetc" "$W/..%2F..%2Fetc%2Fpasswd" "$W/%2e%2e" "$W/%2e%2e%2f" \
	"$W/..%5c..%5cetc" "$W/keep%2f..%2f..%2fx" "/v1/volumes/..%2fvol" \
	"/v1/volumes/%2e%2e" "/v1/templates/..%2fdefault" "/v1/users/..%2fadmin" \
	"/v1/nope" "/v2/workspaces" "/v1/workspaces/$WS/nope" "/v1/workspaces/x/y/z" \
	"/V1/workspaces" "/v1/workspaces/$WS/events/x"; do
	t 404 GET "$p"
done
t 400 GET "$W/%00$WS"
t 400 GET "$W/$WS%00"
t 400 POST "$W/$WS%00/stop" '{}'
t 404 DELETE "$W/..%2f..%2fetc"
t 404 DELETE "/v1/volumes/..%2f..%2fvar%2flib%2fdocker"
t 405 PUT $W '{"name":"x"}'
t 405 DELETE $W
t 405 PATCH /v1/users '{}'
t 405 POST "$W/$WS" '{}'
t 405 PUT "/v1/volumes/vol" '{}'
t 405 GET "$W/$WS/stop"
t 400 GET "$W?state=bogus"
t 400 GET "$W?state=RUNNING"
t 400 GET "/v1/events?since=yesterday"
t 400 GET "/v1/events?limit=0"
t 400 GET "/v1/events?limit=abc"
t 400 GET "$W/$WS/events?since=garbage"

echo "$N hostile requests answered as expected"

bad=$(jq -r 'select((.resp.error.code != .want) or
	((.resp.error.message | type) != "string") or (.resp.error.message == "")
	or ((.resp | keys) != ["error"])) | "\(.what): \(.resp)"' "$WORK/errors") ||
	fail "an error body is not JSON"
[ -z "$bad" ] || fail "error bodies not of the SPEC's shape: $bad"
ok "$N malformed/hostile requests -> the right 4xx with {error:{code,message}}"

curl -fsS "$URL/healthz" >/dev/null || fail "berthd is not healthy after the hostile requests"
snapshot >"$WORK/after"
diff -u "$WORK/before" "$WORK/after" >&2 || fail "state or engine changed"
[ "$(docker inspect -f '{{.State.Running}}' "$(cname "$WS")")" = true ] ||
	fail "the existing workspace stopped running"
ok "no change in store or engine; berthd healthy"
