// gpulab-ssh.js: does what `gpulab ssh UUID` does (GPULab-AI/gpulab-cli,
// internal/commands/ssh.go and internal/terminal/websocket.go), with the
// plain `ws` client, for gpulab-ssh.sh:
//   node gpulab-ssh.js SCENARIO   (env: URL, KEY, ID)
// POST /v1/containers/{uuid}/terminal with the api-key header and no
// body; terminal.terminal_url, http:// made ws://, plus "/ws", dialed with
// no subprotocol and no first message; the size as a TEXT frame
// `1{"columns":C,"rows":R}`; keystrokes as binary frames '0' + bytes;
// output from binary '0' frames. Prints "ok - ..." lines.
'use strict';
const WebSocket = require('ws');

const URL = process.env.URL, KEY = process.env.KEY, ID = process.env.ID;

function die(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

async function start(id = ID, key = KEY) {
	const r = await fetch(`${URL}/v1/containers/${id}/terminal`, {
		method: 'POST', headers: { 'api-key': key,
		    Accept: 'application/json' } });
	return { status: r.status, body: await r.json() };
}

function connect(wsURL) {
	const c = { out: '', closed: null };
	c.ws = new WebSocket(wsURL);	// gorilla's DefaultDialer: no protocols
	c.ready = new Promise((res, rej) => {
		c.ws.on('open', res);
		c.ws.on('unexpected-response', (q, resp) =>
		    rej(new Error(`HTTP ${resp.statusCode}`)));
		c.ws.on('error', rej);
	});
	c.ws.on('message', (d) => {
		const b = Buffer.from(d);
		if (b[0] === 0x30)
			c.out += b.subarray(1).toString('latin1');
	});
	c.done = new Promise((res) => c.ws.on('close', (code, reason) => {
		c.closed = { code, reason: reason.toString() };
		res(c.closed);
	}));
	return c;
}

function until(c, re, ms = 15000) {
	return new Promise((res, rej) => {
		const t0 = Date.now();
		const tick = () => {
			if (re.test(c.out))
				return res();
			if (c.closed || Date.now() - t0 > ms)
				return rej(new Error(`no ${re} in ${JSON.stringify(c.out.slice(-300))}`));
			setTimeout(tick, 50);
		};
		tick();
	});
}

const scenarios = {
	async session() {
		const s = await start();
		if (s.status >= 400)
			die(`start: ${s.status} ${JSON.stringify(s.body)}`);
		const t = s.body.terminal;
		// The Go types: status string; terminal_url string,
		// terminal_port int, container_uuid string.
		if (s.body.status !== 'success' || typeof t !== 'object' ||
		    typeof t.terminal_url !== 'string' ||
		    !Number.isInteger(t.terminal_port) ||
		    t.container_uuid !== ID)
			die(`shape: ${JSON.stringify(s.body)}`);
		if (!t.terminal_url.startsWith('http://'))
			die(`terminal_url: ${t.terminal_url}`);
		const wsURL = t.terminal_url.replace('http://', 'ws://') + '/ws';
		const c = connect(wsURL);
		await c.ready;
		if (c.ws.protocol !== '')
			die(`a subprotocol was chosen: ${c.ws.protocol}`);
		c.ws.send('1{"columns":97,"rows":31}');	// text frame
		await new Promise((r) => setTimeout(r, 300));
		c.ws.send(Buffer.from('0stty size; echo gp-$((6*7))\r'));
		await until(c, /31 97[\s\S]*gp-42/);
		c.ws.send('1{"columns":120,"rows":40}');
		await new Promise((r) => setTimeout(r, 300));
		c.ws.send(Buffer.from('0stty size\r'));
		await until(c, /40 120/);
		c.ws.send(Buffer.from('0exit 7\r'));
		const cl = await c.done;
		if (cl.code !== 1000 || cl.reason !== 'exit status 7')
			die(`close: ${JSON.stringify(cl)}`);
		console.log('ok - gpulab ssh: token in the URL, text resize, ' +
		    'typed input, close 1000 "exit status 7"');
		// The token was single use.
		const again = connect(wsURL);
		await again.ready.catch(() => {});
		const cl2 = await again.done;
		if (cl2.code !== 1008)
			die(`reused token: ${JSON.stringify(cl2)}`);
		console.log('ok - a used terminal_url closes 1008');
	},

	// Another user's container: 404 with a top-level message (what the
	// client prints), nothing to dial.
	async other() {
		const s = await start(ID, process.env.KEY2);
		if (s.status !== 404 || typeof s.body.message !== 'string')
			die(`other user: ${s.status} ${JSON.stringify(s.body)}`);
		console.log(`ok - another user's container: 404 "${s.body.message}"`);
	},
};

const fn = scenarios[process.argv[2]];
if (!fn)
	die(`unknown scenario ${process.argv[2]}`);
const timer = setTimeout(() => die('timed out'), 60000);
fn().then(() => { clearTimeout(timer); process.exit(0); },
    (e) => die(e.stack || String(e)));
