/* berth dashboard: vanilla JS over berthd's REST API, with the session
 * cookie from POST /v1/session and its CSRF token on every call that
 * changes something. Hash routes: #/workspaces, #/workspaces/ID[/TAB],
 * #/gpus, #/users, #/keys. */
'use strict';

const S = { me: null, csrf: null, timers: [], cleanups: [], seq: 0 };
const $ = (sel, el = document) => el.querySelector(sel);
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) =>
	({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

/* ---------- API ---------- */

class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

async function api(method, path, body) {
	const h = {};
	if (body !== undefined) h['Content-Type'] = 'application/json';
	if (method !== 'GET' && S.csrf) h['X-CSRF-Token'] = S.csrf;
	const r = await fetch(path, {
		method, headers: h, credentials: 'same-origin',
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (r.status === 204) return null;
	const text = await r.text();
	let j = null;
	try { j = text ? JSON.parse(text) : null; } catch (e) { j = null; }
	if (!r.ok) {
		const e = j && j.error ? j.error : { code: 'http_' + r.status, message: text || r.statusText };
		if (r.status === 401 && path !== '/v1/session') {
			S.me = null;
			S.csrf = null;
			route();
		}
		throw new ApiError(r.status, e.code, e.message);
	}
	return j;
}

function toast(msg, bad) {
	const t = document.createElement('div');
	t.className = 'toast' + (bad ? ' bad' : '');
	t.textContent = msg;
	$('#toasts').append(t);
	setTimeout(() => t.remove(), bad ? 8000 : 4000);
}

function fail(e) {
	toast(e instanceof ApiError ? e.message : String(e.message || e), true);
}

function confirmDo(title, text, label) {
	const d = $('#confirm');
	$('#confirm-title').textContent = title;
	$('#confirm-text').textContent = text;
	$('#confirm-ok').textContent = label || 'Confirm';
	d.returnValue = '';
	d.showModal();
	return new Promise((res) => d.addEventListener('close',
		() => res(d.returnValue === 'ok'), { once: true }));
}

/* ---------- time ---------- */

function ago(iso) {
	if (!iso) return '–';
	return span((Date.now() - Date.parse(iso)) / 1000);
}

function span(s) {
	s = Math.max(0, Math.round(s));
	if (s < 60) return s + 's';
	if (s < 3600) return Math.floor(s / 60) + 'm';
	if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
	return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
}

function left(iso) {
	if (!iso) return '–';
	const s = (Date.parse(iso) - Date.now()) / 1000;
	return s <= 0 ? 'due' : span(s);
}

/* When an idle workspace stops: the API's idle.stops_at, else its last
 * activity plus its idle timeout. */
function idleAt(w) {
	if (w.state !== 'running' || !w.idle_timeout) return null;
	if (w.idle && w.idle.stops_at) return w.idle.stops_at;
	if (!w.last_activity_at) return null;
	return new Date(Date.parse(w.last_activity_at) + w.idle_timeout * 1000).toISOString();
}

/* Spans with data-until / data-since are kept current every second. */
function tick() {
	document.querySelectorAll('[data-until]').forEach((el) => {
		el.textContent = left(el.dataset.until);
	});
	document.querySelectorAll('[data-since]').forEach((el) => {
		el.textContent = ago(el.dataset.since);
	});
}

function every(ms, fn) {
	fn();
	S.timers.push(setInterval(fn, ms));
}

function gpuText(g) {
	if (!g) return '–';
	return g.profile ? `${g.profile}` : `${(g.model || 'GPU').replace('NVIDIA ', '')}`;
}

/* ---------- shell ---------- */

function setNav(name) {
	document.querySelectorAll('[data-nav]').forEach((a) => {
		if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	});
}

function clearView() {
	S.timers.forEach(clearInterval);
	S.timers = [];
	S.cleanups.forEach((f) => { try { f(); } catch (e) { /* gone */ } });
	S.cleanups = [];
}

async function route() {
	const my = ++S.seq;	/* a later route() wins over this one */
	clearView();
	const main = $('#main');
	if (!S.me) {
		try {
			const s = await api('GET', '/v1/session');
			if (s && s.csrf) {
				S.me = s;
				S.csrf = s.csrf;
			}
		} catch (e) { /* not signed in */ }
		if (my !== S.seq) return;
	}
	if (!S.me) {
		$('.top').hidden = true;
		return viewLogin(main);
	}
	$('.top').hidden = false;
	$('#who').textContent = S.me.user + (S.me.admin ? ' (admin)' : '');
	document.querySelectorAll('[data-admin]').forEach((el) => { el.hidden = !S.me.admin; });
	const h = location.hash.replace(/^#\/?/, '');
	const [path, query] = h.split('?');
	const parts = path.split('/').filter(Boolean);
	const q = new URLSearchParams(query || '');
	if (parts[0] === 'workspaces' && parts[1]) {
		setNav('workspaces');
		return viewWorkspace(main, decodeURIComponent(parts[1]), parts[2] || 'overview', q);
	}
	if (parts[0] === 'gpus' && S.me.admin) { setNav('gpus'); return viewGpus(main); }
	if (parts[0] === 'users' && S.me.admin) { setNav('users'); return viewUsers(main); }
	if (parts[0] === 'keys') { setNav('keys'); return viewKeys(main); }
	setNav('workspaces');
	return viewWorkspaces(main);
}

/* ---------- login ---------- */

function viewLogin(main) {
	document.title = 'Log in · berth';
	main.innerHTML = `
	<section class="panel login" aria-labelledby="login-title">
	  <h1 id="login-title"><img src="icon.svg" alt="" width="28" height="28"> berth</h1>
	  <p class="muted">GPU workspaces. Log in with an API key (<code>berth users key NAME</code>, or <code>var/admin.key</code>).</p>
	  <form id="login">
	    <label>API key <input id="key" name="key" type="password" autocomplete="current-password" required placeholder="berth_…"></label>
	    <p class="error" id="login-error" role="alert"></p>
	    <button class="primary" type="submit">Log in</button>
	  </form>
	</section>`;
	$('#key').focus();
	$('#login').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const s = await api('POST', '/v1/session', { key: $('#key').value.trim() });
			S.me = s;
			S.csrf = s.csrf;
			if (!location.hash || location.hash === '#/login') location.hash = '#/workspaces';
			route();
		} catch (e) {
			$('#login-error').textContent = e.message;
		}
	});
}

async function logout() {
	clearView();
	try { await api('DELETE', '/v1/session'); } catch (e) { /* gone anyway */ }
	S.me = null;
	S.csrf = null;
	route();
}

/* ---------- workspaces ---------- */

async function wsAction(w, action) {
	const words = {
		stop: ['Stop', 'Its processes end; the volume stays and the GPU goes back to the pool.'],
		restart: ['Restart', 'Its processes are restarted.'],
		redeploy: ['Redeploy', 'The container is made again from its image; only volumes keep their files.'],
		delete: ['Delete', 'The workspace and its container are removed for good; volumes stay.'],
	};
	if (words[action] && !await confirmDo(`${words[action][0]} ${w.name}?`, words[action][1], words[action][0]))
		return false;
	try {
		if (action === 'delete') await api('DELETE', `/v1/workspaces/${w.id}`);
		else await api('POST', `/v1/workspaces/${w.id}/${action}`);
		toast(`${w.name}: ${action} done`);
		return true;
	} catch (e) {
		fail(e);
		return false;
	}
}

function actionButtons(w) {
	const b = (a, label, cls) => `<button type="button" class="small ${cls || ''}" data-act="${a}" data-id="${esc(w.id)}" aria-label="${label} ${esc(w.name)}">${label}</button>`;
	const out = [];
	if (w.state === 'running') out.push(b('stop', 'Stop'), b('restart', 'Restart'));
	if (w.state === 'stopped' || w.state === 'failed') out.push(b('start', 'Start'));
	if (w.state !== 'creating' && w.state !== 'deleting') out.push(b('redeploy', 'Redeploy'), b('delete', 'Delete', 'danger'));
	return out.join(' ');
}

function wsRow(w) {
	const idle = idleAt(w);
	return `<tr data-ws="${esc(w.id)}">
	  <td data-label="Name"><a href="#/workspaces/${esc(w.id)}">${esc(w.name)}</a></td>
	  <td data-label="State"><span class="badge ${esc(w.state)}">${esc(w.state)}</span>${w.error ? ` <span class="muted" title="${esc(w.error)}">⚠</span>` : ''}</td>
	  <td data-label="GPU">${esc(gpuText(w.gpu))}</td>
	  <td data-label="Age"><span data-since="${esc(w.created_at)}">${ago(w.created_at)}</span></td>
	  <td data-label="TTL left">${w.expires_at ? `<span data-until="${esc(w.expires_at)}">${left(w.expires_at)}</span>` : '–'}</td>
	  <td data-label="Idle stop">${idle ? `<span data-until="${esc(idle)}">${left(idle)}</span>` : '–'}</td>
	  ${S.me.admin ? `<td data-label="Owner">${esc(w.owner)}</td>` : ''}
	  <td class="actions">${actionButtons(w)}</td>
	</tr>`;
}

async function viewWorkspaces(main) {
	document.title = 'Workspaces · berth';
	main.innerHTML = `
	<div class="head"><h1>Workspaces</h1><div class="spacer"></div>
	  <button type="button" class="primary" id="new" aria-expanded="false" aria-controls="create-panel">New workspace</button></div>
	<section class="panel" id="create-panel" hidden aria-labelledby="create-title">
	  <h2 id="create-title">New workspace</h2>
	  <form class="create" id="create">
	    <label>Name <input name="name" required pattern="[a-z0-9][a-z0-9-]{0,62}" placeholder="train" autocomplete="off"></label>
	    <label>Template <select name="template"></select></label>
	    <label>GPU <select name="gpu"><option value="">none</option></select></label>
	    <label>Volume <input name="volume" placeholder="data:/workspace" autocomplete="off"></label>
	    <label>TTL <input name="ttl" placeholder="4h (empty: default)" autocomplete="off"></label>
	    <label>SSH <select name="ssh"><option value="gateway">gateway</option><option value="direct">direct (own sshd)</option></select></label>
	    <div class="row"><button class="primary" type="submit">Create</button><button type="button" class="ghost" id="cancel">Cancel</button></div>
	  </form>
	</section>
	<section class="panel" aria-label="Workspaces">
	  <table class="ws"><thead><tr><th>Name</th><th>State</th><th>GPU</th><th>Age</th><th>TTL left</th><th>Idle stop</th>${S.me.admin ? '<th>Owner</th>' : ''}<th><span class="skip">Actions</span></th></tr></thead>
	  <tbody id="rows"><tr><td colspan="8" class="empty">Loading…</td></tr></tbody></table>
	</section>`;
	const panel = $('#create-panel');
	const toggle = (open) => {
		panel.hidden = !open;
		$('#new').setAttribute('aria-expanded', String(open));
		if (open) { fillCreate(); $('input[name=name]', panel).focus(); }
	};
	$('#new').addEventListener('click', () => toggle(panel.hidden));
	$('#cancel').addEventListener('click', () => toggle(false));
	$('#create').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = new FormData(ev.target);
		const body = { name: f.get('name').trim(), wait: false };
		if (f.get('template')) body.template = f.get('template');
		if (f.get('gpu')) body.gpu = f.get('gpu');
		if (f.get('ttl').trim()) body.ttl = f.get('ttl').trim();
		body.ssh = f.get('ssh');
		const v = f.get('volume').trim();
		if (v) {
			const [name, mount] = v.split(':');
			body.volumes = [{ name, mount: mount || '/workspace' }];
		}
		try {
			await api('POST', '/v1/workspaces', body);
			toast(`${body.name}: creating`);
			ev.target.reset();
			toggle(false);
			refresh();
		} catch (e) { fail(e); }
	});
	let last = '';
	let list = [];
	const refresh = async () => {
		try {
			list = await api('GET', '/v1/workspaces');
		} catch (e) { return; }
		const html = list.length ? list.map(wsRow).join('') :
			'<tr><td colspan="8" class="empty">No workspaces yet. <b>New workspace</b> makes one.</td></tr>';
		if (html !== last) {
			$('#rows').innerHTML = html;
			last = html;
		}
	};
	$('#rows').addEventListener('click', async (ev) => {
		const btn = ev.target.closest('button[data-act]');
		if (!btn) return;
		const w = list.find((x) => x.id === btn.dataset.id);
		if (!w) return;
		btn.disabled = true;
		await wsAction(w, btn.dataset.act);
		btn.disabled = false;
		refresh();
	});
	every(3000, refresh);
	every(1000, tick);
}

