#!/usr/bin/env bash
# ssh-scoped: an SSH key added with a limited API key is held to that key's
# limits at the gateway: only its workspaces, a shell/exec/forward only with
# the exec scope, sftp/scp only with files; it stops working when the API
# key is revoked or expires. A read-only key cannot add SSH keys; a limited
# key deletes only the SSH keys it added. Also the CLI's `api-keys create --scope/--workspace/--expires`.
. "$(dirname "${BASH_SOURCE[0]}")/ssh-lib/common.bash"

setup_one
mkws "$KA" w2

# The CLI makes the keys (its flags become the body's limits).
cli() { BERTH_API_KEY=$KA "$BERTH" --api-url "$URL" "$@"; }
cli --json api-keys create --name ex --scope exec --workspace "$WSA" --expires 8h >"$WORK/k1" ||
	fail "berth api-keys create: $(cat "$WORK/k1")"
assert_eq "$(jq -r '.scopes | join(",")' "$WORK/k1"):$(jq -r '.workspaces | join(",")' "$WORK/k1")" "exec:$WSA" "CLI key limits"
[ "$(jq -r .expires_at "$WORK/k1")" != null ] || fail "CLI key has no expiry"
EXK=$(jq -r .key "$WORK/k1")
FK=$(cli --json api-keys create --name fi --scope files --workspace "$WSA" | jq -r .key)
RK=$(cli --json api-keys create --name ro --scope read | jq -r .key)
cli api-keys | grep -q "exec" || fail "api-keys table lacks the scopes: $(cli api-keys)"
ok "berth api-keys create --scope/--workspace/--expires"

mkkey "$WORK/id_ex"
mkkey "$WORK/id_fi"
mkkey "$WORK/id_ro"
addkey "$EXK" "$WORK/id_ex.pub" exk
assert_eq "$(jget "$BODY" .api_key)" "$(jq -r .id "$WORK/k1")" "ssh key records the API key it came with"
addkey "$FK" "$WORK/id_fi.pub" fik
body=$(jq -n --arg k "$(cat "$WORK/id_ro.pub")" '{name: "rok", public_key: $k}')
expect 403 POST /v1/ssh-keys "$body" "$RK"

# exec key: shell/exec in its workspace; not the other one; no sftp.
out=$(gssh "$WORK/id_ex" "$WSA" 'echo in-$((6*7))') || fail "exec key: ssh exec"
assert_eq "$out" in-42 "exec key output"
gssh "$WORK/id_ex" w2 true 2>/dev/null && fail "exec key reached w2"
# shellcheck disable=SC2046
sftp $(ssh_opts "$WORK/id_ex") -P "$SSH_PORT" -b - "$WSA@127.0.0.1" <<<'ls' >/dev/null 2>&1 &&
	fail "exec key got sftp"
ok "exec-scoped SSH key: exec in its workspace only, no sftp"

# files key: sftp and scp in its workspace; no shell, exec or forward.
echo payload >"$WORK/f"
# shellcheck disable=SC2046
sftp $(ssh_opts "$WORK/id_fi") -P "$SSH_PORT" -b - "$WSA@127.0.0.1" >"$WORK/sftp.out" 2>&1 <<EOB ||
put $WORK/f f
get f $WORK/f.back
EOB
	fail "files key: sftp: $(cat "$WORK/sftp.out")"
cmp "$WORK/f" "$WORK/f.back" || fail "sftp round trip"
# shellcheck disable=SC2046
scp -q $(ssh_opts "$WORK/id_fi") -P "$SSH_PORT" "$WSA@127.0.0.1:f" "$WORK/f.scp" ||
	fail "files key: scp"
cmp "$WORK/f" "$WORK/f.scp" || fail "scp copy"
gssh "$WORK/id_fi" "$WSA" 'echo hi' >/dev/null 2>&1 && fail "files key ran a command"
# The same forward works with an exec key (a positive control), not files.
gssh "$IDA" "$WSA" 'mkdir -p /tmp/www && echo hello-fwd >/tmp/www/index.html &&
    (busybox httpd -p 127.0.0.1:8124 -h /tmp/www &)' || fail "start httpd"
fwd_try() {	# KEYFILE: 0 when a -L forward through it reaches the httpd
	local lp rc=1 pid
	lp=$(free_port)
	# shellcheck disable=SC2046
	ssh $(ssh_opts "$1") -p "$SSH_PORT" -N -L "127.0.0.1:$lp:localhost:8124" "$WSA@127.0.0.1" 2>/dev/null &
	pid=$!
	for _ in $(seq 30); do
		if [ "$(curl -fsS -m 2 "http://127.0.0.1:$lp/" 2>/dev/null)" = hello-fwd ]; then
			rc=0
			break
		fi
		sleep 0.2
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return $rc
}
fwd_try "$WORK/id_ex" || fail "exec key: no forward"
fwd_try "$WORK/id_fi" && fail "files key forwarded a port"
# -R (listening inside): refused to the files key, taken for the exec key
# (which then stays connected until the timeout: 124).
rfwd() {
	local rc=0
	# shellcheck disable=SC2046
	timeout 4 ssh $(ssh_opts "$1") -p "$SSH_PORT" -N -o ExitOnForwardFailure=yes \
		-R 0:127.0.0.1:9 "$WSA@127.0.0.1" 2>/dev/null || rc=$?
	echo "$rc"
}
assert_eq "$(rfwd "$WORK/id_fi")" 255 "files key: ssh -R"
assert_eq "$(rfwd "$WORK/id_ex")" 124 "exec key: ssh -R"
ok "files-scoped SSH key: sftp and scp, no command, no -L/-R forward (an exec key forwards)"

# A limited key deletes only what it added; the user's own key stays.
expect 404 DELETE /v1/ssh-keys/laptop "" "$EXK"
expect 204 DELETE /v1/ssh-keys/exk "" "$EXK"
addkey "$EXK" "$WORK/id_ex.pub" exk

# Revoking the API key ends its SSH key.
EXID=$(jq -r .id "$WORK/k1")
expect 204 DELETE "/v1/api-keys/$EXID" "" "$KA"
gssh "$WORK/id_ex" "$WSA" true 2>/dev/null && fail "SSH key outlived its revoked API key"
# And expiry does too.
expect 201 POST /v1/api-keys '{"name":"brief","scopes":["exec"],"expires_in":"2s"}' "$KA"
BK=$(jget "$BODY" .key)
mkkey "$WORK/id_br"
addkey "$BK" "$WORK/id_br.pub" brk
gssh "$WORK/id_br" "$WSA" true || fail "short-lived key before expiry"
sleep 2.2
gssh "$WORK/id_br" "$WSA" true 2>/dev/null && fail "SSH key outlived its expired API key"
gssh "$IDA" "$WSA" true || fail "the user's own key stopped working"
ok "an SSH key ends with its API key (revoked or expired); limited keys delete only their own"
