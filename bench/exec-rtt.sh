#!/usr/bin/env bash
# exec-rtt.sh: exec round trip of `true` through proc.h (Docker exec from C)
# vs `docker exec C true`, median of N each in one run, with the cost of
# each step of Docker's exec path. Builds bench/exec-rtt.c against the
# build's static libraries (run the main build first).
# Usage: bench/exec-rtt.sh [N] [IMAGE]   (default 50; berth/workspace:latest
# when present, else the busybox test image)
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
N=${1:-50}
IMAGE=${2:-}
if [ -z "$IMAGE" ]; then
	if docker image inspect berth/workspace:latest >/dev/null 2>&1; then
		IMAGE=berth/workspace:latest
	else
		IMAGE=berthtest/busybox:latest
	fi
fi
for l in libberthcore.a libberthcommon.a; do
	[ -f "$BUILD_DIR/$l" ] || { echo "exec-rtt: build first ($BUILD_DIR/$l missing)" >&2; exit 1; }
done
BIN=$(mktemp /tmp/exec-rtt.XXXXXX)
trap 'rm -f "$BIN"' EXIT
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$SRC_DIR/src" -o "$BIN" \
	"$SRC_DIR/bench/exec-rtt.c" \
	-Wl,--start-group "$BUILD_DIR/libberthcore.a" \
	"$BUILD_DIR/libberthcommon.a" -Wl,--end-group \
	$(pkg-config --libs jansson libcurl sqlite3 libcrypto libssh) \
	-lcivetweb -lpthread -ldl -lm -lutil
"$BIN" "$IMAGE" "$N"
