// dashboard.js: the dashboard in headless Chromium (Debian's, driven by
// playwright-core) against the real berthd that tests/integration/
// dashboard.sh started. Env: URL, KEY (tom), KEY2 (ann), ADMIN_KEY,
// SERVER_PY (the proxy test server), SHOTS (screenshot directory).
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const { URL: BASE, KEY, KEY2, ADMIN_KEY, SERVER_PY, SHOTS } = process.env;
let step = 'start';
const ok = (m) => console.log('ok - ' + m);
const must = (c, m) => { if (!c) throw new Error(m); };

async function shot(page, name) {
	await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: false });
}

async function login(page, key) {
	await page.goto(BASE + '/');
	await page.getByLabel('API key', { exact: true }).fill(key);
	await page.getByRole('button', { name: 'Log in' }).click();
	await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
}

async function termText(page) {
	return page.locator('.xterm-rows').innerText();
}

async function waitTerm(page, re, what) {
	const t0 = Date.now();
	for (;;) {
		const t = await termText(page);
		if (re.test(t)) return t;
		if (Date.now() - t0 > 20000)
			throw new Error(`terminal never showed ${what}; it shows:\n${t}`);
		await page.waitForTimeout(100);
	}
}

async function type(page, s) {
	await page.locator('.xterm-helper-textarea').focus();
	await page.keyboard.type(s);
	await page.keyboard.press('Enter');
}

async function rowState(page, name, state) {
	const row = page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
	await row.locator(`.badge.${state}`).waitFor({ timeout: 90000 });
	return row;
}

