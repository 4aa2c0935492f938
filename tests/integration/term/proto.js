// proto.js: drives berthd's terminal WebSocket (ttyd's protocol) with the
// plain `ws` client, one scenario per run, for term-protocol.sh:
//   node proto.js SCENARIO   (env: URL, KEY, WS, KEY2, WS2)
// Prints "ok - ..." lines; exits 1 with the reason on the first failure.
'use strict';
const WebSocket = require('ws');

const URL = process.env.URL, KEY = process.env.KEY, WS = process.env.WS;

function die(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

async function token(ws = WS, key = KEY) {
	const r = await fetch(`${URL}/v1/workspaces/${ws}/terminal`, {
		method: 'POST', headers: { Authorization: `Bearer ${key}` } });
	const j = await r.json();
	if (r.status !== 201)
		throw new Error(`token: ${r.status} ${JSON.stringify(j)}`);
	return j;
}

// A connection with its output gathered, close code and reason kept.
function open(path, opts = {}) {
	const url = URL.replace(/^http/, 'ws') + path;
	const c = { out: '', titles: [], prefs: [], closed: null, opened: false };
	c.ws = new WebSocket(url, 'tty', opts);
	c.ready = new Promise((res, rej) => {
		c.ws.on('open', () => { c.opened = true; res(); });
		c.ws.on('unexpected-response', (req, resp) => {
			c.status = resp.statusCode;
			rej(new Error(`HTTP ${resp.statusCode}`));
		});
		c.ws.on('error', (e) => rej(e));
	});
	c.ws.on('message', (data, isBinary) => {
		const b = Buffer.from(data);
		const t = String.fromCharCode(b[0]), rest = b.subarray(1);
		if (t === '0')
			c.out += rest.toString('latin1');
		else if (t === '1')
			c.titles.push(rest.toString());
		else if (t === '2')
			c.prefs.push(rest.toString());
	});
	c.done = new Promise((res) => c.ws.on('close', (code, reason) => {
		c.closed = { code, reason: reason.toString() };
		res(c.closed);
	}));
	c.send = (type, s) => c.ws.send(Buffer.from(type + s));
	c.type = (s) => c.send('0', s);
	return c;
}

function until(c, re, ms = 15000) {
	return new Promise((res, rej) => {
		const t0 = Date.now();
		const tick = () => {
			const m = c.out.match(re);
			if (m)
				return res(m);
			if (c.closed)
				return rej(new Error(`closed ${c.closed.code} ` +
				    `'${c.closed.reason}' before ${re}; output: ` +
				    JSON.stringify(c.out.slice(-300))));
			if (Date.now() - t0 > ms)
				return rej(new Error(`no ${re} in ${ms} ms; ` +
				    'output: ' + JSON.stringify(c.out.slice(-300))));
			setTimeout(tick, 20);
		};
		tick();
	});
}

function closed(c, ms = 15000) {
	return Promise.race([c.done, new Promise((_, rej) => setTimeout(() =>
	    rej(new Error(`no close in ${ms} ms`)), ms))]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const wspath = (ws, q = '') => `/v1/workspaces/${ws}/terminal/ws${q}`;

const scenarios = {
	// ttyd's own order: JSON first message, then typed binary frames.
	async authfirst() {
		const t = await token();
		if (!t.url.endsWith(wspath(WS)) || !t.expires_at)
			die('token reply: ' + JSON.stringify(t));
		const c = open(wspath(WS));
		await c.ready;
		if (c.ws.protocol !== 'tty')
			die(`subprotocol '${c.ws.protocol}'`);
		c.ws.send(JSON.stringify({ AuthToken: t.token, columns: 100,
		    rows: 30 }));
		c.type('stty size; echo MARK$((1+1))\r');
		await until(c, /30 100\r?\n[^]*MARK2/);
		if (c.titles.length !== 1 || c.prefs.length !== 1)
			die(`title/preferences: ${c.titles} ${c.prefs}`);
		console.log('ok - auth by the first message; size from it; ' +
		    'title and preferences first');
		// Resize as binary '1', then as a text frame (GPULab's CLI).
		c.send('1', JSON.stringify({ columns: 120, rows: 40 }));
		c.type('stty size\r');
		await until(c, /40 120/);
		c.ws.send('1' + JSON.stringify({ columns: 90, rows: 20 }));
		c.type('stty size\r');
		await until(c, /20 90/);
		console.log('ok - resize (binary and text frames): stty size ' +
		    'follows');
		// Pause: nothing comes; resume: it all comes.
		c.send('2', '');
		await sleep(200);
		const before = c.out.length;
		c.type('echo PAUSED$((2+3))\r');
		await sleep(1500);
		if (/PAUSED5/.test(c.out.slice(before)))
			die('output came while paused');
		c.send('3', '');
		await until(c, /PAUSED5/);
		console.log('ok - pause holds output back, resume lets it go');
		c.type('exit 7\r');
		const cl = await closed(c);
		if (cl.code !== 1000 || cl.reason !== 'exit status 7')
			die(`close ${cl.code} '${cl.reason}'`);
		console.log('ok - shell exit: close 1000 "exit status 7"');
		// Single use.
		const c2 = open(wspath(WS));
		await c2.ready;
		c2.ws.send(JSON.stringify({ AuthToken: t.token }));
		const cl2 = await closed(c2);
		if (cl2.code !== 1008)
			die(`reused token: close ${cl2.code}`);
		console.log('ok - a used token: 1008');
	},

	// GPULab's way: the token in the URL, no JSON first message.
	async urltoken() {
		const t = await token();
		const c = open(wspath(WS, `?token=${t.token}`));
		await c.ready;
		c.type('echo URL$((4+4))\r');
		await until(c, /URL8/);
		c.type('exit 0\r');
		const cl = await closed(c);
		if (cl.code !== 1000 || cl.reason !== 'exit status 0')
			die(`close ${cl.code} '${cl.reason}'`);
		console.log('ok - token in the URL, no first message');
	},

	async badtoken() {
		let c = open(wspath(WS));
		await c.ready;
		c.ws.send(JSON.stringify({ AuthToken: 'x'.repeat(43) }));
		let cl = await closed(c);
		if (cl.code !== 1008)
			die(`bad token: close ${cl.code}`);
		c = open(wspath(WS, '?token=nonsense'));
		await c.ready.catch(() => {});
		cl = await closed(c);
		if (cl.code !== 1008)
			die(`bad URL token: close ${cl.code}`);
		// Input before auth starts nothing.
		c = open(wspath(WS));
		await c.ready;
		c.type('echo no\r');
		cl = await closed(c);
		if (cl.code !== 1008 || c.out !== '')
			die(`input before auth: close ${cl.code}`);
		console.log('ok - bad token (message or URL), input before ' +
		    'auth: 1008, nothing started');
	},

	// Another user's token does not open this workspace; this user's
	// token does not open another workspace.
	async crossuser() {
		const r = await fetch(`${URL}/v1/workspaces/${WS}/terminal`, {
		    method: 'POST', headers: {
		    Authorization: `Bearer ${process.env.KEY2}` } });
		if (r.status !== 404)
			die(`other user's POST: ${r.status}`);
		const t2 = await token(process.env.WS2, process.env.KEY2);
		const c = open(wspath(WS));
		await c.ready;
		c.ws.send(JSON.stringify({ AuthToken: t2.token }));
		const cl = await closed(c);
		if (cl.code !== 1008)
			die(`a token for another workspace: ${cl.code}`);
		console.log('ok - another user: 404 for a token, and a token ' +
		    'for another workspace: 1008');
	},

	async origin() {
		const t = await token();
		const c = open(wspath(WS, `?token=${t.token}`),
		    { headers: { Origin: 'http://evil.example' } });
		try {
			await c.ready;
			die('evil origin accepted');
		} catch (e) {
			if (c.status !== 403)
				die('evil origin: ' + e.message);
		}
		console.log('ok - a foreign Origin: 403');
	},

	// A named session survives the socket: replay and the same shell;
	// two viewers see the same output.
	async reattach() {
		let t = await token();
		const a = open(wspath(WS, `?session=s1&token=${t.token}`));
		await a.ready;
		a.type('echo PID=$$; echo REPLAY$((5*5))\r');
		const m = await until(a, /PID=(\d+)/);
		await until(a, /REPLAY25/);
		a.ws.terminate();
		await closed(a);
		const j = await (await fetch(`${URL}/v1/workspaces/${WS}`, {
		    headers: { Authorization: `Bearer ${KEY}` } })).json();
		const s = (j.terminal_sessions || []).find((x) => x.name ===
		    's1');
		if (!s)
			die('session not listed: ' +
			    JSON.stringify(j.terminal_sessions));
		console.log('ok - listed in the workspace JSON: ' +
		    JSON.stringify(s));
		t = await token();
		const b = open(wspath(WS, `?session=s1&token=${t.token}`));
		await b.ready;
		await until(b, /REPLAY25/);
		b.type('echo PID=$$\r');
		await until(b, new RegExp(`PID=${m[1]}[^]*PID=${m[1]}`));
		console.log('ok - reattach: replayed output, the same shell');
		t = await token();
		const c = open(wspath(WS, `?session=s1&token=${t.token}`));
		await c.ready;
		await sleep(300);
		c.type('echo TWO$((3*3))\r');
		await until(b, /TWO9/);
		await until(c, /TWO9/);
		console.log('ok - two viewers see the same output');
		b.type('exit 4\r');
		const cls = await Promise.all([closed(b), closed(c)]);
		for (const cl of cls)
			if (cl.code !== 1000 || cl.reason !== 'exit status 4')
				die(`viewer close ${cl.code} '${cl.reason}'`);
		console.log('ok - both viewers closed 1000 "exit status 4"');
	},

	// A named session left without viewers (term-protocol.sh then
	// checks it ends after terminal_idle).
	async detach() {
		const t = await token();
		const c = open(wspath(WS, `?session=s9&token=${t.token}`));
		await c.ready;
		c.type('echo LEFT$((2*4))\r');
		await until(c, /LEFT8/);
		c.ws.terminate();
		await closed(c);
		console.log('ok - session s9 left running without viewers');
	},

	// SPEC section 7: 5 minutes before the TTL, a line in the terminal.
	async ttlwarn() {
		const t = await token();
		const c = open(wspath(WS, `?token=${t.token}`));
		await c.ready;
		await until(c, /\[berth\] this workspace expires in [34]m\d\ds/,
		    10000);
		c.ws.terminate();
		console.log('ok - TTL warning written into the terminal');
	},

	// A flood of output: the socket is never dropped, every byte comes.
	async flood() {
		const mb = Number(process.env.FLOOD_MB || 200);
		const t = await token();
		const c = open(wspath(WS, `?token=${t.token}`));
		await c.ready;
		let n = 0;
		c.ws.removeAllListeners('message');
		let tail = '';
		c.ws.on('message', (d) => {
			const b = Buffer.from(d);
			if (b[0] === 0x30) {
				n += b.length - 1;
				tail = (tail + b.subarray(1).toString()).slice(-200);
			}
		});
		const t0 = Date.now();
		c.type(`stty -echo; head -c ${mb}M /dev/zero | base64 -w 0 | ` +
		    'wc -c; echo FLOOD; head -c ' + mb + 'M /dev/zero | ' +
		    'base64 -w 76; echo END$((6*7)); exit 0\r');
		const cl = await closed(c, 600000);
		const secs = (Date.now() - t0) / 1000;
		if (cl.code !== 1000 || !/END42/.test(tail))
			die(`flood: close ${cl.code} '${cl.reason}', ${n} bytes`);
		const want = Math.ceil(mb * 1048576 / 3) * 4;
		if (n < want)
			die(`flood: ${n} bytes < ${want}`);
		console.log(`ok - ${mb} MiB through base64 (${n} bytes) in ` +
		    `${secs.toFixed(1)} s, ${(n / secs / 1e6).toFixed(1)} MB/s`);
	},
};

(async () => {
	const f = scenarios[process.argv[2]];
	if (!f)
		die('no scenario ' + process.argv[2]);
	await f();
	process.exit(0);
})().catch((e) => die(e.stack || String(e)));