async function fillCreate() {
	const f = $('#create');
	try {
		const [tmpl, gpus] = await Promise.all([api('GET', '/v1/templates'), api('GET', '/v1/gpus/available')]);
		f.template.innerHTML = tmpl.map((t) => `<option value="${esc(t.name)}">${esc(t.name)}${t.description ? ' — ' + esc(t.description) : ''}</option>`).join('');
		const kinds = new Map();
		for (const g of gpus) {
			const k = g.kind === 'mig' ? g.profile : '1';
			const label = g.kind === 'mig' ? `${g.profile} (MIG)` : `1 × ${(g.model || 'GPU').replace('NVIDIA ', '')}`;
			const e = kinds.get(k) || { label, n: 0 };
			e.n++;
			kinds.set(k, e);
		}
		f.gpu.innerHTML = '<option value="">none</option>' + [...kinds].map(([k, e]) =>
			`<option value="${esc(k)}">${esc(e.label)} — ${e.n} free</option>`).join('');
	} catch (e) { fail(e); }
}

/* ---------- one workspace ---------- */

const TABS = [['overview', 'Overview'], ['terminal', 'Terminal'], ['tasks', 'Tasks'], ['metrics', 'Metrics'], ['logs', 'Logs'], ['events', 'Events']];

async function viewWorkspace(main, id, tab, q) {
	const my = S.seq;
	let w;
	try {
		w = await api('GET', `/v1/workspaces/${encodeURIComponent(id)}`);
		if (my !== S.seq) return;
	} catch (e) {
		if (my !== S.seq) return;
		main.innerHTML = `<div class="panel"><p class="error" role="alert">${esc(e.message)}</p><a href="#/workspaces">All workspaces</a></div>`;
		return;
	}
	document.title = `${w.name} · berth`;
	main.innerHTML = `
	<div class="head">
	  <a href="#/workspaces" aria-label="All workspaces">←</a>
	  <h1>${esc(w.name)}</h1><span class="badge ${esc(w.state)}" id="state">${esc(w.state)}</span>
	  <div class="spacer"></div><div class="row" id="acts">${actionButtons(w)}</div>
	</div>
	<nav class="tabs" role="tablist" aria-label="Workspace">${TABS.map(([k, l]) =>
		`<a role="tab" href="#/workspaces/${esc(w.id)}/${k}" aria-selected="${k === tab}">${l}</a>`).join('')}</nav>
	<section id="tab" role="tabpanel"></section>`;
	$('#acts').addEventListener('click', async (ev) => {
		const btn = ev.target.closest('button[data-act]');
		if (!btn) return;
		btn.disabled = true;
		if (await wsAction(w, btn.dataset.act) && btn.dataset.act === 'delete') {
			location.hash = '#/workspaces';
			return;
		}
		route();
	});
	const el = $('#tab');
	if (tab === 'terminal') return tabTerminal(el, w, q);
	if (tab === 'tasks') return tabTasks(el, w, q);
	if (tab === 'metrics') return tabMetrics(el, w);
	if (tab === 'logs') return tabLogs(el, w);
	if (tab === 'events') return tabEvents(el, w);
	return tabOverview(el, w);
}

