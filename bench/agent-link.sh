#!/usr/bin/env bash
# agent-link.sh: what sealing costs on the agent link (bench/agent-link.c):
# the sealed link against the same handshake followed by plain bytes, on
# 127.0.0.1, alternating, in one run: dial + first echo, an echo on an
# open link (medians of N), MiB/s one way. Builds bench/agent-link.c
# against the build's static libraries (run the main build first).
# Usage: bench/agent-link.sh [N] [MIB]   (default 200, 256)
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
for l in libberthcore.a libberthcommon.a; do
	[ -f "$BUILD_DIR/$l" ] || { echo "agent-link: build first ($BUILD_DIR/$l missing)" >&2; exit 1; }
done
BIN=$(mktemp /tmp/agent-link.XXXXXX)
trap 'rm -f "$BIN"' EXIT
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$SRC_DIR/src" -o "$BIN" \
	"$SRC_DIR/bench/agent-link.c" \
	-Wl,--start-group "$BUILD_DIR/libberthcore.a" \
	"$BUILD_DIR/libberthcommon.a" -Wl,--end-group \
	$(pkg-config --libs jansson libcurl sqlite3 libcrypto libssh) \
	-lcivetweb -lpthread -ldl -lm -lutil
"$BIN" "${1:-200}" "${2:-256}"
