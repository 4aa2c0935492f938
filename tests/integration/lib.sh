# tests/integration/lib.sh: shared helpers for integration tests. Each test
# sources this, calls berthd_start, and gets a real berthd on free loopback
# ports with its own state dir, talking to the real dockerd. Everything the
# test's berthd made in the engine (labelled with its instance id) is
# removed on exit.
set -euo pipefail

SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
BERTHD=$BUILD_DIR/berthd
BERTH=$BUILD_DIR/berth
TEST_NAME=$(basename "${0%.sh}")
WORK=$(mktemp -d "/tmp/berth-it-$TEST_NAME.XXXXXX")
BERTHD_PID=
INSTANCE=

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	if [ -f "$WORK/berthd.log" ]; then
		echo "--- last berthd log lines ---" >&2
		tail -n 30 "$WORK/berthd.log" >&2
	fi
	exit 1
}

ok() {
	echo "ok - $*"
}

# free_port: a port nobody listens on, below the kernel's ephemeral range
# (client sockets of parallel tests take ports from that range at any
# moment), with 300 ports of room above it for ranges.
free_port() {
	local p lo=32768
	[ -r /proc/sys/net/ipv4/ip_local_port_range ] &&
		read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	while :; do
		p=$(shuf -i 20000-$((lo - 300)) -n 1)
		# Refused means nobody listens there.
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

engine_cleanup() {
	[ -n "$INSTANCE" ] || return 0
	local ids
	ids=$(docker ps -aq --filter "label=berth.instance=$INSTANCE" 2>/dev/null || true)
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	ids=$(docker volume ls -q --filter "label=berth.instance=$INSTANCE" 2>/dev/null || true)
	[ -z "$ids" ] || docker volume rm -f $ids >/dev/null 2>&1 || true
}

cleanup() {
	local rc=$?
	if [ -n "$BERTHD_PID" ] && kill -0 "$BERTHD_PID" 2>/dev/null; then
		kill -TERM "$BERTHD_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$BERTHD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$BERTHD_PID" 2>/dev/null || true
	fi
	engine_cleanup
	# Loop-mounted volumes (vol-loop.c) under the state dir.
	awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/self/mounts |
		while read -r m; do umount "$m" 2>/dev/null ||
			umount -l "$m" 2>/dev/null || true; done
	if [ "${KEEP_WORK:-0}" = 1 ]; then
		echo "work dir kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap cleanup EXIT

# berthd_start [extra flags...]: starts berthd (state dir $WORK/state) and
# waits until /healthz answers 200. Sets URL, ADMIN_KEY, HTTP_PORT, SSH_PORT.
berthd_start() {
	local try
	for try in 1 2 3; do
		if berthd_start_once "$@"; then
			return 0
		fi
		# Another test took a port between the choice and the bind.
		grep -q "Address already in use" "$WORK/berthd.log" ||
			fail "berthd exited at start"
		echo "ports taken, retrying ($try)" >&2
		HTTP_PORT= SSH_PORT=
	done
	fail "berthd could not bind free ports"
}

berthd_start_once() {
	HTTP_PORT=${HTTP_PORT:-$(free_port)}
	SSH_PORT=${SSH_PORT:-$(free_port)}
	STATE=$WORK/state
	URL=http://127.0.0.1:$HTTP_PORT
	"$BERTHD" --listen "127.0.0.1:$HTTP_PORT" \
		--ssh-listen "127.0.0.1:$SSH_PORT" --state-dir "$STATE" \
		--network "${BERTH_TEST_NETWORK:-berth-test}" "$@" \
		>>"$WORK/berthd.out" 2>>"$WORK/berthd.log" &
	BERTHD_PID=$!
	# Healthy is 200; BERTHD_UNHEALTHY_OK=1 accepts the 503 of a berthd
	# whose engine is down (it still serves).
	local want=200 code=
	[ "${BERTHD_UNHEALTHY_OK:-0}" = 1 ] && want='200|503'
	for _ in $(seq 100); do
		code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/healthz" 2>/dev/null || true)
		[[ $code =~ ^($want)$ ]] && break
		if ! kill -0 "$BERTHD_PID" 2>/dev/null; then
			wait "$BERTHD_PID" 2>/dev/null || true
			BERTHD_PID=
			return 1
		fi
		sleep 0.1
	done
	[[ $code =~ ^($want)$ ]] || fail "berthd did not become healthy ($code)"
	ADMIN_KEY=$(cat "$STATE/admin.key")
	INSTANCE=$(sqlite3 "$STATE/berth.db" "SELECT value FROM meta WHERE key='instance'")
	export URL ADMIN_KEY BERTH_API_URL=$URL
}

# berthd_kill9: kills berthd hard (crash tests).
berthd_kill9() {
	kill -KILL "$BERTHD_PID" 2>/dev/null || true
	wait "$BERTHD_PID" 2>/dev/null || true
	BERTHD_PID=
}

# api METHOD PATH [BODY] [KEY]: prints the body; sets STATUS (when not in
# a subshell) and writes it for last_status.
api() {
	local method=$1 path=$2 body=${3-} key=${4-$ADMIN_KEY} out
	out=$WORK/resp.$BASHPID
	if [ -n "$body" ]; then
		STATUS=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" \
			-H "Authorization: Bearer $key" \
			-H 'Content-Type: application/json' \
			--data-binary "$body" "$URL$path")
	else
		STATUS=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" \
			-H "Authorization: Bearer $key" "$URL$path")
	fi
	echo "$STATUS" >"$WORK/status"
	cat "$out"
	rm -f "$out"
}

# last_status: the status of the last api call, also from a subshell.
last_status() {
	cat "$WORK/status"
}

# expect STATUS METHOD PATH [BODY] [KEY]: api call that must answer STATUS;
# the body is kept in $BODY.
expect() {
	local want=$1
	shift
	api "$@" >"$WORK/body"
	BODY=$(cat "$WORK/body")
	[ "$STATUS" = "$want" ] || fail "$1 $2 -> $STATUS, want $want: $BODY"
}

# mkuser NAME [ROLE]: creates a user, prints its API key.
mkuser() {
	local name=$1 role=${2:-user}
	api POST /v1/users "{\"name\":\"$name\",\"role\":\"$role\"}" >/dev/null
	[ "$STATUS" = 201 ] || fail "create user $name -> $STATUS"
	api POST "/v1/users/$name/api-keys" '{}' | jq -r .key
}

# jget JSON FILTER: jq -r on a string.
jget() {
	printf '%s' "$1" | jq -r "$2"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', want '$2'"
}

# cname WSID: the engine container of a workspace.
cname() {
	echo "berth-$1"
}

# wait_for CMD...: retries CMD for up to 20 s.
wait_for() {
	for _ in $(seq 200); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}