function copyBox(text, label) {
	return `<div class="copy"><code>${esc(text)}</code><button type="button" class="small" data-copy="${esc(text)}" aria-label="Copy ${esc(label)}">Copy</button></div>`;
}

function tabOverview(el, w) {
	const mine = w.owner === S.me.user;
	const sessions = (w.terminal_sessions || []).map((s) =>
		`<li><a href="#/workspaces/${esc(w.id)}/terminal?session=${encodeURIComponent(s.name)}">${esc(s.name)}</a> <span class="muted">${esc(s.viewers)} viewer(s), ${ago(s.created_at)} old</span></li>`).join('');
	el.innerHTML = `
	<div class="grid">
	  <section class="panel" aria-labelledby="o1"><h2 id="o1">Workspace</h2><dl class="kv">
	    <dt>Owner</dt><dd>${esc(w.owner)}</dd>
	    <dt>Image</dt><dd class="mono">${esc(w.image)}</dd>
	    <dt>Template</dt><dd>${esc(w.template)}</dd>
	    <dt>CPUs / memory</dt><dd>${esc(w.cpus)} / ${esc(w.memory)}</dd>
	    <dt>GPU</dt><dd>${w.gpu ? `${esc(gpuText(w.gpu))} <span class="muted mono">${esc(w.gpu.uuid)}</span>` : 'none'}</dd>
	    <dt>Volumes</dt><dd>${(w.volumes || []).map((v) => `<span class="chip">${esc(v.name)}:${esc(v.mount)}</span>`).join(' ') || 'none'}</dd>
	    <dt>Created</dt><dd><span data-since="${esc(w.created_at)}">${ago(w.created_at)}</span> ago</dd>
	    <dt>TTL left</dt><dd>${w.expires_at ? `<span data-until="${esc(w.expires_at)}">${left(w.expires_at)}</span>` : 'none'}</dd>
	    <dt>Idle stop</dt><dd>${idleAt(w) ? `in <span data-until="${esc(idleAt(w))}">${left(idleAt(w))}</span>` : '–'}</dd>
	    ${w.error ? `<dt>Error</dt><dd class="error">${esc(w.error)}</dd>` : ''}
	  </dl></section>
	  <section class="panel" aria-labelledby="o2"><h2 id="o2">Connect</h2>
	    <p class="muted">SSH (add your key with <code>berth ssh-keys add</code>):</p>
	    ${w.ssh && w.ssh.command ? copyBox(w.ssh.command, 'SSH command') : '<p>–</p>'}
	    <p class="muted">CLI:</p>${copyBox(`berth ssh ${w.name}`, 'berth ssh command')}
	    <p><a class="btn" href="#/workspaces/${esc(w.id)}/terminal">Open terminal</a></p>
	    ${sessions ? `<p class="muted">Terminal sessions:</p><ul>${sessions}</ul>` : ''}
	  </section>
	  <section class="panel" aria-labelledby="o3"><h2 id="o3">Web apps (port proxy)</h2>
	    ${mine ? `<p class="muted">A server listening on 0.0.0.0:PORT inside the workspace (Jupyter, code-server, TensorBoard).</p>
	    <form class="row" id="proxy"><label>Port <input name="port" type="number" min="1" max="65535" value="8888" required style="width:7em"></label>
	      <button type="submit" class="primary">Open</button></form>
	    <p id="proxy-link" class="mono"></p>` :
		'<p class="muted">Only the owner opens these pages in the browser; admins use an API key (curl -H "Authorization: Bearer KEY").</p>'}
	  </section>
	</div>`;
	el.addEventListener('click', (ev) => {
		const b = ev.target.closest('button[data-copy]');
		if (!b) return;
		navigator.clipboard.writeText(b.dataset.copy).then(() => toast('Copied'), () => toast('Copy failed', true));
	});
	const pf = $('#proxy');
	if (pf) {
		const show = () => {
			const p = pf.port.value;
			const href = `/w/${w.id}/ports/${p}/`;
			const abs = `/w/${w.id}/absolute/${p}/`;
			$('#proxy-link').innerHTML = `<a href="${esc(href)}" target="_blank" rel="noopener noreferrer">${esc(location.origin + href)}</a>
			  <br><span class="muted">Apps told their base path (Jupyter: <code>--NotebookApp.base_url=${esc(abs)}</code>):</span>
			  <a href="${esc(abs)}" target="_blank" rel="noopener noreferrer">${esc(location.origin + abs)}</a>`;
			return href;
		};
		show();
		pf.port.addEventListener('input', show);
		pf.addEventListener('submit', (ev) => {
			ev.preventDefault();
			window.open(show(), '_blank', 'noopener');
		});
	}
	every(1000, tick);
}

