# metrics: GET /metrics is valid Prometheus text (promtool check metrics),
# takes both auth headers (Authorization: Bearer and api-key) where the
# address is not allowlisted, and is
# bounded by construction: labels are route templates, never raw paths or
# ids, so 300 distinct unknown paths and odd methods add no series, while
# every status a route answered is there (five 409s on POST /v1/users,
# which a fixed 256-slot table used to drop). Per-GPU utilization and
# memory come from NVML (the stand-in); SSH and HTTP connection gauges.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool missing (apt-get install prometheus; scripts/deps.sh)"
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/plain-2gpu.json
BERTHD_UNHEALTHY_OK=1 berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" \
	--docker-host "unix://$WORK/no-such.sock" --metrics-allow 127.0.0.9
M=$NVML_STANDIN_MACHINE

scrape() {
	curl -sS -o "$WORK/m" -w '%{http_code}' "$@" "$URL/metrics"
}
assert_eq "$(scrape)" 401 "no key"
assert_eq "$(scrape -H "Authorization: Bearer $ADMIN_KEY")" 200 "Bearer"
assert_eq "$(scrape -H "api-key: $ADMIN_KEY")" 200 "api-key header"
K=$(mkuser bob)
assert_eq "$(scrape -H "api-key: $K")" 403 "a user's key"
ok "/metrics: Bearer and api-key, admin only"

# Enough traffic to fill the old 256-slot table many times over.
for i in $(seq 300); do
	curl -sS -o /dev/null -H "Authorization: Bearer $ADMIN_KEY" "$URL/v1/nope/$i-$RANDOM"
done
for m in FOO BAR BAZ; do
	curl -sS -o /dev/null -X "$m" "$URL/v1/workspaces/x$RANDOM"
done
expect 201 POST /v1/users '{"name":"carol"}'
for i in 1 2 3 4 5; do
	expect 409 POST /v1/users '{"name":"carol"}'
done
for i in $(seq 20); do
	api GET "/v1/workspaces/ws$i" >/dev/null
done
assert_eq "$(scrape -H "Authorization: Bearer $ADMIN_KEY")" 200 "scrape"
promtool check metrics <"$WORK/m" || fail "promtool check metrics: $(promtool check metrics <"$WORK/m" 2>&1 | head -5)"
ok "promtool check metrics: clean"

grep -q '^berth_api_requests_total{method="POST",route="/v1/users",code="409"} 5$' "$WORK/m" ||
	fail "five 409s: $(grep 'route="/v1/users"' "$WORK/m")"
grep -q 'route="/v1/workspaces/{id}",code="404"} 20$' "$WORK/m" ||
	fail "20 404s by template: $(grep 'workspaces/{id}"' "$WORK/m")"
! grep -E 'route="/v1/nope|ws1[0-9]|x[0-9]' "$WORK/m" || fail "a raw path in a label"
grep -q '^berth_api_requests_total{method="other",route="unmatched",code="405"} 3$' "$WORK/m" ||
	fail "odd methods: $(grep 'unmatched' "$WORK/m")"
n=$(grep -c '^berth_' "$WORK/m")
[ "$n" -lt 400 ] || fail "$n samples after 330 distinct paths"
assert_eq "$(awk '/^berth_metrics_dropped_total/ {print $2}' "$WORK/m")" 0 "dropped series"
ok "bounded: 330 distinct paths, $n samples, none dropped, the 409s counted"

u0=$(jq -r '.gpus[0].uuid' "$M")
util=$(jq -r '.gpus[0].utilization' "$M")
grep -q "^berth_gpu_utilization_ratio{uuid=\"$u0\",index=\"0\"} $(awk -v u="$util" 'BEGIN {printf "%.2f", u/100}')$" "$WORK/m" ||
	fail "GPU utilization: $(grep berth_gpu_util "$WORK/m")"
used=$(jq -r '.gpus[0].memory_used_mb' "$M")
grep -q "^berth_gpu_memory_used_bytes{uuid=\"$u0\",index=\"0\"} $((used * 1048576))$" "$WORK/m" ||
	fail "GPU memory: $(grep berth_gpu_memory_used "$WORK/m")"
grep -q '^berth_gpus 2$' "$WORK/m" || fail "berth_gpus: $(grep berth_gpus "$WORK/m")"
for g in berth_http_connections berth_ssh_connections berth_ssh_sessions; do
	grep -q "^$g [0-9]" "$WORK/m" || fail "$g missing"
done
ok "per-GPU utilization and memory; HTTP and SSH gauges"
