#!/usr/bin/env bash
# proxy: a download through the port proxy (/w/{id}/ports/{port}/...) vs
# the same download straight from the container's address on the
# workspace network, same server, same run, alternating, best of ROUNDS:
# BENCH_MB (1024) MiB of zeros from tests/integration/proxy/server.py
# (python3 in the default image), read by curl into /dev/null.
# Also the time to first byte of a small page (median of 50) both ways,
# and 200 small pages on one kept connection (curl with 200 URLs) both
# ways, and through the proxy with a connection each.
# Usage: bench/proxy.sh   (BENCH_MB default 1024, ROUNDS 3, BUILD_DIR)
# Starts its own berthd on free loopback ports; talks only to 127.0.0.1
# and the workspace's own container.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
MB=${BENCH_MB:-1024}
ROUNDS=${ROUNDS:-3}
P=$SRC_DIR/tests/integration/proxy
berthd_start
KEY=$(mkuser bench)
body=$(jq -n --rawfile s "$P/server.py" \
	'{name:"pb",wait:true,command:["python3","-c",$s,"8000"]}')
expect 201 POST /v1/workspaces "$body" "$KEY"
WS=$(jget "$BODY" .id)
IP=$(docker inspect "$(cname "$WS")" --format \
	'{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')
PX=$URL/w/$WS/ports/8000
DIRECT=http://$IP:8000
wait_for curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" "$PX/headers" ||
	fail "server did not come up"

rate() { # URL [curl args]: MB/s of one download
	local u=$1
	shift
	curl -fsS -o /dev/null -w '%{size_download} %{time_total}\n' "$@" "$u" |
		awk '{ printf "%.1f\n", $1 / $2 / 1e6 }'
}
bp=0
bd=0
for r in $(seq "$ROUNDS"); do
	d=$(rate "$DIRECT/big?mb=$MB")
	p=$(rate "$PX/big?mb=$MB" -H "Authorization: Bearer $KEY")
	echo "round $r: direct $d MB/s, proxy $p MB/s" >&2
	echo "$p $d" | awk '{ print $1 / $2 }' >>"$WORK/ratios"
	bd=$(awk -v a="$bd" -v b="$d" 'BEGIN { print (b > a) ? b : a }')
	bp=$(awk -v a="$bp" -v b="$p" 'BEGIN { print (b > a) ? b : a }')
done
printf 'download of %d MiB (best of %d): proxy %s MB/s, direct %s MB/s, ratio %.2f; median of the rounds'"'"' ratios %.2f (target >= 0.8)\n' \
	"$MB" "$ROUNDS" "$bp" "$bd" "$(awk -v a="$bp" -v b="$bd" 'BEGIN { print a / b }')" \
	"$(median <"$WORK/ratios")"

ttfb() { # URL [curl args]: median ms to the first byte of 50
	local u=$1
	shift
	for _ in $(seq 50); do
		curl -fsS -o /dev/null -w '%{time_starttransfer}\n' "$@" "$u"
	done | awk '{ print $1 * 1000 }' | median
}
td=$(ttfb "$DIRECT/headers")
tp=$(ttfb "$PX/headers" -H "Authorization: Bearer $KEY")
printf 'small page, time to first byte (median of 50): proxy %.2f ms, direct %.2f ms\n' "$tp" "$td"

kept() { # URL [curl args]: ms for 200 small pages on one connection
	local u=$1 urls=() t0
	shift
	for _ in $(seq 200); do
		urls+=("$u")
	done
	t0=$(date +%s%N)
	curl -fsS "$@" "${urls[@]}" >/dev/null
	echo $((($(date +%s%N) - t0) / 1000000))
}
kd=$(kept "$DIRECT/headers")
kp=$(kept "$PX/headers" -H "Authorization: Bearer $KEY")
cp=$(kept "$PX/headers" -H "Authorization: Bearer $KEY" -H 'Connection: close')
printf '200 small pages on one kept connection: proxy %d ms, direct %d ms; through the proxy with a new connection each (Connection: close) %d ms\n' \
	"$kp" "$kd" "$cp"
