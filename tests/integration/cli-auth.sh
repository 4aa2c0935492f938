# cli-auth: berth auth login/whoami/status/logout against a real berthd:
# the key is checked before it is stored, the config file is 0600 in a
# 0700 directory, key priority flag > BERTH_API_KEY > config, URL priority
# flag > BERTH_API_URL > config, and --debug never shows the secret.
. "$(dirname "$0")/lib.sh"
berthd_start
unset BERTH_API_URL
export BERTH_CONFIG=$WORK/cfg/berth/config.json
ukey=$(mkuser cli-alice)

rc=0; "$BERTH" auth login --api-url "$URL" --api-key berth_nope_nope >"$WORK/out" 2>&1 || rc=$?
assert_eq "$rc" 1 "login with a bad key"
[ ! -e "$BERTH_CONFIG" ] || fail "a bad key was stored"
grep -q "^berth: " "$WORK/out" || fail "bad key message: $(cat "$WORK/out")"
ok "a bad key is refused and not stored"

"$BERTH" auth login --api-url "$URL" --api-key "$ukey" >"$WORK/out" || fail "login"
grep -q "as cli-alice (user)" "$WORK/out" || fail "login output: $(cat "$WORK/out")"
assert_eq "$(stat -c %a "$BERTH_CONFIG")" 600 "config mode"
assert_eq "$(stat -c %a "$WORK/cfg/berth")" 700 "config dir mode"
assert_eq "$(jq -r .api_key "$BERTH_CONFIG")" "$ukey" "stored key"
assert_eq "$(jq -r .api_url "$BERTH_CONFIG")" "$URL" "stored url"
ok "login stores URL and key, 0600 in a 0700 dir"

assert_eq "$("$BERTH" auth whoami)" "cli-alice (user)" "whoami from config"
assert_eq "$("$BERTH" auth whoami --json | jq -r .name)" cli-alice "whoami --json"
assert_eq "$(BERTH_API_KEY=$ADMIN_KEY "$BERTH" auth whoami -q)" admin "env beats config"
assert_eq "$(BERTH_API_KEY=berth_x_y "$BERTH" --api-key "$ADMIN_KEY" auth whoami -q)" admin "flag beats env"
rc=0; BERTH_API_URL=http://127.0.0.1:$(free_port) "$BERTH" auth whoami >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "env URL beats config URL"
assert_eq "$(BERTH_API_URL=http://127.0.0.1:1 "$BERTH" --api-url "$URL" auth whoami -q)" cli-alice "flag URL beats env"
ok "key and URL priority"

st=$("$BERTH" auth status) || fail "status"
echo "$st" | grep -q "from config" || fail "status source: $st"
echo "$st" | grep -q "User:     cli-alice (user)" || fail "status user: $st"
! echo "$st" | grep -q "$(echo "$ukey" | cut -d_ -f3)" || fail "status shows the secret"
"$BERTH" auth status --json | jq -e '.ok == true and .key_source == "config"' >/dev/null || fail "status --json"
ok "auth status"

"$BERTH" --debug ls >/dev/null 2>"$WORK/trace" || fail "ls --debug"
grep -q '^> GET /v1/workspaces' "$WORK/trace" || fail "no trace"
grep -q '^< HTTP/1.1 200' "$WORK/trace" || fail "no reply in trace"
grep -q 'Authorization: Bearer berth_.*\[redacted\]' "$WORK/trace" || fail "no redacted key in trace"
! grep -q "$(echo "$ukey" | cut -d_ -f3)" "$WORK/trace" || fail "secret in --debug trace"
BERTH_USE_CURL=1 "$BERTH" --debug ls >/dev/null 2>"$WORK/trace" || fail "ls --debug (libcurl)"
grep -q 'Authorization: Bearer berth_.*\[redacted\]' "$WORK/trace" || fail "no redacted key in libcurl trace"
! grep -q "$(echo "$ukey" | cut -d_ -f3)" "$WORK/trace" || fail "secret in libcurl trace"
ok "--debug traces HTTP with the key redacted"

# the key from stdin, no prompt without a TTY
rm -f "$BERTH_CONFIG"
echo "$ADMIN_KEY" | "$BERTH" auth login --api-url "$URL" >/dev/null || fail "login from stdin"
assert_eq "$("$BERTH" auth whoami -q)" admin "stdin key stored"
ok "login reads the key from stdin"

"$BERTH" auth logout >/dev/null || fail "logout"
[ "$(jq -r '.api_key // "none"' "$BERTH_CONFIG")" = none ] || fail "key kept after logout"
rc=0; "$BERTH" auth whoami >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "whoami after logout"
rc=0; "$BERTH" auth status >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 1 "status after logout"
ok "logout forgets the key"
