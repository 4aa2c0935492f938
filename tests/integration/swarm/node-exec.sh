#!/bin/bash
# node-exec.sh SERVICE CMD...: `docker exec` on the engine of the node
# that runs the service's task, as an admin would check it by hand
# (SO_BASE: the cluster of scripts/swarm-cluster.sh; node 1 manages).
set -eu
B=${SO_BASE:?}
id=$1
shift
m() { docker -H "unix://$B/n1.sock" "$@"; }
tid=$(m service ps -q --filter desired-state=running "$id" | head -n 1)
[ -n "$tid" ] || { echo "node-exec: no running task of $id" >&2; exit 1; }
read -r nid cid < <(m inspect -f '{{.NodeID}} {{.Status.ContainerStatus.ContainerID}}' "$tid")
addr=$(m node inspect -f '{{.Status.Addr}}' "$nid")
exec docker -H "unix://$B/n${addr##*.}.sock" exec "$cid" "$@"
