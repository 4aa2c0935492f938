# smoke: berthd starts on an empty state dir, writes admin.key 0600, answers
# /healthz, and the state dir is 0700.
. "$(dirname "$0")/lib.sh"
berthd_start

[ "$(stat -c %a "$STATE")" = 700 ] || fail "state dir mode $(stat -c %a "$STATE")"
[ "$(stat -c %a "$STATE/admin.key")" = 600 ] || fail "admin.key mode"
grep -Eq '^berth_[0-9a-f]{12}_[0-9a-f]{64}$' "$STATE/admin.key" || fail "admin.key format"
ok "state dir 0700, admin.key 0600 with one key"

h=$(curl -fsS "$URL/healthz")
assert_eq "$(jget "$h" .status)" healthy "healthz status"
assert_eq "$(jget "$h" .service)" berthd "healthz service"
ok "healthz"

expect 200 GET /v1/account
assert_eq "$(jget "$BODY" .role)" admin "account role"
ok "admin key works"

# The key is never in the log.
! grep -q "$(cut -d_ -f3 "$STATE/admin.key")" "$WORK/berthd.log" || fail "secret in log"
ok "secret not logged"

# A second start on the same state dir keeps the key.
kill -TERM "$BERTHD_PID"; wait "$BERTHD_PID" || fail "berthd did not exit 0 on SIGTERM"
BERTHD_PID=
key1=$ADMIN_KEY
berthd_start
assert_eq "$ADMIN_KEY" "$key1" "admin key changed across restart"
expect 200 GET /v1/account
ok "restart keeps state; SIGTERM exits 0"
