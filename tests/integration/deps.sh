#!/usr/bin/env bash
# deps: scripts/deps.sh installs only what is missing and gets a Docker
# engine answering. Runs the real script against the real dpkg database;
# apt-get, dockerd, docker and pgrep are replaced by recording stand-ins in
# the engine-start cases so that nothing is installed and the host's engine
# is never touched. Exit status is the verdict.
set -euo pipefail

SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DEPS=$SRC_DIR/scripts/deps.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { printf 'ok   %s\n' "$*"; }
bad() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }

if [ "$(id -u)" -ne 0 ]; then
	# As non-root the script goes through sudo, whose secure_path would
	# bypass the stand-ins below and reach the real apt-get.
	echo "FAIL this test must run as root (like scripts/deps.sh)"
	exit 1
fi

mkdir -p "$TMP/bin"
# apt-get stand-in: records its arguments, exits $FAKE_APT_RC.
cat >"$TMP/bin/apt-get" <<'EOS'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_LOG"
exit "${FAKE_APT_RC:-0}"
EOS
# docker stand-in: the engine answers once $FAKE_UP exists.
cat >"$TMP/bin/docker" <<'EOS'
#!/bin/sh
echo "docker $*" >>"$FAKE_LOG"
[ -e "$FAKE_UP" ]
EOS
# dockerd stand-in: comes up after 0.3 s unless FAKE_DOCKERD_DEAD=1.
cat >"$TMP/bin/dockerd" <<'EOS'
#!/bin/sh
echo "dockerd $*" >>"$FAKE_LOG"
[ "${FAKE_DOCKERD_DEAD:-0}" = 1 ] && exit 1
sleep 0.3
touch "$FAKE_UP"
EOS
printf '#!/bin/sh\nexit 1\n' >"$TMP/bin/pgrep"
printf '#!/bin/sh\nexit 1\n' >"$TMP/bin/systemctl"
chmod 0755 "$TMP/bin/"*
mkdir -p "$TMP/bin-apt-only"
cp "$TMP/bin/apt-get" "$TMP/bin-apt-only/apt-get"
export FAKE_LOG=$TMP/calls FAKE_UP=$TMP/up BERTH_DOCKERD_LOG=$TMP/dockerd.log

# 1. Everything present (the real engine answers): no apt-get, < 2 s
#    (best of two runs: the machine is shared and load spikes).
: >"$FAKE_LOG"
best=999999
for _ in 1 2; do
	t0=$(date +%s%N)
	rc=0
	PATH="$TMP/bin-apt-only:$PATH" "$DEPS" </dev/null >"$TMP/out" 2>&1 || rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$rc" = 0 ] || break
	[ "$ms" -lt "$best" ] && best=$ms
done
if [ "$rc" = 0 ] && [ ! -s "$FAKE_LOG" ] && [ "$best" -lt 2000 ]; then
	ok "all present: exit 0 in $best ms, apt-get not run"
else
	bad "all present: rc=$rc ms=$best calls=$(cat "$FAKE_LOG") $(cat "$TMP/out")"
fi

# 2. A missing package: update once, install only it; still missing -> fail.
: >"$FAKE_LOG"
rc=0
PATH="$TMP/bin:$PATH" BERTH_SKIP_DOCKER=1 \
    BERTH_EXTRA_PKGS=berth-test-no-such-package "$DEPS" </dev/null \
    >"$TMP/out" 2>&1 || rc=$?
want="apt-get update -q
apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold berth-test-no-such-package"
if [ "$rc" != 0 ] && [ "$(cat "$FAKE_LOG")" = "$want" ] &&
    grep -q 'still missing after install: berth-test-no-such-package' "$TMP/out"; then
	ok "missing package: one update, install of just it, clear failure"
else
	bad "missing package: rc=$rc calls=[$(cat "$FAKE_LOG")] $(cat "$TMP/out")"
fi

# 3. apt-get failing is reported.
: >"$FAKE_LOG"
rc=0
PATH="$TMP/bin:$PATH" FAKE_APT_RC=100 BERTH_SKIP_DOCKER=1 \
    BERTH_EXTRA_PKGS=berth-test-no-such-package "$DEPS" </dev/null \
    >"$TMP/out" 2>&1 || rc=$?
if [ "$rc" != 0 ] && grep -q 'apt-get update failed' "$TMP/out"; then
	ok "apt-get failure: non-zero exit with a clear message"
else
	bad "apt-get failure: rc=$rc $(cat "$TMP/out")"
fi

# 4. No engine: dockerd is started and waited for.
: >"$FAKE_LOG"
rm -f "$FAKE_UP"
rc=0
PATH="$TMP/bin:$PATH" DOCKER_WAIT_S=10 "$DEPS" </dev/null >"$TMP/out" 2>&1 || rc=$?
if [ "$rc" = 0 ] && grep -q '^dockerd' "$FAKE_LOG" &&
    grep -q 'Docker engine answers' "$TMP/out"; then
	ok "no engine: dockerd started, script waits until it answers"
else
	bad "no engine: rc=$rc calls=[$(cat "$FAKE_LOG")] $(cat "$TMP/out")"
fi

# 5. An engine that never answers: fail after DOCKER_WAIT_S with a message.
: >"$FAKE_LOG"
rm -f "$FAKE_UP"
rc=0
t0=$(date +%s)
PATH="$TMP/bin:$PATH" FAKE_DOCKERD_DEAD=1 DOCKER_WAIT_S=1 "$DEPS" </dev/null \
    >"$TMP/out" 2>&1 || rc=$?
s=$(( $(date +%s) - t0 ))
if [ "$rc" != 0 ] && [ "$s" -le 5 ] &&
    grep -q 'did not answer on /var/run/docker.sock within 1 s' "$TMP/out"; then
	ok "dead engine: fails after the wait with a clear message"
else
	bad "dead engine: rc=$rc s=$s $(cat "$TMP/out")"
fi

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all deps.sh checks passed"
