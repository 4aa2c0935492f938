#!/usr/bin/env bash
# crash.sh: the crash suite (tests/integration/kill9-suite.sh) with more
# trials: kill -9 of berthd at seeded random points of create, delete,
# start, stop, redeploy, exec, upload and SSH, restart, invariants. Prints
# the seed, one line per trial, and trials / faults survived / violations
# (each violation with its trial). Exit status 1 when anything was lost.
# Usage: bench/kill9.sh [TRIALS] [SEED]   (default 200, random seed)
#   BERTH_CRASH_OPS="create delete" bench/kill9.sh 100 7   (some ops only)
export BERTH_CRASH_TRIALS=${1:-200}
export BERTH_CRASH_OPS=${BERTH_CRASH_OPS:-create delete start stop redeploy exec upload ssh}
[ -n "${2:-}" ] && export BERTH_CRASH_SEED=$2
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
export BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
exec bash "$SRC_DIR/tests/integration/kill9-suite.sh"
