# dead-engine: with no Docker engine behind it, berthd still starts, says
# so in /healthz (503, backend unreachable), and a create is a clear 503
# that leaves no record, no volume record and no held quota behind.
. "$(dirname "$0")/lib.sh"
BERTHD_UNHEALTHY_OK=1 berthd_start --docker-host "unix://$WORK/no-such.sock"
h=$(curl -sS -w ' %{http_code}' "$URL/healthz")
[ "${h##* }" = 503 ] || fail "healthz status ${h##* }"
assert_eq "$(jget "${h% *}" .checks.backend)" unreachable "healthz backend"
assert_eq "$(jget "${h% *}" .checks.database)" ok "healthz database"
ok "healthz reports the engine down"

expect 503 POST /v1/workspaces '{"name":"x","wait":true,"volumes":[{"name":"d","mount":"/data"}]}'
assert_eq "$(jget "$BODY" .error.code)" backend_unavailable "error code"
jget "$BODY" .error.message | grep -q "docker engine not reachable at unix://$WORK/no-such.sock" ||
	fail "message: $BODY"
expect 200 GET /v1/workspaces
assert_eq "$(jget "$BODY" length)" 0 "no record left"
expect 200 GET /v1/account
assert_eq "$(jget "$BODY" .usage.running_workspaces)" 0 "no quota held"
ok "create fails with a clear 503 and leaves nothing"