/* The terminal: ttyd's protocol over /v1/workspaces/ID/terminal/ws, in a
 * named session (?session=, default "web") that outlives a reload. */
function tabTerminal(el, w, q) {
	const session = q.get('session') || 'web';
	el.innerHTML = `
	<div class="row" style="margin-bottom:10px">
	  <label style="flex-direction:row;align-items:center;gap:8px">Session <input id="sess" value="${esc(session)}" pattern="[A-Za-z0-9._-]{1,64}" style="width:10em"></label>
	  <button type="button" id="attach">Attach</button>
	  <span class="muted" id="term-status" role="status">connecting…</span>
	  <span class="spacer"></span>
	  ${(w.terminal_sessions || []).filter((x) => x.name !== session).map((x) =>
		`<a class="chip" href="#/workspaces/${esc(w.id)}/terminal?session=${encodeURIComponent(x.name)}" aria-label="Attach to session ${esc(x.name)}">${esc(x.name)} · ${esc(x.viewers)} viewer(s)</a>`).join(' ')}
	</div>
	<div class="term-wrap"><div id="terminal" aria-label="Terminal"></div></div>`;
	if (w.state !== 'running') {
		$('#term-status').textContent = `the workspace is ${w.state}; start it first`;
		return;
	}
	$('#attach').addEventListener('click', () => {
		location.hash = `#/workspaces/${w.id}/terminal?session=${encodeURIComponent($('#sess').value)}`;
	});
	const dark = getComputedStyle(document.documentElement).colorScheme === 'dark';
	const term = new window.Terminal({
		cursorBlink: true, fontSize: 14, scrollback: 5000,
		fontFamily: 'ui-monospace, Menlo, Consolas, monospace',
		theme: { background: '#0f1115', foreground: dark ? '#e6e8eb' : '#e6e8eb' },
	});
	const fit = new window.FitAddon.FitAddon();
	term.loadAddon(fit);
	term.loadAddon(new window.WebLinksAddon.WebLinksAddon());
	term.open($('#terminal'));
	window.berthTerm = term;	/* for tests and the console */
	fit.fit();
	const enc = new TextEncoder();
	let sock = null;
	let closed = false;
	const send = (type, s) => {
		if (!sock || sock.readyState !== 1) return;
		const b = enc.encode(s);
		const m = new Uint8Array(b.length + 1);
		m[0] = type.charCodeAt(0);
		m.set(b, 1);
		sock.send(m);
	};
	const status = (t) => { $('#term-status').textContent = t; };
	(async () => {
		let tok;
		try {
			tok = await api('POST', `/v1/workspaces/${w.id}/terminal`);
		} catch (e) { status(e.message); return; }
		if (closed) return;
		const u = new URL(`/v1/workspaces/${w.id}/terminal/ws`, location.href);
		u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
		u.searchParams.set('session', session);
		sock = new WebSocket(u, ['tty']);
		sock.binaryType = 'arraybuffer';
		sock.onopen = () => {
			sock.send(JSON.stringify({ AuthToken: tok.token, columns: term.cols, rows: term.rows }));
			status(`session ${session} · ${term.cols}×${term.rows}`);
			term.focus();
		};
		sock.onmessage = (ev) => {
			const d = typeof ev.data === 'string' ? enc.encode(ev.data) : new Uint8Array(ev.data);
			if (d.length === 0) return;
			const t = String.fromCharCode(d[0]);
			if (t === '0') term.write(d.subarray(1));
			else if (t === '1') document.title = new TextDecoder().decode(d.subarray(1)) + ' · berth';
		};
		sock.onclose = (ev) => {
			if (closed) return;
			status(ev.code === 1000 ? `ended: ${ev.reason || 'closed'}` : `disconnected (${ev.code}${ev.reason ? ': ' + ev.reason : ''}); Attach reconnects`);
			term.write(`\r\n\x1b[2m[${ev.reason || 'connection closed'}]\x1b[0m\r\n`);
		};
	})();
	term.onData((s) => send('0', s));
	term.onResize(({ cols, rows }) => {
		send('1', JSON.stringify({ columns: cols, rows }));
		status(`session ${session} · ${cols}×${rows}`);
	});
	const ro = new ResizeObserver(() => { try { fit.fit(); } catch (e) { /* hidden */ } });
	ro.observe($('#terminal'));
	S.cleanups.push(() => {
		closed = true;
		ro.disconnect();
		if (sock) sock.close(1000);
		term.dispose();
		window.berthTerm = null;
	});
}