async function main() {
	fs.mkdirSync(SHOTS, { recursive: true });
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	try {
		const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await ctx.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));

		step = 'login';
		await page.goto(BASE + '/');
		await page.getByLabel('API key', { exact: true }).waitFor();
		must(!await page.locator('header.top').isVisible(), 'the top bar shows before login');
		await shot(page, '01-login');
		await page.getByLabel('API key', { exact: true }).fill('berth_nope_nope');
		await page.getByRole('button', { name: 'Log in' }).click();
		await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
		await login(page, KEY);
		const cookies = await ctx.cookies();
		const c = cookies.find((x) => x.name === 'berth_session');
		must(c && c.httpOnly && c.sameSite === 'Strict', 'session cookie HttpOnly SameSite=Strict: ' + JSON.stringify(c));
		must(await page.evaluate(() => document.cookie) === '', 'the page can read no cookie');
		ok('log in with an API key (a wrong one shows the API\'s message); HttpOnly, SameSite=Strict cookie');

		step = 'create';
		await page.getByRole('button', { name: 'New workspace' }).click();
		await page.getByLabel('Name', { exact: true }).fill('web1');
		const gpu = page.getByLabel('GPU');
		const opts = await gpu.locator('option').allTextContents();
		if (opts.some((o) => o.includes('1g.10gb'))) await gpu.selectOption('1g.10gb');
		await page.getByLabel('TTL').fill('4h');
		await shot(page, '02-create-form');
		await page.getByRole('button', { name: 'Create', exact: true }).click();
		await rowState(page, 'web1', 'running');
		await shot(page, '03-workspaces');
		ok('create a workspace from the form; the table shows it running without a reload');

		step = 'terminal';
		await page.getByRole('link', { name: 'web1', exact: true }).click();
		await page.getByRole('heading', { name: 'Connect' }).waitFor();
		const wsId = page.url().split('/workspaces/')[1].split('/')[0];
		await shot(page, '04-overview');
		await page.getByRole('tab', { name: 'Terminal' }).click();
		await page.locator('.xterm-rows').waitFor();
		await page.locator('#term-status').filter({ hasText: 'session web' }).waitFor();
		await type(page, 'echo hi');
		await waitTerm(page, /^hi\s*$/m, '"hi" on its own line');
		await shot(page, '05-terminal');
		ok('terminal: echo hi -> hi');

		step = 'resize';
		const before = await page.evaluate(() => [window.berthTerm.rows, window.berthTerm.cols]);
		await page.setViewportSize({ width: 900, height: 620 });
		for (let i = 0; ; i++) {
			const now = await page.evaluate(() => [window.berthTerm.rows, window.berthTerm.cols]);
			if (now[0] !== before[0] || now[1] !== before[1]) break;
			must(i < 100, 'the terminal did not follow the page size');
			await page.waitForTimeout(100);
		}
		await page.waitForTimeout(300);
		const after = await page.evaluate(() => [window.berthTerm.rows, window.berthTerm.cols]);
		await type(page, 'stty size');
		await waitTerm(page, new RegExp(`^${after[0]} ${after[1]}\\s*$`, 'm'), `stty size ${after[0]} ${after[1]}`);
		ok(`resize the page: ${before[0]}x${before[1]} -> ${after[0]}x${after[1]}, stty size follows`);
		await page.setViewportSize({ width: 1280, height: 800 });

		step = 'reload';
		await type(page, 'echo before-reload-$((6*7))');
		await waitTerm(page, /before-reload-42/, 'the marker');
		await page.reload();
		await page.locator('.xterm-rows').waitFor();
		await waitTerm(page, /before-reload-42/, 'the earlier output after a reload');
		await type(page, 'echo after-reload');
		await waitTerm(page, /^after-reload\s*$/m, 'a command after the reload');
		ok('reload: the session (?session=web) is back with its earlier output');

		step = 'proxy';
		const put = await fetch(`${BASE}/v1/workspaces/${wsId}/files?path=/tmp/server.py`, {
			method: 'PUT', headers: { Authorization: 'Bearer ' + KEY },
			body: fs.readFileSync(SERVER_PY),
		});
		must(put.ok, 'upload server.py: ' + put.status);
		await type(page, 'python3 /tmp/server.py 8000 >/tmp/srv.log 2>&1 &');
		await page.goto(`${BASE}/#/workspaces/${wsId}/overview`);
		await page.getByRole('heading', { name: 'Web apps (port proxy)' }).waitFor();
		await page.getByLabel('Port', { exact: true }).fill('8000');
		const link = page.locator('#proxy-link a').first();
		must((await link.getAttribute('href')) === `/w/${wsId}/ports/8000/`, 'the proxy link');
		const app = await ctx.newPage();
		let loaded = false;
		for (let i = 0; i < 100 && !loaded; i++) {
			const r = await app.goto(`${BASE}/w/${wsId}/ports/8000/`);
			loaded = r.status() === 200;
			if (!loaded) await app.waitForTimeout(200);
		}
		must(loaded, 'the page inside never loaded through the proxy');
		must(await app.title() === 'proxied page', 'title: ' + await app.title());
		await app.locator('#ws').filter({ hasText: 'echo:ping-through-proxy' }).waitFor();
		await shot(app, '06-proxied-page');
		await app.close();
		ok('a page served inside the workspace loads through the port proxy, and its WebSocket echo works');

		step = 'tasks';
		await page.getByRole('tab', { name: 'Tasks' }).click();
		await page.getByLabel('Command', { exact: true }).fill('echo task-out-$((40+2)); sleep 300');
		await page.getByLabel('Name', { exact: true }).fill('t1');
		await page.getByRole('button', { name: 'Start', exact: true }).click();
		await page.locator('#to').filter({ hasText: 'task-out-42' }).waitFor();
		await page.locator('#tl td', { hasText: 'running' }).first().waitFor();
		await shot(page, '06b-task');
		await page.getByRole('button', { name: 'Kill t1' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Kill' }).click();
		await page.locator('#tl td', { hasText: 'killed' }).first().waitFor({ timeout: 20000 });
		await page.locator('#to-status').filter({ hasText: 'ended: killed' }).waitFor({ timeout: 20000 });
		const tk = await page.evaluate(async (id) => (await (await fetch(`/v1/workspaces/${id}/tasks/t1`)).json()).state, wsId);
		must(tk === 'killed', 'task state after Kill: ' + tk);
		ok('tasks tab: a task started, its output followed, killed after a confirmation');

		step = 'metrics';
		await page.getByRole('tab', { name: 'Metrics' }).click();
		await page.locator('#t-mem').filter({ hasText: 'MiB' }).waitFor({ timeout: 20000 });
		await page.waitForTimeout(3500);
		await shot(page, '07-metrics');
		await page.getByRole('tab', { name: 'Logs' }).click();
		await page.locator('#log-status').filter({ hasText: /following|ended/ }).waitFor();
		await page.getByRole('tab', { name: 'Events' }).click();
		await page.locator('#ev td', { hasText: 'workspace.create' }).first().waitFor();
		await shot(page, '08-events');
		ok('metrics (CPU, memory, GPU charts), logs and events tabs');

		step = 'other user';
		const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const p2 = await ctx2.newPage();
		await login(p2, KEY2);
		await p2.getByText('No workspaces yet').waitFor();
		await p2.goto(`${BASE}/#/workspaces/${wsId}`);
		await p2.getByRole('alert').waitFor();
		const r2 = await p2.goto(`${BASE}/w/${wsId}/ports/8000/`);
		must(r2.status() === 404, 'another user through the proxy: ' + r2.status());
		await ctx2.close();
		ok('a second user sees none of it (empty table, workspace page not found, proxy 404)');

		step = 'phone, dark';
		const ctx3 = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true });
		const p3 = await ctx3.newPage();
		await login(p3, KEY);
		await rowState(p3, 'web1', 'running');
		await shot(p3, '09-phone-dark');
		await p3.goto(`${BASE}/#/workspaces/${wsId}/terminal`);
		await waitTerm(p3, /after-reload/, 'the session on the phone');
		await shot(p3, '10-phone-terminal');
		await ctx3.close();
		ok('phone width, dark: the table as cards, the same terminal session');

		step = 'admin';
		const ctx4 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const p4 = await ctx4.newPage();
		await login(p4, ADMIN_KEY);
		await p4.getByRole('link', { name: 'GPUs' }).click();
		await p4.getByRole('heading', { name: 'GPU pool' }).waitFor();
		await p4.locator('#gsum').filter({ hasText: 'devices' }).waitFor();
		if (opts.some((o) => o.includes('1g.10gb')))
			await p4.locator('#g a', { hasText: 'tom/web1' }).waitFor();
		await shot(p4, '12-admin-gpus');
		await p4.getByRole('link', { name: 'Users' }).click();
		await p4.locator('#u td', { hasText: 'tom' }).first().waitFor();
		await shot(p4, '13-admin-users');
		await p4.getByRole('button', { name: 'Log out' }).click();
		await p4.getByLabel('API key', { exact: true }).waitFor();
		const r4 = await p4.evaluate(async () => (await fetch('/v1/workspaces')).status);
		must(r4 === 401, 'after logout: ' + r4);
		await ctx4.close();
		ok('admin: the GPU pool (who holds what), users; log out ends the session');

		step = 'stop/start/delete';
		await page.goto(`${BASE}/#/workspaces`);
		await rowState(page, 'web1', 'running');
		await page.getByRole('button', { name: 'Stop web1' }).click();
		await page.getByRole('dialog').getByRole('button', { name: 'Stop' }).click();
		await rowState(page, 'web1', 'stopped');
		await page.getByRole('button', { name: 'Start web1' }).click();
		await rowState(page, 'web1', 'running');
		await page.getByRole('button', { name: 'Delete web1' }).click();
		await shot(page, '11-confirm-delete');
		await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
		await page.getByText('No workspaces yet').waitFor({ timeout: 60000 });
		ok('stop, start, delete (each confirmed in a dialog)');

		must(errors.length === 0, 'page errors: ' + errors.join('; '));
	} finally {
		await browser.close();
	}
}

main().catch((e) => {
	console.error(`FAIL at ${step}: ${e.stack || e}`);
	process.exit(1);
});
