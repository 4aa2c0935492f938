#!/usr/bin/env bash
# test.sh: runs the whole test suite on a fresh Debian/Ubuntu machine:
# installs what is missing, starts the Docker engine, builds the workspace
# images, checks the plain gcc build with -Werror, then builds everything
# with clang under AddressSanitizer + UBSan (with the libFuzzer targets) and
# runs every test with ctest: unit, integration (real berthd, berth CLI,
# dockerd, OpenSSH, curl, Chromium) and the fuzzers for a bounded time.
#
# Usage: scripts/test.sh [ctest args...]   e.g. scripts/test.sh -R smoke
# Environment: BERTH_FUZZ_SECONDS (default 60), BERTH_TEST_JOBS (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*" >&2; }

say "dependencies and Docker engine"
scripts/deps.sh
say "workspace images"
scripts/build-images.sh --quiet

say "plain build (gcc, -Wall -Wextra -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 >/dev/null

say "test build (clang, ASan + UBSan, libFuzzer targets)"
CC=clang cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug \
	-DBERTH_SANITIZE=ON -DBERTH_FUZZ=ON \
	-DBERTH_FUZZ_SECONDS="${BERTH_FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-test -j2 >/dev/null

# A small quarantine: freed memory is reused sooner, so the tests that
# watch berthd's RSS (streamed output and files) see the program, not
# ASan's 256 MB default quarantine.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:halt_on_error=1:quarantine_size_mb=16}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
say "running the tests"
cd build-test
exec ctest --output-on-failure -j"${BERTH_TEST_JOBS:-2}" "$@"
