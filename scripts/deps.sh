#!/usr/bin/env bash
# deps.sh: install, only if missing, the Debian packages berth needs, then
# make sure a Docker engine answers on /var/run/docker.sock.
#
# Idempotent and non-interactive; fast (< 2 s) when everything is there.
# Runs as root, or through sudo when not root.
#
# Environment:
#   BERTH_EXTRA_PKGS   more packages to install (space separated)
#   BERTH_SKIP_DOCKER  =1: do not check or start the Docker engine
#   DOCKER_WAIT_S      how long to wait for dockerd to answer (default 60)
#   BERTH_DOCKERD_LOG  where a dockerd started here logs (/var/log/dockerd.log)
set -euo pipefail

# Every Debian package the project needs. Others may append to this list.
DEPS_PKGS="build-essential cmake pkg-config git libjansson-dev
libcurl4-openssl-dev libsqlite3-dev sqlite3 libssl-dev libssh-dev docker.io
debootstrap busybox-static curl jq openssh-client rsync wrk clang tmux procps
psmisc iproute2 ca-certificates debian-archive-keyring python3-paramiko
python3-cryptography ansible-core"
# promtool (tests/integration/metrics.sh); node and npm for the OpenAPI
# validators (tests/integration/openapi.sh, into ./node_modules) and the
# terminal tests' WebSocket client (tests/integration/term, npm ws).
DEPS_PKGS="$DEPS_PKGS prometheus nodejs"
# A nodejs from elsewhere (NodeSource) carries its own npm.
command -v npm >/dev/null 2>&1 || DEPS_PKGS="$DEPS_PKGS npm"
# Debian's chromium for the dashboard's browser test (playwright-core
# drives it headless; tests/integration/dashboard.sh).
DEPS_PKGS="$DEPS_PKGS chromium"
# musl-gcc: the static berth-sup (docs/exec.md).
DEPS_PKGS="$DEPS_PKGS musl-tools"
DEPS_PKGS="$DEPS_PKGS ${BERTH_EXTRA_PKGS:-}"

DOCKER_SOCK=/var/run/docker.sock
DOCKERD_LOG=${BERTH_DOCKERD_LOG:-/var/log/dockerd.log}
DOCKER_WAIT_S=${DOCKER_WAIT_S:-60}

die() {
	printf 'deps.sh: error: %s\n' "$*" >&2
	exit 1
}

say() {
	printf 'deps.sh: %s\n' "$*" >&2
}

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo -n"
	else
		die "not root and no sudo: run as root"
	fi
fi

export DEBIAN_FRONTEND=noninteractive
# Debian/Ubuntu's needrestart would otherwise ask or print noise.
export NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1

# Packages whose dpkg status is not "installed".
missing_pkgs() {
	local p st
	declare -A have=()
	while read -r p st; do
		[ "$st" = installed ] && have[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
	    $DEPS_PKGS 2>/dev/null || true)
	for p in $DEPS_PKGS; do
		[ -n "${have[$p]:-}" ] || printf '%s ' "$p"
	done
}

command -v dpkg-query >/dev/null 2>&1 ||
	die "dpkg-query not found: this script needs Debian or Ubuntu"

missing=$(missing_pkgs)
if [ -n "$missing" ]; then
	say "installing: $missing"
	t0=$SECONDS
	$SUDO apt-get update -q </dev/null ||
		die "apt-get update failed"
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a \
	    NEEDRESTART_SUSPEND=1 apt-get install -y -q \
	    --no-install-recommends -o Dpkg::Options::=--force-confdef \
	    -o Dpkg::Options::=--force-confold $missing </dev/null ||
		die "apt-get install failed for: $missing"
	still=$(missing_pkgs)
	[ -z "$still" ] || die "still missing after install: $still"
	say "packages installed in $((SECONDS - t0)) s"
fi

# npm packages for the OpenAPI checks, into tests/openapi/node_modules
# (gitignored; never global).
openapi_dir=$(cd "$(dirname "$0")/.." && pwd)/tests/openapi
if [ -f "$openapi_dir/package.json" ] &&
    [ ! -x "$openapi_dir/node_modules/.bin/redocly" ]; then
	say "installing the OpenAPI validators into $openapi_dir/node_modules"
	(cd "$openapi_dir" && { npm ci --no-audit --no-fund ||
	    npm install --no-audit --no-fund; }) </dev/null >&2 ||
		die "npm install failed in $openapi_dir"
fi
# The terminal tests' WebSocket client (npm ws), into
# tests/integration/term/node_modules, the MCP test's client (the official
# MCP TypeScript SDK, @modelcontextprotocol/sdk) into
# tests/integration/mcp/node_modules, and the dashboard's vendor files
# (xterm.js, uPlot) into web/node_modules, which the build compiles into
# berthd, and playwright-core for the dashboard test (each pinned by its
# package-lock.json).
for d in "$(dirname "$0")/../tests/integration/term" "$(dirname "$0")/../web" \
    "$(dirname "$0")/../tests/integration/web" \
    "$(dirname "$0")/../tests/integration/mcp"; do
	if [ -f "$d/package-lock.json" ] && [ ! -d "$d/node_modules" ]; then
		say "npm ci in $d"
		(cd "$d" && npm ci --no-audit --no-fund >/dev/null) ||
			die "npm ci failed in $d"
	fi
done

# code-server for the port proxy's test (tests/integration/proxy-
# codeserver.sh): from npm with the Node.js it runs on, its native modules
# built here (a few minutes the first time; a stamp skips it after).
say "code-server for the port-proxy test"
bash "$(dirname "$0")/../tests/integration/proxy/codeserver/setup.sh" \
    </dev/null >&2 || die "tests/integration/proxy/codeserver/setup.sh failed"

[ "${BERTH_SKIP_DOCKER:-0}" = 1 ] && exit 0

docker_ok() {
	$SUDO docker version >/dev/null 2>&1
}

if docker_ok; then
	exit 0
fi

command -v dockerd >/dev/null 2>&1 || die "dockerd not found (docker.io missing?)"

started=
if command -v systemctl >/dev/null 2>&1 &&
    [ -d /run/systemd/system ] &&
    $SUDO systemctl start docker </dev/null >/dev/null 2>&1; then
	started="systemctl start docker"
fi
if [ -z "$started" ]; then
	if pgrep -x dockerd >/dev/null 2>&1; then
		started="(dockerd already running, waiting for it)"
	else
		# In its own session, so that the end of this script's process
		# group (a CI job, ^C) leaves it running. dockerd itself replaces
		# a stale socket and pid file.
		if command -v setsid >/dev/null 2>&1; then
			$SUDO setsid -f sh -c 'exec dockerd >"$1" 2>&1 </dev/null' \
			    sh "$DOCKERD_LOG"
		else
			$SUDO sh -c 'nohup dockerd >"$1" 2>&1 </dev/null &' \
			    sh "$DOCKERD_LOG"
		fi
		started="dockerd >$DOCKERD_LOG"
	fi
fi
say "starting Docker engine: $started"

i=0
while [ "$i" -lt "$((DOCKER_WAIT_S * 5))" ]; do
	if docker_ok; then
		say "Docker engine answers on $DOCKER_SOCK after $((i / 5)) s"
		exit 0
	fi
	sleep 0.2
	i=$((i + 1))
done
tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
die "Docker engine did not answer on $DOCKER_SOCK within ${DOCKER_WAIT_S} s (see $DOCKERD_LOG)"
