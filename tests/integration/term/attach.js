// attach.js: two browser-terminal viewers (plain `ws`, ttyd's protocol) of
// one running task, for tasks-attach.sh: both get the task's recent output
// replayed, what one types reaches the task and both see its answer, and
// both close with the task's exit status.
//   node attach.js   (env: URL, KEY, WS, TID, EXPECT_STATUS)
'use strict';
const WebSocket = require('ws');

const URL = process.env.URL, KEY = process.env.KEY, WS = process.env.WS;
const TID = process.env.TID;

function die(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

async function token() {
	const r = await fetch(`${URL}/v1/workspaces/${WS}/terminal`, {
		method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
	const j = await r.json();
	if (r.status !== 201)
		throw new Error(`token: ${r.status} ${JSON.stringify(j)}`);
	return j.token;
}

async function viewer() {
	const tok = await token();
	const url = URL.replace(/^http/, 'ws') +
	    `/v1/workspaces/${WS}/terminal/ws?task=${TID}`;
	const c = { out: '', closed: null };
	c.ws = new WebSocket(url, 'tty');
	await new Promise((res, rej) => {
		c.ws.on('open', res);
		c.ws.on('error', rej);
	});
	c.ws.send(JSON.stringify({ AuthToken: tok, columns: 100, rows: 30 }));
	c.ws.on('message', (data) => {
		const b = Buffer.from(data);
		if (String.fromCharCode(b[0]) === '0')
			c.out += b.subarray(1).toString('latin1');
	});
	c.done = new Promise((res) => c.ws.on('close', (code, reason) => {
		c.closed = { code, reason: reason.toString() };
		res(c.closed);
	}));
	return c;
}

function until(c, re, ms = 30000) {
	return new Promise((res, rej) => {
		const t0 = Date.now();
		const tick = () => {
			if (re.test(c.out))
				return res();
			if (c.closed || Date.now() - t0 > ms)
				return rej(new Error(`no ${re}: ` +
				    JSON.stringify(c.out.slice(-300)) +
				    (c.closed ? ` (closed ${c.closed.code})` : '')));
			setTimeout(tick, 20);
		};
		tick();
	});
}

(async () => {
	const a = await viewer(), b = await viewer();
	await until(a, /ready/);
	await until(b, /ready/);
	console.log('ok - two browser viewers attached, the output replayed');
	a.ws.send(Buffer.from('0hello\r'));
	await until(a, /got:hello/);
	await until(b, /got:hello/);
	console.log('ok - typed in one viewer, the task answered in both');
	// The SSH viewer types next (tasks-attach.sh); the task then exits.
	await until(a, /got2:world/, 60000);
	await until(b, /got2:world/, 60000);
	const want = `exit status ${process.env.EXPECT_STATUS}`;
	for (const c of [a, b]) {
		const cl = await c.done;
		if (cl.code !== 1000 || cl.reason !== want)
			die(`closed ${cl.code} '${cl.reason}', want '${want}'`);
	}
	console.log(`ok - both viewers closed with the task's ${want}`);
	process.exit(0);
})().catch((e) => die(e.message));
