# hardening: a workspace container has every setting of SPEC §8, as the
# engine reports it (docker inspect) and as the process inside sees it;
# the workspace network has inter-container traffic off. Checked on the
# container made by create and on the one made by redeploy.
. "$(dirname "$0")/lib.sh"
berthd_start
NET=${BERTH_TEST_NETWORK:-berth-test}

K=$(mkuser hank)
expect 201 POST /v1/workspaces '{"name":"hard","wait":true,"cpus":0.5,"memory":"256m"}' "$K"
ID=$(jget "$BODY" .id)
PIDS=$(jget "$BODY" .pids_limit)
[ "$PIDS" -gt 0 ] || fail "record pids_limit $PIDS"

# insp C TEMPLATE: docker inspect -f.
insp() {
	docker inspect -f "$2" "$1"
}

check() {
	local c=$1 v
	assert_eq "$(insp "$c" '{{.State.Running}}')" true "running"
	assert_eq "$(insp "$c" '{{json .HostConfig.CapDrop}}')" '["ALL"]' "CapDrop"
	v=$(insp "$c" '{{json .HostConfig.CapAdd}}')
	[ "$v" = null ] || [ "$v" = '[]' ] || fail "CapAdd is $v"
	v=$(insp "$c" '{{json .HostConfig.SecurityOpt}}')
	jget "$v" '.[]' | grep -Eqx 'no-new-privileges(:true|=true)?' ||
		fail "SecurityOpt lacks no-new-privileges: $v"
	! jget "$v" '.[]' | grep -qi 'unconfined' || fail "unconfined in SecurityOpt: $v"
	! jget "$v" '.[]' | grep -qi 'seccomp' || fail "custom seccomp profile in SecurityOpt: $v"
	assert_eq "$(insp "$c" '{{.HostConfig.PidsLimit}}')" "$PIDS" "PidsLimit"
	assert_eq "$(insp "$c" '{{.HostConfig.Memory}}')" 268435456 "Memory"
	assert_eq "$(insp "$c" '{{.HostConfig.NanoCpus}}')" 500000000 "NanoCpus"
	assert_eq "$(insp "$c" '{{json .HostConfig.Init}}')" true "Init"
	assert_eq "$(insp "$c" '{{.HostConfig.Privileged}}')" false "Privileged"
	assert_eq "$(insp "$c" '{{.Config.User}}')" 1000:1000 "User"
	v=$(insp "$c" '{{json .HostConfig.Binds}}')
	[ "$v" = null ] || [ "$v" = '[]' ] || fail "host binds: $v"
	v=$(insp "$c" '{{json .Mounts}}')
	# Besides named volumes, only berth-sup (docs/exec.md): its binary
	# read-only and its run directory, both from berthd's state dir.
	assert_eq "$(jget "$v" '[.[] | select(.Type != "volume")] | length')" 2 \
		"mounts that are not named volumes ($v)"
	assert_eq "$(jget "$v" '[.[] | select(.Type != "volume") | select(
		(.Destination == "/.berth/sup" and .RW == false and
		 .Source == "'"$STATE"'/sup/berth-sup") or
		(.Destination == "/.berth/run" and
		 (.Source | startswith("'"$STATE"'/sup/"))))] | length')" 2 \
		"the only other mounts are the supervisor's ($v)"
	! grep -q docker.sock <<<"$v" || fail "docker socket mounted: $v"
	v=$(insp "$c" '{{json .HostConfig.Devices}}')
	[ "$v" = null ] || [ "$v" = '[]' ] || fail "host devices: $v"
	assert_eq "$(insp "$c" '{{.HostConfig.NetworkMode}}')" "$NET" "NetworkMode"
	assert_eq "$(insp "$c" '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}')" "$NET " "networks joined"
	v=$(insp "$c" '{{.HostConfig.PidMode}}')
	[ "$v" != host ] || fail "PidMode host"
	v=$(insp "$c" '{{.HostConfig.IpcMode}}')
	[ "$v" != host ] || fail "IpcMode host"
	v=$(insp "$c" '{{.HostConfig.UTSMode}}')
	[ "$v" != host ] || fail "UTSMode host"
	v=$(insp "$c" '{{.HostConfig.UsernsMode}}')
	[ "$v" != host ] || fail "UsernsMode host"
	assert_eq "$(insp "$c" '{{index .Config.Labels "berth.workspace"}}')" "$ID" "label berth.workspace"
	assert_eq "$(insp "$c" '{{index .Config.Labels "berth.owner"}}')" hank "label berth.owner"
	# Inside: the user process and PID 1 run as 1000 with no capabilities,
	# no_new_privs set and a seccomp filter on.
	assert_eq "$(docker exec "$c" id -u)" 1000 "id -u inside"
	assert_eq "$(docker exec "$c" id -g)" 1000 "id -g inside"
	v=$(docker exec "$c" cat /proc/1/status)
	assert_eq "$(awk '/^Uid:/ {print $2}' <<<"$v")" 1000 "uid of PID 1"
	for f in CapEff CapPrm CapBnd CapAmb; do
		assert_eq "$(awk "/^$f:/ {print \$2}" <<<"$v")" 0000000000000000 "$f of PID 1"
	done
	v=$(docker exec "$c" cat /proc/self/status)
	for f in CapEff CapPrm CapBnd CapAmb; do
		assert_eq "$(awk "/^$f:/ {print \$2}" <<<"$v")" 0000000000000000 "$f of a user process"
	done
	assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' <<<"$v")" 1 "NoNewPrivs"
	assert_eq "$(awk '/^Seccomp:/ {print $2}' <<<"$v")" 2 "Seccomp mode"
	# The docker socket is not reachable from inside.
	! docker exec "$c" test -e /var/run/docker.sock || fail "docker.sock inside"
}

C=$(jget "$BODY" .container_id)
check "$C"
ok "created container: SPEC §8 settings"

v=$(docker network inspect -f '{{index .Options "com.docker.network.bridge.enable_icc"}}' "$NET")
assert_eq "$v" false "enable_icc of $NET"
assert_eq "$(docker network inspect -f '{{.Driver}}' "$NET")" bridge "network driver"
ok "network $NET: bridge with inter-container traffic off"

expect 200 POST "/v1/workspaces/$ID/redeploy" "" "$K"
C2=$(jget "$BODY" .container_id)
[ "$C2" != "$C" ] || fail "redeploy kept the container"
check "$C2"
ok "redeployed container: SPEC §8 settings"
