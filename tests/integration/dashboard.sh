# dashboard: the dashboard at / in headless Chromium (Debian's chromium,
# driven by playwright-core from npm, tests/integration/web) against this
# berthd and the real dockerd, with the NVML stand-in for a GPU pool: log
# in; create a workspace from the form; its terminal (echo hi, a page
# resize that stty size follows, a reload that brings the session's
# earlier output back); a page served inside the workspace through the
# port proxy with a WebSocket echo; metrics, logs, events; a second user
# sees none of it; phone width in dark mode; stop, start, delete; the
# admin's GPU pool and users; log out. Screenshots go to
# $BUILD_DIR/artifacts/dashboard/.
. "$(dirname "$0")/lib.sh"
W=$SRC_DIR/tests/integration/web
[ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (scripts/deps.sh installs Debian's chromium)"
if [ ! -d "$W/node_modules/playwright-core" ]; then
	(cd "$W" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		fail "npm ci (playwright-core) in $W"
fi
export NVML_STANDIN_MACHINE=$SRC_DIR/tests/nvml/h100-7x1g.json
berthd_start --nvml-lib "$BUILD_DIR/libnvml-standin.so" --gpu-attach env
code=$(curl -sS -o "$WORK/index.html" -w '%{http_code}' "$URL/")
assert_eq "$code" 200 "GET /"
grep -q 'vendor/xterm.js' "$WORK/index.html" ||
	fail "/ is not the dashboard (built without web/node_modules?): $(head -c 300 "$WORK/index.html")"
for f in app.js app.css vendor/xterm.js vendor/xterm.css vendor/addon-fit.js vendor/addon-web-links.js vendor/uPlot.js; do
	code=$(curl -sS -o /dev/null -w '%{http_code}' "$URL/$f")
	assert_eq "$code" 200 "GET /$f"
done
assert_eq "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/nope.js")" 404 "an unknown file"
curl -sS -D "$WORK/h" -o /dev/null "$URL/"
grep -qi "^Content-Security-Policy: default-src 'self'" "$WORK/h" || fail "no CSP on /"
ok "/ serves the dashboard and its vendor files from berthd (CSP, no CDN)"

KEY=$(mkuser tom)
KEY2=$(mkuser ann)
SHOTS=$BUILD_DIR/artifacts/dashboard
rm -rf "$SHOTS"
export URL KEY KEY2 ADMIN_KEY SHOTS SERVER_PY=$SRC_DIR/tests/integration/proxy/server.py
node "$W/dashboard.js" || fail "the dashboard in Chromium"
n=$(ls "$SHOTS"/*.png | wc -l)
[ "$n" -ge 13 ] || fail "only $n screenshots in $SHOTS"
ok "$n screenshots in $SHOTS"
