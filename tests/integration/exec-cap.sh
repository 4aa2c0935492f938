# exec-cap: output past exec_output_cap is cut at the cap and flagged
# (stdout_truncated/stderr_truncated), the rest drained, not held: berthd's
# memory does not follow the command's output.
. "$(dirname "$0")/inside-lib/lib.sh"
berthd_start --exec-output-cap 4m
K=$(mkuser alice)
ID=$(ws_new excap "$K")
C=$(ws_cid "$ID" "$K")
head -c 10000000 /dev/urandom >"$WORK/ten"
docker cp "$WORK/ten" "$C:/tmp/ten" >/dev/null

# 10 MB in the JSON answer: over the 4 MiB cap, cut at the cap and flagged.
rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$BERTHD_PID/status")
xrun "$ID" "$K" '{"command":"cat /tmp/ten; head -c 1000 /tmp/ten >&2"}'
assert_eq "$(jq -r '"\(.stdout_truncated) \(.stderr_truncated)"' "$WORK/x.json")" "true false" "truncation flags"
out_bytes "$WORK/x.json" stdout | cmp - <(head -c 4194304 "$WORK/ten") || fail "truncated stdout is not the first 4 MiB"
out_bytes "$WORK/x.json" stderr | cmp - <(head -c 1000 "$WORK/ten") || fail "stderr differs"
ok "stdout past the cap: the first 4 MiB, stdout_truncated true"

# 200 MB of output against the 4 MiB cap: drained, not held.
xrun "$ID" "$K" '{"command":"head -c 200000000 /dev/zero"}'
assert_eq "$(jq -r '"\(.exit_code) \(.stdout_truncated)"' "$WORK/x.json")" "0 true" "200 MB run"
rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$BERTHD_PID/status")
[ $((rss1 - rss0)) -lt 65536 ] || fail "berthd RSS grew by $((rss1 - rss0)) KiB on 200 MB of output"
ok "200 MB of output under a 4 MiB cap: RSS grew $((rss1 - rss0)) KiB"
