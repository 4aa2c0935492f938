#!/usr/bin/env bash
# check-style.sh: the checks STYLE.md asks for that a compiler does not make,
# run by the test suite (ctest: style/check) as curl runs checksrc:
#   - no banned function (sprintf, vsprintf, strcpy, strcat, gets, atoi,
#     atol, atoll, strtok, tmpnam, mktemp) in src/ or tests/;
#   - no file in src/ over 1,000 lines;
#   - no line in src/ over 80 columns (tabs are 8);
#   - no SQL outside the store (src/db*.c);
#   - no call cycle between modules (from the object files of BUILD_DIR:
#     module A uses a symbol of B and B, directly or not, one of A).
# Usage: scripts/check-style.sh [BUILD_DIR]   (default: build)
# Exit status 0 when clean; each finding on stderr as file:line: message.
set -u
cd "$(dirname "$0")/.."
build=${1:-${BUILD_DIR:-build}}
bad=0
fail() { printf '%s\n' "$*" >&2; bad=1; }

# Banned functions: a call, not a longer name (snprintf, strtok_r).
banned='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atoll|strtok|tmpnam|mktemp)[[:space:]]*\('
while IFS= read -r hit; do
	fail "$hit: banned function (STYLE.md: snprintf, strlcpy-style, strtonum-style)"
done < <(grep -nE "$banned" src/*.c src/*.h tests/unit/*.c tests/fuzz/*.c \
    tests/nvml/*.c 2>/dev/null | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')

for f in src/*.c src/*.h; do
	n=$(wc -l < "$f")
	[ "$n" -le 1000 ] || fail "$f: $n lines (at most 1,000: split it)"
	expand -t8 "$f" | awk -v f="$f" 'length($0) > 80 { bad = 1
		printf "%s:%d: %d columns (at most 80)\n", f, NR, length($0) }
	    END { exit bad }' >&2 || bad=1
done

# SQL lives in the store only.
while IFS= read -r hit; do
	fail "$hit: SQL outside the store (src/db*.c)"
done < <(grep -nE 'sqlite3_|db_prep|db_run|db_bind|db_col_' src/*.c src/*.h |
    grep -vE '^src/db[^/]*\.[ch]:')

# Module call cycles, from the object files.
if [ -d "$build/CMakeFiles" ]; then
	if ! python3 scripts/module-cycles.py "$build"; then
		bad=1
	fi
else
	fail "$build: no object files to check for call cycles (build first)"
fi

exit $bad
