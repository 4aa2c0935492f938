# engine-helpers: every container berth makes is labelled and reconciled.
# A one-shot volume-chown helper left behind (its berthd died before
# removing it; made the way berthd makes them, and the way older berthds
# did with only the installation label) pins the user's volume: the
# reconciler removes it, and the volume can then be deleted. The chown a
# workspace's first use runs leaves no container behind.
. "$(dirname "$0")/lib.sh"
berthd_start --reconcile-interval 1
expect 201 POST /v1/volumes '{"name":"kv1"}'
VID=$(jget "$BODY" .id)
BACKEND=$(jget "$BODY" .backend_name)
[ -n "$BACKEND" ] && [ "$BACKEND" != null ] || fail "no backend name: $BODY"
IMG=${BERTH_TEST_IMAGE:-berth/workspace:latest}

# Two leftovers, ended (Exited (0)), holding the volume.
docker create --name "berth-prep-leak-$$-a" --label "berth.instance=$INSTANCE" \
	--label berth.helper=1 --network none -v "$BACKEND:/v" --user 0:0 \
	"$IMG" true >/dev/null || fail "docker create a"
docker create --name "berth-prep-leak-$$-b" --label "berth.instance=$INSTANCE" \
	--network none -v "$BACKEND:/v" --user 0:0 "$IMG" true >/dev/null ||
	fail "docker create b"
docker start -a "berth-prep-leak-$$-a" >/dev/null || fail "docker start a"
docker start -a "berth-prep-leak-$$-b" >/dev/null || fail "docker start b"
assert_eq "$(docker inspect -f '{{.State.Status}}' "berth-prep-leak-$$-a" "berth-prep-leak-$$-b" | sort -u)" exited "leftovers ended"
# Another installation's helper is not ours to remove.
docker create --name "berth-prep-leak-$$-other" \
	--label berth.instance=someone-else --label berth.helper=1 \
	--network none "$IMG" true >/dev/null || fail "docker create other"
trap 'docker rm -f "berth-prep-leak-$$-other" >/dev/null 2>&1; cleanup' EXIT

# Ended more than HELPER_ENDED_S (10 s) ago, they go at the next pass.
gone=0
for _ in $(seq 60); do
	n=$(docker ps -aq --filter "name=berth-prep-leak-$$-[ab]" | wc -l)
	[ "$n" = 0 ] && { gone=1; break; }
	sleep 0.5
done
[ "$gone" = 1 ] || fail "leftover helpers were not reconciled: $(docker ps -a --filter "name=berth-prep-leak-$$" --format '{{.Names}} {{.Status}}')"
docker ps -aq --filter "name=berth-prep-leak-$$-other" | grep -q . ||
	fail "another installation's helper was removed"
grep -q "removing leftover helper container" "$WORK/berthd.log" ||
	fail "no log line for the removal"
ok "leftover helper containers (labelled, and old-style) are reconciled; others' kept"

expect 204 DELETE "/v1/volumes/$VID"
ok "the volume they pinned can be deleted"

# A workspace's first use of a new volume chowns it through a helper that
# carries berth's labels and is gone afterwards.
expect 201 POST /v1/workspaces '{"name":"h1","wait":true,"volumes":[{"name":"kv2","mount":"/workspace"}]}'
n=$(docker ps -aq --filter "label=berth.instance=$INSTANCE" --filter label=berth.helper | wc -l)
assert_eq "$n" 0 "helper containers left after the create"
C=$(jget "$BODY" .container_id)
owner=$(docker exec "$C" stat -c %u /workspace)
assert_eq "$owner" 1000 "volume root owner"
ok "the chown helper leaves nothing behind and the volume is the user's"
