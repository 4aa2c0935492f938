// restart.js: a named terminal session across a berthd restart, for
// term-restart.sh:   node restart.js before|after NAME   (env: URL, KEY, WS)
// before: opens ?session=NAME, notes the shell's pid and some output,
// prints "pid=N"; after: opens ?session=NAME again on the new berthd,
// checks the earlier output is replayed and the shell is the same (env
// PID), then exits it: close 1000 "exit status 5"; fresh: the shell is
// a new one (the kept one timed out).
'use strict';
const WebSocket = require('ws');

const URL = process.env.URL, KEY = process.env.KEY, WS = process.env.WS;
const [phase, name] = process.argv.slice(2);

function die(msg) {
	console.error('FAIL: ' + msg);
	process.exit(1);
}

async function open() {
	const r = await fetch(`${URL}/v1/workspaces/${WS}/terminal`, {
		method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
	const t = await r.json();
	if (r.status !== 201)
		die(`token: ${r.status} ${JSON.stringify(t)}`);
	const c = { out: '', closed: null };
	c.ws = new WebSocket(URL.replace(/^http/, 'ws') +
	    `/v1/workspaces/${WS}/terminal/ws?session=${name}&token=${t.token}`,
	    'tty');
	// Before the open resolves: the first frames may come with the 101.
	c.ws.on('message', (d) => {
		const b = Buffer.from(d);
		if (b[0] === 0x30)
			c.out += b.subarray(1).toString('latin1');
	});
	c.done = new Promise((res) => c.ws.on('close', (code, reason) =>
	    res(c.closed = { code, reason: reason.toString() })));
	await new Promise((res, rej) => {
		c.ws.on('open', res);
		c.ws.on('error', rej);
	});
	c.type = (s) => c.ws.send(Buffer.from('0' + s));
	return c;
}

function until(c, re, ms = 20000) {
	return new Promise((res, rej) => {
		const t0 = Date.now();
		const tick = () => {
			const m = c.out.match(re);
			if (m)
				return res(m);
			if (c.closed || Date.now() - t0 > ms)
				return rej(new Error(`no ${re} in ` +
				    JSON.stringify(c.out.slice(-400))));
			setTimeout(tick, 50);
		};
		tick();
	});
}

async function main() {
	const c = await open();
	if (phase === 'before') {
		c.type('echo pid=$$; echo before-$((40+2))\r');
		const m = await until(c, /pid=(\d+)\r?\n(?:.*\n)*?before-42/);
		console.log(`pid=${m[1]}`);
		c.ws.terminate();
		return;
	}
	if (phase === 'fresh') {	// the kept shell timed out: a new one
		c.type('echo again=$$\r');
		const m = await until(c, /again=(\d+)/);
		if (m[1] === process.env.PID || /before-42/.test(c.out))
			die(`the old shell is still there: ${c.out.slice(-300)}`);
		console.log(`ok - session ${name}: a new shell after ` +
		    'terminal_idle with nobody attached');
		c.ws.terminate();
		return;
	}
	// The shell's last output comes back first (berth-sup kept it).
	await until(c, /before-42/);
	c.type('echo again=$$; echo after-$((1+1))\r');
	const m = await until(c, /again=(\d+)\r?\n(?:.*\n)*?after-2/);
	if (m[1] !== process.env.PID)
		die(`another shell: pid ${m[1]}, was ${process.env.PID}`);
	c.type('exit 5\r');
	const cl = await c.done;
	if (cl.code !== 1000 || cl.reason !== 'exit status 5')
		die(`close: ${JSON.stringify(cl)}`);
	console.log(`ok - session ${name}: replayed, same shell (pid ${m[1]}), ` +
	    'exit status 5');
}

const timer = setTimeout(() => die('timed out'), 60000);
main().then(() => { clearTimeout(timer); process.exit(0); },
    (e) => die(e.stack || String(e)));