function chart(el, title, series, max) {
	const opts = {
		title, width: Math.max(280, el.clientWidth - 8), height: 180,
		scales: { x: { time: true }, y: { range: [0, max || 100] } },
		axes: [{ stroke: getComputedStyle(document.body).color }, { stroke: getComputedStyle(document.body).color, size: 50 }],
		series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, fill: stroke + '22' }))],
	};
	const data = [[], ...series.map(() => [])];
	const u = new window.uPlot(opts, data, el);
	const ro = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth - 8), height: 180 }));
	ro.observe(el);
	S.cleanups.push(() => { ro.disconnect(); u.destroy(); });
	return {
		push(t, vals) {
			data[0].push(t);
			vals.forEach((v, i) => data[i + 1].push(v));
			if (data[0].length > 90) data.forEach((a) => a.shift());
			u.setData(data);
		},
	};
}

function tabMetrics(el, w) {
	el.innerHTML = `
	<div class="grid" style="grid-template-columns:repeat(auto-fill,minmax(360px,1fr))">
	  <section class="panel"><h2>CPU</h2><div class="chart" id="c-cpu" role="img" aria-label="CPU use over time"></div><p class="muted" id="t-cpu"></p></section>
	  <section class="panel"><h2>Memory</h2><div class="chart" id="c-mem" role="img" aria-label="Memory use over time"></div><p class="muted" id="t-mem"></p></section>
	  <section class="panel"><h2>GPU</h2><div class="chart" id="c-gpu" role="img" aria-label="GPU use over time"></div><p class="muted" id="t-gpu"></p></section>
	</div>`;
	if (w.state !== 'running') {
		el.insertAdjacentHTML('afterbegin', `<p class="muted">The workspace is ${esc(w.state)}: no live figures.</p>`);
		return;
	}
	const cpu = chart($('#c-cpu'), '', [['CPU %', '#3b6cf6']], Math.max(100, 100 * (w.cpus || 1)));
	const mem = chart($('#c-mem'), '', [['memory %', '#8250df']], 100);
	const gpu = chart($('#c-gpu'), '', [['utilization %', '#1a7f37'], ['memory %', '#d29922']], 100);
	let stop = false;
	S.cleanups.push(() => { stop = true; });
	const mb = (b) => (b / 1048576).toFixed(0) + ' MiB';
	const loop = async () => {
		while (!stop) {
			try {
				const s = await api('GET', `/v1/workspaces/${w.id}/stats`);
				if (stop) break;
				const t = Date.now() / 1000;
				cpu.push(t, [s.cpu_percent]);
				$('#t-cpu').textContent = `${s.cpu_percent.toFixed(1)}% of ${s.online_cpus} CPU(s) · ${s.pids} processes`;
				mem.push(t, [s.memory.percent]);
				$('#t-mem').textContent = `${mb(s.memory.used)} of ${mb(s.memory.limit)}`;
				const g = s.gpu;
				if (g) {
					const util = g.utilization >= 0 ? g.utilization : null;
					gpu.push(t, [util, g.memory_total_mb ? 100 * g.memory_used_mb / g.memory_total_mb : null]);
					$('#t-gpu').textContent = `${g.profile || ''} ${util === null ? 'utilization not reported' : util + '%'} · ${g.memory_used_mb} of ${g.memory_total_mb} MiB` + (g.temperature >= 0 ? ` · ${g.temperature} °C` : '');
				} else {
					$('#t-gpu').textContent = 'no GPU';
				}
			} catch (e) {
				$('#t-cpu').textContent = e.message;
				await new Promise((r) => setTimeout(r, 3000));
			}
			await new Promise((r) => setTimeout(r, 300));
		}
	};
	loop();
}

