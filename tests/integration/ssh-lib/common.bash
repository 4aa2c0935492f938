# common.bash: helpers for the SSH gateway integration tests (sourced).
# Starts a real berthd on free loopback ports with its own state directory
# and workspace network, makes users, keys and workspaces through the REST
# API, and runs the stock OpenSSH client against the gateway. Everything
# it creates carries a per-test prefix and is removed on exit.
set -euo pipefail

SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
BERTHD=$BUILD_DIR/berthd
T_PFX=bssh$$
T_TMP=$(mktemp -d /tmp/berth-ssh-test.XXXXXX)
T_USERS=()
BERTHD_PID=

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

note() {
	printf '# %s\n' "$*" >&2
}

t_cleanup() {
	local u ids
	set +e
	if [ -n "$BERTHD_PID" ]; then
		kill "$BERTHD_PID" 2>/dev/null
		wait "$BERTHD_PID" 2>/dev/null
	fi
	for u in "${T_USERS[@]}"; do
		ids=$(docker ps -aq --filter "label=berth.owner=$u")
		[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
		ids=$(docker volume ls -q --filter "label=berth.owner=$u")
		[ -n "$ids" ] && docker volume rm -f $ids >/dev/null 2>&1
	done
	docker network rm "$T_PFX-net" >/dev/null 2>&1
	if [ "${T_KEEP:-0}" = 1 ]; then
		echo "kept $T_TMP" >&2
	else
		rm -rf "$T_TMP"
	fi
}
trap t_cleanup EXIT

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts berthd; sets HTTP_PORT, SSH_PORT, API, ADMIN_KEY.
start_berthd() {
	[ -x "$BERTHD" ] || fail "no $BERTHD"
	docker version >/dev/null 2>&1 || fail "docker engine not reachable"
	docker image inspect berth/workspace:latest >/dev/null 2>&1 ||
		fail "image berth/workspace:latest missing: run scripts/build-images.sh"
	HTTP_PORT=$(free_port)
	SSH_PORT=$(free_port)
	API=http://127.0.0.1:$HTTP_PORT
	"$BERTHD" --listen "127.0.0.1:$HTTP_PORT" \
	    --ssh-listen "127.0.0.1:$SSH_PORT" --state-dir "$T_TMP/state" \
	    --network "$T_PFX-net" --log-level "${T_LOG_LEVEL:-info}" \
	    "$@" >"$T_TMP/berthd.log" 2>&1 &
	BERTHD_PID=$!
	local i
	for i in $(seq 1 100); do
		if curl -fsS "$API/healthz" >/dev/null 2>&1 &&
		    [ -s "$T_TMP/state/admin.key" ]; then
			ADMIN_KEY=$(cat "$T_TMP/state/admin.key")
			return 0
		fi
		kill -0 "$BERTHD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T_TMP/berthd.log" >&2
	fail "berthd did not start"
}

# api KEY METHOD PATH [JSON]: sets BODY and HTTP_CODE (call it directly,
# not in $(...), or they are lost).
api() {
	local key=$1 method=$2 path=$3 body=${4:-}
	local out
	if [ -n "$body" ]; then
		out=$(curl -sS -X "$method" -H "Authorization: Bearer $key" \
		    -H 'Content-Type: application/json' --data "$body" \
		    -w '\n%{http_code}' "$API$path")
	else
		out=$(curl -sS -X "$method" -H "Authorization: Bearer $key" \
		    -w '\n%{http_code}' "$API$path")
	fi
	HTTP_CODE=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

# mkuser NAME: creates the user (admin) and writes an API key for them
# to $T_TMP/key.NAME (see ukey).
mkuser() {
	local name=$1 out
	T_USERS+=("$name")
	api "$ADMIN_KEY" POST /v1/users "{\"name\":\"$name\",\"role\":\"user\"}"
	[ "$HTTP_CODE" = 201 ] || fail "create user $name: $HTTP_CODE $BODY"
	api "$ADMIN_KEY" POST "/v1/users/$name/api-keys" '{"name":"t"}'
	[ "$HTTP_CODE" = 201 ] || fail "api key for $name: $HTTP_CODE $BODY"
	printf '%s' "$BODY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' >"$T_TMP/key.$name"
}

ukey() {
	cat "$T_TMP/key.$1"
}

# mkkey FILE [TYPE]: a fresh key pair at FILE (ed25519 by default).
mkkey() {
	ssh-keygen -q -t "${2:-ed25519}" -N '' -C "test@$T_PFX" -f "$1" >/dev/null
}

# addkey APIKEY PUBFILE [NAME]
addkey() {
	local body
	body=$(python3 -c 'import json,sys; print(json.dumps({"name":sys.argv[2],"public_key":open(sys.argv[1]).read()}))' "$2" "${3:-k$RANDOM}")
	api "$1" POST /v1/ssh-keys "$body"
	[ "$HTTP_CODE" = 201 ] || fail "add key $2: $HTTP_CODE $BODY"
}

# mkws APIKEY NAME [EXTRA-JSON-FIELDS]: creates a running workspace.
mkws() {
	api "$1" POST /v1/workspaces "{\"name\":\"$2\",\"wait\":true${3:+,$3}}"
	[ "$HTTP_CODE" = 201 ] || fail "create workspace $2: $HTTP_CODE $BODY"
}

# gssh KEYFILE LOGIN [ssh args...]: the stock client against the gateway.
gssh() {
	local key=$1 login=$2
	shift 2
	ssh -F /dev/null -p "$SSH_PORT" -i "$key" -o IdentitiesOnly=yes \
	    -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile="$T_TMP/known_hosts" -o LogLevel=ERROR \
	    -o ConnectTimeout=20 "$login@127.0.0.1" "$@"
}

# Common ssh options for scp/sftp/rsync -e (KEYFILE).
ssh_opts() {
	printf '%s' "-F /dev/null -i $1 -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=$T_TMP/known_hosts -o LogLevel=ERROR"
}

# The usual fixture: berthd, user A with a key and a running workspace.
# Sets UA (user), KA (API key), IDA (key file), WSA (workspace name).
setup_one() {
	start_berthd "$@"
	UA=$T_PFX-a
	mkuser "$UA"
	KA=$(ukey "$UA")
	IDA=$T_TMP/id_a
	mkkey "$IDA"
	addkey "$KA" "$IDA.pub" laptop
	WSA=w1
	mkws "$KA" "$WSA"
}
