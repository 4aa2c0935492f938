#!/usr/bin/env bash
# up.sh: on a fresh Debian/Ubuntu machine, install what is missing, build
# berth, start the Docker engine if none answers, build the default
# workspace image and run berthd with its state in ./var, ready to use.
#
# Usage: scripts/up.sh [--foreground] [berthd flags...]
#   berthd runs in the background (log: var/berthd.log, pid: var/berthd.pid)
#   unless --foreground is given. scripts/down.sh stops it.
# Environment: BERTH_LISTEN (127.0.0.1:8080), BERTH_SSH_LISTEN
# (127.0.0.1:2222), BERTH_STATE_DIR (./var).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

fg=0
if [ "${1:-}" = "--foreground" ]; then
	fg=1
	shift
fi
listen=${BERTH_LISTEN:-127.0.0.1:8080}
ssh_listen=${BERTH_SSH_LISTEN:-127.0.0.1:2222}
state=${BERTH_STATE_DIR:-$top/var}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

say "installing missing packages and starting the Docker engine"
scripts/deps.sh
say "building berth"
mkdir -p "$state"
if ! { cmake -S . -B build && cmake --build build -j"$(nproc)"; } >"$state/build.log" 2>&1; then
	grep -E 'error|Error' "$state/build.log" | head -n 20 >&2
	echo "build failed (full log: $state/build.log)" >&2
	exit 1
fi
say "building the workspace images (cached after the first time)"
scripts/build-images.sh --quiet

mkdir -p "$state"
chmod 0700 "$state"
if [ -f "$state/berthd.pid" ] && kill -0 "$(cat "$state/berthd.pid")" 2>/dev/null; then
	say "berthd is already running (pid $(cat "$state/berthd.pid")); scripts/down.sh stops it"
else
	if [ "$fg" = 1 ]; then
		exec build/berthd --listen "$listen" --ssh-listen "$ssh_listen" \
			--state-dir "$state" "$@"
	fi
	say "starting berthd"
	build/berthd --listen "$listen" --ssh-listen "$ssh_listen" \
		--state-dir "$state" "$@" >>"$state/berthd.out" 2>>"$state/berthd.log" &
	echo $! >"$state/berthd.pid"
	for _ in $(seq 100); do
		curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
		kill -0 "$(cat "$state/berthd.pid")" 2>/dev/null || {
			tail -n 20 "$state/berthd.log" >&2
			echo "berthd failed to start" >&2
			exit 1
		}
		sleep 0.1
	done
fi
curl -fsS "http://$listen/healthz" >/dev/null || { echo "berthd is not answering on $listen" >&2; exit 1; }
key=$(cat "$state/admin.key")
cat <<MSG

berthd is running.
  dashboard:       http://$listen/   (log in with the admin API key below)
  API:             http://$listen/v1/
  SSH gateway:     ${ssh_listen}
  state:           $state   (log: $state/berthd.log)
  admin API key:   $key

Create a workspace and run a command in it:
  export BERTH_API_URL=http://$listen BERTH_API_KEY=$key
  curl -s -H "Authorization: Bearer \$BERTH_API_KEY" \\
    -d '{"name":"train","wait":true}' \$BERTH_API_URL/v1/workspaces
  build/berth deploy train --wait      # the same with the CLI
  build/berth exec train -- uname -a
  build/berth ssh-keys add --key-file ~/.ssh/id_ed25519.pub && ssh -p ${ssh_listen##*:} train@${ssh_listen%:*}

Stop it with scripts/down.sh.
MSG