function tabLogs(el, w) {
	el.innerHTML = `
	<div class="row" style="margin-bottom:10px">
	  <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" id="follow" checked> Follow</label>
	  <span class="muted" id="log-status" role="status"></span>
	</div>
	<pre class="logs" id="logs" tabindex="0" aria-label="Container output"></pre>`;
	const pre = $('#logs');
	const ac = new AbortController();
	S.cleanups.push(() => ac.abort());
	(async () => {
		try {
			const r = await fetch(`/v1/workspaces/${w.id}/logs?follow=1&tail=500&timestamps=1`, { signal: ac.signal, credentials: 'same-origin' });
			if (!r.ok) {
				const j = await r.json().catch(() => null);
				$('#log-status').textContent = j && j.error ? j.error.message : r.statusText;
				return;
			}
			$('#log-status').textContent = 'following';
			const rd = r.body.getReader();
			const dec = new TextDecoder();
			for (;;) {
				const { value, done } = await rd.read();
				if (done) break;
				pre.append(dec.decode(value, { stream: true }));
				if (pre.textContent.length > 1000000) pre.textContent = pre.textContent.slice(-500000);
				if ($('#follow').checked) pre.scrollTop = pre.scrollHeight;
			}
			$('#log-status').textContent = 'ended';
		} catch (e) {
			if (e.name !== 'AbortError') $('#log-status').textContent = e.message;
		}
	})();
}

/* Tasks: detached commands under the supervisor (docs/tasks.md): start
 * one, see them all, read one's output from its offsets while it runs,
 * kill one's whole tree. */
function tabTasks(el, w, q) {
	el.innerHTML = `
	<section class="panel"><h2>Start a task</h2>
	  <form id="tf" class="row">
	    <label style="flex:3">Command <input id="t-cmd" required placeholder="python train.py" autocomplete="off"></label>
	    <label style="flex:1">Name <input id="t-name" placeholder="train" autocomplete="off"></label>
	    <button type="submit" class="primary" ${w.state === 'running' ? '' : 'disabled'}>Start</button>
	  </form></section>
	<section class="panel"><table class="ws"><thead><tr><th>Task</th><th>Command</th><th>State</th><th>Started</th><th>Actions</th></tr></thead><tbody id="tl"></tbody></table></section>
	<section class="panel" id="to-panel" hidden><h2 id="to-title">Output</h2><span class="muted" id="to-status" role="status"></span>
	  <pre class="logs" id="to" tabindex="0" aria-label="Task output"></pre></section>`;
	const base = `/v1/workspaces/${w.id}/tasks`;
	let shown = null;
	let stop = false;
	S.cleanups.push(() => { stop = true; });
	const state = (t) => t.state === 'exited' ? `exited ${t.exit_code}` :
		(t.state === 'killed' && t.signal ? `killed (${t.signal})` : t.state);
	const load = async () => {
		try {
			const ts = await api('GET', base);
			$('#tl').innerHTML = ts.reverse().map((t) => `<tr>
			  <td data-label="Task">${esc(t.name || t.id)}</td>
			  <td data-label="Command"><code>${esc(t.argv.join(' '))}</code></td>
			  <td data-label="State"><span class="badge ${t.state === 'running' ? 'running' : 'stopped'}">${esc(state(t))}</span></td>
			  <td data-label="Started" title="${esc(t.started_at || '')}">${t.started_at ? ago(t.started_at) + ' ago' : '–'}</td>
			  <td><button type="button" class="small" data-out="${esc(t.id)}" data-label="${esc(t.name || t.id)}" aria-label="Output of ${esc(t.name || t.id)}">Output</button>
			  ${t.state === 'running' ? `<button type="button" class="small danger" data-kill="${esc(t.id)}" aria-label="Kill ${esc(t.name || t.id)}">Kill</button>` : ''}</td></tr>`).join('') ||
				'<tr><td colspan="5" class="empty">No tasks yet</td></tr>';
		} catch (e) { fail(e); }
	};
	// Reads the task's output piece by piece from its byte offsets, and
	// keeps reading while it runs.
	const follow = async (tid, label) => {
		shown = tid;
		$('#to-panel').hidden = false;
		$('#to-title').textContent = `Output of ${label || tid}`;
		const pre = $('#to');
		pre.textContent = '';
		let off = 0;
		while (!stop && shown === tid) {
			let p;
			try {
				p = await api('GET', `${base}/${tid}/output?format=json&offset=${off}`);
			} catch (e) {
				$('#to-status').textContent = e.message;
				return;
			}
			if (shown !== tid) return;
			pre.append(p.encoding === 'base64' ? atob(p.data) : p.data);
			if (pre.textContent.length > 1000000) pre.textContent = pre.textContent.slice(-500000);
			pre.scrollTop = pre.scrollHeight;
			off = p.next_offset;
			$('#to-status').textContent = p.eof ? `ended: ${state(p.task)}` : 'running';
			if (p.eof) return;
			if (p.next_offset === p.offset) await new Promise((r) => setTimeout(r, 700));
		}
	};
	$('#tf').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const body = { command: $('#t-cmd').value };
		if ($('#t-name').value) body.name = $('#t-name').value;
		try {
			const t = await api('POST', base, body);
			toast(`Task ${t.name || t.id} started`);
			$('#t-cmd').value = '';
			$('#t-name').value = '';
			await load();
			follow(t.id, t.name);
		} catch (e) { fail(e); }
	});
	$('#tl').addEventListener('click', async (ev) => {
		const b = ev.target.closest('button');
		if (!b) return;
		if (b.dataset.out) follow(b.dataset.out, b.dataset.label);
		else if (b.dataset.kill && await confirmDo(`Kill task ${b.dataset.kill}?`, 'Every process it started is killed.', 'Kill')) {
			try { await api('DELETE', `${base}/${b.dataset.kill}`); toast('Killed'); } catch (e) { fail(e); }
			load();
		}
	});
	every(3000, load);
	if (q && q.get && q.get('task')) follow(q.get('task'));
}

