# tests/integration/inside-lib/lib.sh: helpers for the tests that reach
# into a workspace (exec-*, files-*, logs-*, stats-*), on top of lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# ws_new NAME KEY [EXTRA]: creates a running workspace (EXTRA: more JSON
# members, e.g. '"volumes":[...]'); prints its id.
ws_new() {
	local name=$1 key=$2 extra=${3-} b
	b=$(api POST /v1/workspaces "{\"name\":\"$name\",\"wait\":true${extra:+,$extra}}" "$key")
	[ "$(last_status)" = 201 ] || fail "create workspace $name: $b"
	[ "$(jget "$b" .state)" = running ] || fail "workspace $name not running: $b"
	jget "$b" .id
}

# xexec ID KEY JSON [OUTFILE]: POST .../exec; the answer goes to OUTFILE
# (default $WORK/x.json); prints the HTTP status.
xexec() {
	local out=${4:-$WORK/x.json}
	printf '%s' "$3" | curl -sS -o "$out" -w '%{http_code}' \
		-H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
		--data-binary @- "$URL/v1/workspaces/$1/exec"
}

# xrun ID KEY JSON: an exec that must answer 200; the answer in $WORK/x.json.
xrun() {
	local st
	st=$(xexec "$@")
	[ "$st" = 200 ] || fail "exec $3 -> $st: $(head -c 500 "$WORK/x.json")"
}

# out_bytes FILE FIELD: the raw bytes of stdout/stderr of an exec answer,
# decoding base64 when the answer says so.
out_bytes() {
	if [ "$(jq -r ".${2}_encoding // \"\"" "$1")" = base64 ]; then
		jq -r ".$2" "$1" | base64 -d
	else
		jq -j ".$2" "$1"
	fi
}

# fd_count PID: open fds of a process.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# thread_count PID
thread_count() {
	awk '/^Threads:/ {print $2}' "/proc/$1/status"
}

# files_get ID KEY PATH OUT: GET .../files into OUT; prints the status.
files_get() {
	curl -sS -o "$4" -w '%{http_code}' -H "Authorization: Bearer $2" \
		"$URL/v1/workspaces/$1/files?path=$3"
}

# files_put ID KEY PATH FILE [CTYPE] [QUERY]: PUT FILE to .../files;
# prints the status (answer in $WORK/put.json).
files_put() {
	curl -sS -o "$WORK/put.json" -w '%{http_code}' -T "$4" \
		-H "Authorization: Bearer $2" ${5:+-H "Content-Type: $5"} \
		"$URL/v1/workspaces/$1/files?path=$3${6:+&$6}"
}

# ws_cid ID KEY: the workspace's container id.
ws_cid() {
	local b
	b=$(api GET "/v1/workspaces/$1" "" "$2")
	jget "$b" .container_id
}

# dexec CONTAINER CMD: runs sh -c CMD in the container with docker itself
# (an oracle independent of berthd).
dexec() {
	docker exec "$1" sh -c "$2"
}
