# daemon-config: flags and the config file: unknown flags and keys are
# errors with a clear message; the file sets values that flags override;
# SIGHUP reloads templates (a broken file keeps the old set); SIGTERM lets
# an in-flight create finish before berthd exits 0.
. "$(dirname "$0")/lib.sh"

out=$("$BERTHD" --no-such-flag 2>&1) && fail "unknown flag accepted"
echo "$out" | grep -q "unknown flag '--no-such-flag'" || fail "message: $out"
out=$("$BERTHD" --gpu-attach maybe 2>&1) && fail "bad value accepted"
echo "$out" | grep -q "gpu_attach" || fail "message: $out"
printf 'listen = 127.0.0.1:1\nbogus_key = 1\n' >"$WORK/bad.conf"
out=$("$BERTHD" --config "$WORK/bad.conf" 2>&1) && fail "bad key accepted"
echo "$out" | grep -q "bad.conf:2: unknown key 'bogus_key'" || fail "message: $out"
out=$("$BERTHD" --help) || fail "--help exit status"
echo "$out" | grep -q -- "--state-dir" || fail "--help"
ok "bad flags and keys refused with the cause"

cat >"$WORK/templates.json" <<'JSON'
[{"name":"small","image":"berth/workspace:latest","cpus":1,"memory":"256m"}]
JSON
cat >"$WORK/berthd.conf" <<CONF
# a comment
templates_file = $WORK/templates.json
default_idle_timeout = 2h
log_level = "debug"
CONF
berthd_start --config "$WORK/berthd.conf" --log-level info
expect 200 GET /v1/templates/small
assert_eq "$(jget "$BODY" .memory)" 256m "template from file"
grep -q 'level=debug' "$WORK/berthd.log" && fail "flag did not override file"
ok "config file read, flags override it"

cat >"$WORK/templates.json" <<'JSON'
[{"name":"big","image":"berth/workspace:latest","cpus":4}]
JSON
kill -HUP "$BERTHD_PID"
wait_for sh -c "curl -fsS -H 'Authorization: Bearer $ADMIN_KEY' $URL/v1/templates/big" ||
	fail "SIGHUP did not load the new template"
expect 404 GET /v1/templates/small
echo '[{"name":"Bad Name"}]' >"$WORK/templates.json"
kill -HUP "$BERTHD_PID"
sleep 0.5
expect 200 GET /v1/templates/big
grep -q "reload failed" "$WORK/berthd.log" || fail "no reload error logged"
ok "SIGHUP reloads templates; a broken file keeps the old set"

expect 201 POST /v1/workspaces '{"name":"idle","wait":true}'
assert_eq "$(jget "$BODY" .idle_timeout)" 7200 "default idle timeout from file"
# SIGTERM while a create is in flight: the create completes, exit 0.
api POST /v1/workspaces '{"name":"inflight","wait":true}' >"$WORK/inflight" &
cpid=$!
sleep 0.3
kill -TERM "$BERTHD_PID"
wait "$cpid" || true
wait "$BERTHD_PID" || fail "berthd exit status $? after SIGTERM"
BERTHD_PID=
assert_eq "$(jq -r .state "$WORK/inflight")" running "in-flight create finished"
ok "SIGTERM drains in-flight requests, exits 0"
