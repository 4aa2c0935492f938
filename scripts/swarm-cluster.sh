#!/bin/bash
# swarm-cluster.sh: a real N-node Docker Swarm on this one machine, for
# tests/integration/swarm.sh and bench/swarm.sh. Each node is its own
# network and UTS namespace (so-n<i>) running its own dockerd (data root,
# exec root, containerd, cgroup parent /so-n<i>) joined over veth pairs on
# a bridge in namespace so-sw; the host reaches the nodes through so-h
# (10.99.0.254), nothing else does. It never touches /var/run/docker.sock.
#   SO_BASE=DIR swarm-cluster.sh up N IMAGE_TAR   (node i: DIR/n<i>.sock,
#                                                 address 10.99.0.<i>)
#   SO_BASE=DIR swarm-cluster.sh down N
#   SO_BASE=DIR swarm-cluster.sh stop I | start I  (one node's dockerd)
# Node i's generic resources come from DIR/n<i>.json when the caller wrote
# it first (daemon.json "node-generic-resources"). SO_PRIVATE=PATH (a
# directory of this host) gives each node its own PATH (DIR/n<i>-private
# mounted there in its namespace): no filesystem shared there, as between
# servers.
set -u
B=${SO_BASE:?set SO_BASE to a scratch directory of your own}
NET=${SO_NET:-10.99.0}
cmd=$1
N=${2:-3}
d() { local i=$1; shift; docker -H "unix://$B/n$i.sock" "$@"; }
ms() { date +%s%3N; }

# node_private I: with SO_PRIVATE (a directory of this host), the mount
# that gives node I its own directory there, as on a server of its own
# ($B/n<I>-private, kept across the node's restarts).
node_private() {
	[ -n "${SO_PRIVATE:-}" ] || return 0
	mkdir -p "$B/n$1-private"
	echo "mount --bind $B/n$1-private $SO_PRIVATE"
}

start_node() {
	local i=$1
	[ -f "$B/n$i.json" ] || printf '{"icc":false,"deprecated-key-path":"%s/n%s.key.json"}\n' \
	    "$B" "$i" >"$B/n$i.json"
	# ip netns exec remounts /sys: the cgroup v1 hierarchies are mounted
	# again inside.
	DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid ip netns exec "so-n$i" \
	    unshare --uts bash -c "hostname so-node-$i
	  $(node_private "$i")
	  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
	  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
	    mkdir -p /sys/fs/cgroup/\$c
	    mount -t cgroup -o \$c cgroup /sys/fs/cgroup/\$c; done
	  mkdir -p /sys/fs/cgroup/systemd
	  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
	  exec dockerd --host unix://$B/n$i.sock --data-root $B/n$i \
	    --exec-root $B/n${i}x --pidfile $B/n$i.pid \
	    --config-file $B/n$i.json --cgroup-parent /so-n$i" \
	    >>"$B/n$i.log" 2>&1 </dev/null &
	for _ in $(seq 1 300); do
		d "$i" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "node $i: dockerd did not come up (see $B/n$i.log)" >&2
	return 1
}

stop_node() {
	local i=$1 p s
	p=$(cat "$B/n$i.pid" 2>/dev/null) || return 0
	kill "$p" 2>/dev/null
	for _ in $(seq 1 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
	# this node's containerd and shims only
	for s in $(pgrep -f "containerd.*$B/n${i}x/"); do kill -9 "$s" 2>/dev/null; done
	rm -f "$B/n$i.pid"
}

up() {
	local tar=$1 t0 i lp="" tok
	t0=$(ms)
	mkdir -p "$B"
	ip netns add so-sw || return 1
	ip -n so-sw link add br0 type bridge
	ip -n so-sw link set br0 up
	ip link add so-h type veth peer name so-hp netns so-sw
	ip -n so-sw link set so-hp master br0 up
	ip addr add "$NET.254/24" dev so-h
	ip link set so-h up
	for i in $(seq 1 "$N"); do
		ip netns add "so-n$i"
		ip link add "so-v$i" type veth peer name eth0 netns "so-n$i"
		ip link set "so-v$i" netns so-sw
		ip -n so-sw link set "so-v$i" master br0 up
		ip -n "so-n$i" addr add "$NET.$i/24" dev eth0
		ip -n "so-n$i" link set eth0 up
		ip -n "so-n$i" link set lo up
		mkdir -p "$B/n$i" "$B/n${i}x"
	done
	for i in $(seq 1 "$N"); do start_node "$i" || return 1; done
	echo "[$(( $(ms) - t0 ))ms] $N dockerds up"
	for i in $(seq 1 "$N"); do d "$i" load -q -i "$tar" >/dev/null & lp="$lp $!"; done
	# shellcheck disable=SC2086
	wait $lp || return 1
	echo "[$(( $(ms) - t0 ))ms] image loaded on all nodes"
	d 1 swarm init --advertise-addr "$NET.1" >/dev/null || return 1
	tok=$(d 1 swarm join-token -q worker)
	for i in $(seq 2 "$N"); do
		d "$i" swarm join --advertise-addr "$NET.$i" --token "$tok" \
		    "$NET.1:2377" >/dev/null || return 1
	done
	for _ in $(seq 1 300); do
		[ "$(d 1 node ls --format '{{.Status}}' | grep -c Ready)" = "$N" ] &&
			break
		sleep 0.1
	done
	echo "[$(( $(ms) - t0 ))ms] swarm of $N nodes ready"
}

down() {
	local i c t0
	t0=$(ms)
	for i in $(seq 1 "$N"); do stop_node "$i"; done
	for i in $(seq 1 "$N"); do
		for c in /sys/fs/cgroup/*/so-n$i; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
		done
		ip netns del "so-n$i" 2>/dev/null
	done
	ip link del so-h 2>/dev/null
	ip netns del so-sw 2>/dev/null
	[ "${SO_KEEP:-0}" = 1 ] || for i in $(seq 1 "$N"); do
		rm -rf "$B/n$i" "$B/n${i}x" "$B/n$i.sock" "$B/n$i.pid"
	done
	echo "[$(( $(ms) - t0 ))ms] cluster removed"
}

case $cmd in
up) up "${3:?image tar}" ;;
down) down ;;
stop) stop_node "$N" ;;
start) start_node "$N" ;;
*) echo "usage: $0 up N TAR | down N | stop I | start I" >&2; exit 2 ;;
esac
