# engine-logs: container output is rotated by the engine (json-file with
# max-size and max-file, from log_max_size/log_max_files), and a writable
# layer limit is reported for what it is on this storage driver.
. "$(dirname "$0")/lib.sh"
berthd_start --log-max-size 2m --log-max-files 4 --container-disk 1g
expect 201 POST /v1/workspaces '{"name":"lg","wait":true}'
C=$(jget "$BODY" .container_id)
lc=$(docker inspect -f '{{json .HostConfig.LogConfig}}' "$C")
assert_eq "$(jq -r .Type <<<"$lc")" json-file "log driver"
assert_eq "$(jq -r '.Config["max-size"]' <<<"$lc")" 2097152 "max-size"
assert_eq "$(jq -r '.Config["max-file"]' <<<"$lc")" 4 "max-file"
ok "the container's log is rotated as configured ($lc)"

# The storage driver decides whether a writable layer can be limited.
drv=$(docker info -f '{{.Driver}}')
back=$(docker info -f '{{json .DriverStatus}}' | jq -r '.[] | select(.[0]=="Backing Filesystem") | .[1]')
so=$(docker inspect -f '{{json .HostConfig.StorageOpt}}' "$C")
if [ "$drv" = overlay2 ] && [ "$back" != xfs ]; then
	grep -q "container_disk is not enforced: storage driver $drv on $back cannot limit" "$WORK/berthd.log" ||
		fail "no clear start-up report: $(grep -i 'writable\|container_disk' "$WORK/berthd.log")"
	case $so in null|'{}') ;; *) fail "storage-opt sent anyway: $so" ;; esac
	ok "writable layer: $drv on $back cannot limit it, said at start-up, not pretended"
else
	assert_eq "$(jq -r .size <<<"$so")" 1073741824 "storage-opt size"
	ok "writable layer limited to 1g ($drv on $back)"
fi
api GET /healthz "" >/dev/null
