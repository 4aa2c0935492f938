# store-locked: a store held locked by another process (BEGIN EXCLUSIVE,
# 20 s) makes berthd answer 503 backend_unavailable where it can't reach
# it, never 500; requests that can still read are served; once the lock
# goes, everything is 200 again.
. "$(dirname "$0")/lib.sh"
BERTHD_UNHEALTHY_OK=1 berthd_start --docker-host "unix://$WORK/no-such.sock"
DB=$(ls "$STATE"/*.db | head -1)
python3 - "$DB" "$WORK/locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN EXCLUSIVE")
c.execute("CREATE TABLE IF NOT EXISTS lock_test (x)")
open(sys.argv[2], "w").close()
time.sleep(20)
c.execute("ROLLBACK")
PY
LOCKER=$!
for _ in $(seq 100); do
	[ -e "$WORK/locked" ] && break
	sleep 0.1
done
[ -e "$WORK/locked" ] || fail "the locker did not get the lock"
# More at once than the workers kept ready, so that fresh workers (fresh
# store connections) are among them.
pids=()
for i in $(seq 80); do
	curl -sS -o "$WORK/l.$i" -w '%{http_code}\n' -m 30 \
		-H "Authorization: Bearer $ADMIN_KEY" \
		-H 'Content-Type: application/json' -X POST \
		--data-binary "{\"name\":\"u$i\"}" "$URL/v1/users" >"$WORK/c.$i" &
	pids+=($!)
done
wait "${pids[@]}" || true
cat "$WORK"/c.* | sort | uniq -c >"$WORK/codes"
! grep -q ' 500$' "$WORK/codes" || fail "500 under a locked store: $(cat "$WORK/codes"; cat "$WORK"/l.* | sort | uniq -c | head -3)"
grep -q ' 503$' "$WORK/codes" || fail "no 503 while locked: $(cat "$WORK/codes")"
for f in "$WORK"/c.*; do
	[ "$(cat "$f")" = 503 ] || continue
	assert_eq "$(jget "$(cat "${f/c./l.}")" .error.code)" backend_unavailable "503 code"
done
wait "$LOCKER"
expect 201 POST /v1/users '{"name":"after"}'
ok "locked store: $(tr -s ' \n' ' ' <"$WORK/codes")- no 500; served again after"