async function tabEvents(el, w) {
	el.innerHTML = '<section class="panel"><table><thead><tr><th>Time</th><th>Action</th><th>By</th><th>Result</th><th>Detail</th></tr></thead><tbody id="ev"></tbody></table></section>';
	const load = async () => {
		try {
			const ev = await api('GET', `/v1/workspaces/${w.id}/events?limit=100`);
			$('#ev').innerHTML = ev.reverse().map((e) => `<tr><td title="${esc(e.time)}">${ago(e.time)} ago</td><td>${esc(e.action)}</td><td>${esc(e.actor)}</td><td>${esc(e.result)}</td><td class="muted">${esc(e.detail)}</td></tr>`).join('') ||
				'<tr><td colspan="5" class="empty">No events</td></tr>';
		} catch (e) { fail(e); }
	};
	every(5000, load);
}

/* ---------- admin: GPUs, users; keys ---------- */

async function viewGpus(main) {
	document.title = 'GPUs · berth';
	main.innerHTML = `<div class="head"><h1>GPU pool</h1><span class="muted" id="gsum"></span><div class="spacer"></div>
	  <button type="button" id="rescan">Rescan</button></div>
	  <section class="panel" aria-label="GPU devices"><table class="ws"><thead><tr><th>Device</th><th>Kind</th><th>Memory</th><th>Held by</th><th>Utilization</th><th>Memory used</th><th>Temp</th></tr></thead><tbody id="g"></tbody></table></section>`;
	$('#rescan').addEventListener('click', async () => {
		try { await api('POST', '/v1/gpus/rescan'); toast('Rescanned'); } catch (e) { fail(e); }
	});
	every(3000, async () => {
		try {
			const [gs, st] = await Promise.all([api('GET', '/v1/gpus'), api('GET', '/v1/gpus/status')]);
			$('#gsum').textContent = `${st.devices} devices, ${st.allocated} held · source ${st.source}${st.note ? ' · ' + st.note : ''}`;
			$('#g').innerHTML = gs.map((g) => {
				const who = g.allocated_to ? `<a href="#/workspaces/${esc(g.allocated_to.workspace_id)}">${esc(g.allocated_to.owner)}/${esc(g.allocated_to.workspace)}</a>` :
					(g.available ? '<span class="chip">free</span>' : '<span class="muted">–</span>');
				const util = g.utilization === null || g.utilization === undefined || g.utilization < 0 ? '–' :
					`<div class="row" style="flex-wrap:nowrap"><div class="meter" style="flex:1" role="img" aria-label="${g.utilization}% utilized"><span style="width:${Math.min(100, g.utilization)}%"></span></div><span>${esc(g.utilization)}%</span></div>`;
				return `<tr><td data-label="Device">${g.kind === 'mig' ? '&nbsp;&nbsp;↳ ' : ''}<span title="${esc(g.uuid)}">${esc((g.model || '').replace('NVIDIA ', ''))} #${esc(g.index)}</span></td>
				<td data-label="Kind">${g.kind === 'mig' ? `MIG ${esc(g.profile)}` : (g.mig_enabled ? 'GPU (MIG on)' : 'GPU')}</td>
				<td data-label="Memory">${(g.memory_mb / 1024).toFixed(0)} GiB</td><td data-label="Held by">${who}</td>
				<td data-label="Utilization">${util}</td><td data-label="Memory used">${g.memory_used_mb ?? '–'} MiB</td>
				<td data-label="Temp">${g.temperature === null || g.temperature === undefined || g.temperature < 0 ? '–' : esc(g.temperature) + ' °C'}</td></tr>`;
			}).join('') || '<tr><td colspan="7" class="empty">No GPUs on this host</td></tr>';
		} catch (e) { fail(e); }
	});
}

