#!/usr/bin/env bash
# files.sh: 1 GiB through the files API vs `docker cp`, both ways, in one
# run: upload (PUT .../files, raw) vs `docker cp FILE C:/path`, download
# (GET .../files) vs `docker cp C:/path FILE`; throughput and ratio
# (target >= 1.0x), md5 checked, and berthd's RSS sampled during the
# upload (it must stay flat).
# Usage: bench/files.sh [MiB]   (default 1024)
. "$(dirname "$0")/lib.sh"
MIB=${1:-1024}
BYTES=$((MIB * 1048576))
berthd_start
expect 201 POST /v1/workspaces '{"name":"bfiles","wait":true}'
ID=$(jget "$BODY" .id)
C=$(jget "$BODY" .container_id)
head -c "$BYTES" /dev/urandom >"$WORK/src"
want=$(md5sum <"$WORK/src" | cut -d' ' -f1)
secs() { awk -v a="$2" -v b="$1" 'BEGIN {printf "%.3f\n", (a - b) / 1000}'; }
mbps() { awk -v s="$1" -v n="$BYTES" 'BEGIN {printf "%.0f", n / 1048576 / s}'; }

# RSS sampler
rss0=$(rss_mb "$BERTHD_PID")
( while kill -0 "$BERTHD_PID" 2>/dev/null; do rss_mb "$BERTHD_PID"; sleep 0.2; done ) >"$WORK/rss.txt" &
SAMPLER=$!

t0=$(now_ms)
st=$(curl -sS -o "$WORK/put.json" -w '%{http_code}' -T "$WORK/src" \
	-H "Authorization: Bearer $ADMIN_KEY" "$URL/v1/workspaces/$ID/files?path=/home/dev/api.bin")
t1=$(now_ms)
[ "$st" = 200 ] || fail "upload -> $st: $(cat "$WORK/put.json")"
kill "$SAMPLER"; wait "$SAMPLER" 2>/dev/null || true
up_api=$(secs "$t0" "$t1")
rss_max=$(sort -n "$WORK/rss.txt" | tail -n 1)

t0=$(now_ms)
docker cp "$WORK/src" "$C:/home/dev/cp.bin"
t1=$(now_ms)
up_cp=$(secs "$t0" "$t1")

t0=$(now_ms)
st=$(curl -sS -o "$WORK/down.api" -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" \
	"$URL/v1/workspaces/$ID/files?path=/home/dev/api.bin")
t1=$(now_ms)
[ "$st" = 200 ] || fail "download -> $st"
down_api=$(secs "$t0" "$t1")
[ "$(md5sum <"$WORK/down.api" | cut -d' ' -f1)" = "$want" ] || fail "API round trip md5 differs"
rm -f "$WORK/down.api"

t0=$(now_ms)
docker cp "$C:/home/dev/cp.bin" "$WORK/down.cp"
t1=$(now_ms)
down_cp=$(secs "$t0" "$t1")
[ "$(md5sum <"$WORK/down.cp" | cut -d' ' -f1)" = "$want" ] || fail "docker cp round trip md5 differs"
rm -f "$WORK/down.cp" "$WORK/src"

printf '%d MiB upload:   API %.1f s (%s MiB/s), docker cp %.1f s (%s MiB/s), throughput ratio %.2fx (target >= 1.0x)\n' \
	"$MIB" "$up_api" "$(mbps "$up_api")" "$up_cp" "$(mbps "$up_cp")" "$(awk -v a="$up_cp" -v b="$up_api" 'BEGIN {print a / b}')"
printf '%d MiB download: API %.1f s (%s MiB/s), docker cp %.1f s (%s MiB/s), throughput ratio %.2fx (target >= 1.0x)\n' \
	"$MIB" "$down_api" "$(mbps "$down_api")" "$down_cp" "$(mbps "$down_cp")" "$(awk -v a="$down_cp" -v b="$down_api" 'BEGIN {print a / b}')"
printf 'berthd RSS: %.1f MB before the upload, at most %.1f MB during it (%d samples)\n' \
	"$rss0" "$rss_max" "$(wc -l <"$WORK/rss.txt")"
