// codeserver.js: code-server's workbench through the port proxy in
// headless Chromium (Debian's, driven by playwright-core from
// tests/integration/web), for tests/integration/proxy-codeserver.sh.
// Signs in with the dashboard's session (POST /v1/session), opens
// /w/WS/ports/8080/, and waits for the workbench, its WebSocket to the
// server (frames both ways), the explorer listing a file of the
// workspace and the editor showing its text, all of which come over
// that WebSocket, then an edit saved into the file (read back with
// docker exec). Env: URL, KEY, WS, CNAME (its container), SHOTS.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const { URL: BASE, KEY, WS, CNAME, SHOTS } = process.env;
const ok = (m) => console.log('ok - ' + m);
const must = (c, m) => { if (!c) throw new Error(m); };

async function main() {
	fs.mkdirSync(SHOTS, { recursive: true });
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const r = await ctx.request.post(BASE + '/v1/session', { data: { key: KEY } });
	must(r.ok(), 'login: ' + r.status());
	const page = await ctx.newPage();
	const prefix = BASE + '/w/' + WS + '/ports/8080/';
	const wsPrefix = prefix.replace(/^http/, 'ws');
	const sockets = [];
	const failed = [];
	page.on('websocket', (ws) => {
		const s = { url: ws.url(), rx: 0, tx: 0, closed: false };
		sockets.push(s);
		ws.on('framereceived', () => s.rx++);
		ws.on('framesent', () => s.tx++);
		ws.on('close', () => { s.closed = true; });
	});
	page.on('response', (res) => {
		if (res.status() >= 500 && res.url().startsWith(prefix))
			failed.push(res.status() + ' ' + res.url());
	});
	const t0 = Date.now();
	await page.goto(prefix, { waitUntil: 'domcontentloaded', timeout: 90000 });
	await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
	ok(`the workbench loaded through the proxy in ${Date.now() - t0} ms (${page.url()})`);
	must(page.url().startsWith(prefix), 'left the proxy: ' + page.url());
	const file = page.locator('.explorer-folders-view').getByText('hello-from-berth.txt');
	await file.waitFor({ timeout: 90000 });
	ok('the explorer lists the workspace\'s file');
	await file.click();
	await page.locator('.monaco-editor .view-lines')
		.filter({ hasText: 'written inside the workspace' }).waitFor({ timeout: 60000 });
	ok('the editor shows the file\'s text');
	// An edit saved: the server writes it, told over the WebSocket (the
	// shell test reads the file).
	await page.locator('.monaco-editor .view-line', { hasText: 'written inside' }).click();
	await page.keyboard.press('End');
	await page.keyboard.type(' saved through the proxy');
	await page.locator('.monaco-editor .view-line', { hasText: 'saved through the proxy' })
		.waitFor({ timeout: 20000 });
	await page.keyboard.press('Control+s');
	// The browser stays until the server has written it.
	let got = '';
	for (let i = 0; i < 100 && !got.includes('saved through'); i++) {
		got = execFileSync('docker', ['exec', CNAME, 'cat',
			'/home/dev/proj/hello-from-berth.txt']).toString();
		if (!got.includes('saved through'))
			await page.waitForTimeout(200);
	}
	must(got.trim() === 'written inside the workspace saved through the proxy',
		'the saved edit is not in the workspace\'s file: ' + got);
	ok('an edit typed and saved into the workspace\'s file');
	await page.screenshot({ path: path.join(SHOTS, 'code-server.png') });
	const live = sockets.filter((s) => s.url.startsWith(wsPrefix) && s.rx > 0 && s.tx > 0);
	must(live.length > 0, 'no WebSocket through the proxy carried frames both ways: ' +
		JSON.stringify(sockets));
	ok(`WebSocket through the proxy: ${live.map((s) => `${s.url.slice(wsPrefix.length - 1)} ` +
		`(${s.tx} frames sent, ${s.rx} received)`).join(', ')}`);
	must(failed.length === 0, '5xx through the proxy: ' + failed.join(', '));
	await browser.close();
}

main().catch((e) => { console.error('FAIL: ' + (e && e.stack || e)); process.exit(1); });