function showKey(k) {
	const d = document.createElement('section');
	d.className = 'panel';
	d.setAttribute('role', 'alert');
	d.innerHTML = `<h2>New API key for ${esc(k.user)}</h2><p class="muted">Shown once; keep it now.</p>${copyBox(k.key, 'new API key')}`;
	d.addEventListener('click', (ev) => {
		const b = ev.target.closest('button[data-copy]');
		if (b) navigator.clipboard.writeText(b.dataset.copy).then(() => toast('Copied'));
	});
	$('#main').prepend(d);
}

async function viewUsers(main) {
	document.title = 'Users · berth';
	main.innerHTML = `<div class="head"><h1>Users</h1></div>
	<section class="panel"><h2>New user</h2><form class="row" id="nu">
	  <label>Name <input name="name" required autocomplete="off"></label>
	  <label>Role <select name="role"><option>user</option><option>admin</option></select></label>
	  <button class="primary" type="submit">Create</button></form></section>
	<section class="panel" aria-label="Users"><table class="ws"><thead><tr><th>Name</th><th>Role</th><th>Workspaces</th><th>GPUs</th><th>Created</th><th></th></tr></thead><tbody id="u"></tbody></table></section>`;
	const load = async () => {
		const us = await api('GET', '/v1/users');
		$('#u').innerHTML = us.map((u) => `<tr><td data-label="Name">${esc(u.name)}</td><td data-label="Role">${esc(u.role)}</td>
		  <td data-label="Workspaces">${esc(u.usage.running_workspaces)} running / ${esc(u.usage.workspaces)} (max ${esc(u.quotas.max_workspaces)})</td>
		  <td data-label="GPUs">${esc(u.usage.gpus)} / ${esc(u.quotas.max_gpus)}</td><td data-label="Created">${ago(u.created_at)} ago</td>
		  <td class="actions"><button type="button" class="small" data-key="${esc(u.name)}" aria-label="New API key for ${esc(u.name)}">New key</button>
		  ${u.name !== S.me.user ? `<button type="button" class="small danger" data-del="${esc(u.name)}" aria-label="Delete user ${esc(u.name)}">Delete</button>` : ''}</td></tr>`).join('');
	};
	$('#nu').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const f = new FormData(ev.target);
		try {
			await api('POST', '/v1/users', { name: f.get('name').trim(), role: f.get('role') });
			toast(`user ${f.get('name')} created`);
			ev.target.reset();
			load();
		} catch (e) { fail(e); }
	});
	$('#u').addEventListener('click', async (ev) => {
		const b = ev.target.closest('button');
		if (!b) return;
		try {
			if (b.dataset.key) showKey(await api('POST', `/v1/users/${encodeURIComponent(b.dataset.key)}/api-keys`, { name: 'dashboard' }));
			else if (b.dataset.del && await confirmDo(`Delete user ${b.dataset.del}?`, 'Their keys go with them. A user with workspaces cannot be deleted.', 'Delete')) {
				await api('DELETE', `/v1/users/${encodeURIComponent(b.dataset.del)}`);
				toast('deleted');
			}
			load();
		} catch (e) { fail(e); }
	});
	load().catch(fail);
}

async function viewKeys(main) {
	document.title = 'API keys · berth';
	main.innerHTML = `<div class="head"><h1>Your API keys</h1></div>
	<section class="panel"><form class="row" id="nk"><label>Name <input name="name" placeholder="laptop" autocomplete="off"></label>
	  <button class="primary" type="submit">New key</button></form></section>
	<section class="panel" aria-label="API keys"><table class="ws"><thead><tr><th>Name</th><th>Id</th><th>Created</th><th></th></tr></thead><tbody id="k"></tbody></table></section>`;
	const load = async () => {
		const ks = await api('GET', '/v1/api-keys');
		$('#k').innerHTML = ks.map((k) => `<tr><td data-label="Name">${esc(k.name) || '<span class="muted">(no name)</span>'}${k.current ? ' <span class="chip">this session</span>' : ''}</td>
		  <td data-label="Id" class="mono">${esc(k.id)}</td><td data-label="Created">${ago(k.created_at)} ago</td>
		  <td class="actions"><button type="button" class="small danger" data-del="${esc(k.id)}" aria-label="Revoke key ${esc(k.name || k.id)}">Revoke</button></td></tr>`).join('');
	};
	$('#nk').addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			showKey(await api('POST', '/v1/api-keys', { name: new FormData(ev.target).get('name') || 'dashboard' }));
			ev.target.reset();
			load();
		} catch (e) { fail(e); }
	});
	$('#k').addEventListener('click', async (ev) => {
		const b = ev.target.closest('button[data-del]');
		if (!b || !await confirmDo('Revoke this key?', 'Programs using it stop working; a dashboard session made from it ends.', 'Revoke')) return;
		try { await api('DELETE', `/v1/api-keys/${b.dataset.del}`); load(); } catch (e) { fail(e); }
	});
	load().catch(fail);
}

/* ---------- start ---------- */

function theme(t) {
	if (t) document.documentElement.dataset.theme = t;
	else delete document.documentElement.dataset.theme;
}

document.addEventListener('DOMContentLoaded', () => {
	theme(localStorage.getItem('berth-theme'));
	$('#theme').addEventListener('click', () => {
		const dark = getComputedStyle(document.documentElement).colorScheme === 'dark';
		const t = dark ? 'light' : 'dark';
		localStorage.setItem('berth-theme', t);
		theme(t);
	});
	$('#logout').addEventListener('click', logout);
	window.addEventListener('hashchange', route);
	route();
});
