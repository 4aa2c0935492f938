// bench/term.js: the terminal side of bench/term.sh (npm ws client).
//   node term.js tput MB        output MB/s of base64 of MB MiB of zeros
//   node term.js echo N         keystroke echo latency, N keystrokes
//   node term.js many COUNT     COUNT terminals open at once: berthd RSS
//                               and the echo latency of one keystroke each
//   node term.js viewers COUNT  COUNT WebSockets on one named session (from
//                               127.0.0.2-51, under the per-address cap):
//                               berthd RSS, and the time for one line typed
//                               to reach every viewer
// env: URL, KEY, WS, BERTHD_PID. Prints one JSON line.
'use strict';
const WebSocket = require(process.env.WS_MODULE || 'ws');

const { URL, KEY, WS } = process.env;

async function token() {
	const r = await fetch(`${URL}/v1/workspaces/${WS}/terminal`, {
		method: 'POST', headers: { Authorization: `Bearer ${KEY}` } });
	if (r.status !== 201)
		throw new Error(`token: ${r.status}`);
	return (await r.json()).token;
}

async function open(session, from) {
	const t = await token();
	const ws = new WebSocket(URL.replace(/^http/, 'ws') +
	    `/v1/workspaces/${WS}/terminal/ws?token=${t}` +
	    (session ? `&session=${session}` : ''), 'tty',
	    from ? { localAddress: from } : {});
	const c = { ws, out: '', waiters: [] };
	ws.on('message', (d) => {
		const b = Buffer.from(d);
		if (b[0] !== 0x30)
			return;
		c.out += b.subarray(1).toString('latin1');
		if (c.out.length > 65536)
			c.out = c.out.slice(-4096);
		c.waiters = c.waiters.filter((w) => !w());
	});
	await new Promise((res, rej) => {
		ws.on('open', res);
		ws.on('error', rej);
	});
	c.type = (s) => ws.send(Buffer.from('0' + s));
	c.wait = (re) => new Promise((res) => {
		const f = () => {
			if (re.test(c.out)) {
				res();
				return true;
			}
			return false;
		};
		if (!f())
			c.waiters.push(f);
	});
	return c;
}

function pct(a, p) {
	const s = [...a].sort((x, y) => x - y);
	return s[Math.min(s.length - 1, Math.floor(p / 100 * s.length))];
}

function rssMB() {
	const st = require('fs').readFileSync(
	    `/proc/${process.env.BERTHD_PID}/status`, 'utf8');
	return Number(st.match(/VmRSS:\s+(\d+)/)[1]) / 1024;
}

// One keystroke into the shell's line editor; ms until it echoes.
async function echoOnce(c, ch) {
	c.out = '';
	const t0 = process.hrtime.bigint();
	c.type(ch);
	await c.wait(new RegExp(ch));
	return Number(process.hrtime.bigint() - t0) / 1e6;
}

const modes = {
	async tput(mb) {
		const c = await open();
		c.type('stty -echo; PS1=; echo READY\r');
		await c.wait(/READY/);
		let n = 0;
		let done;
		const finished = new Promise((r) => { done = r; });
		c.ws.removeAllListeners('message');
		let tail = '';
		c.ws.on('message', (d) => {
			const b = Buffer.from(d);
			if (b[0] !== 0x30)
				return;
			n += b.length - 1;
			tail = (tail + b.subarray(1).toString()).slice(-64);
			if (/DONE\d/.test(tail))
				done();
		});
		const t0 = Date.now();
		c.type(`head -c ${mb}M /dev/zero | base64; echo DONE$((1+1))\r`);
		await finished;
		const s = (Date.now() - t0) / 1000;
		c.ws.terminate();
		return { bytes: n, seconds: s, mbps: n / s / 1e6 };
	},
	async echo(rounds) {
		const c = await open();
		c.type('echo READY\r');
		await c.wait(/READY/);
		const lat = [];
		const letters = 'abcdefghijklmnopqrstuvwxyz';
		for (let i = 0; i < rounds; i++) {
			lat.push(await echoOnce(c, letters[i % 26]));
			if (i % 26 === 25)
				c.type('\x15');	// ^U: clear the line
		}
		c.ws.terminate();
		return { n: rounds, median_ms: pct(lat, 50), p99_ms: pct(lat, 99) };
	},
	async many(count) {
		const rss0 = rssMB();
		const cs = [];
		for (let i = 0; i < count; i++)
			cs.push(await open());
		await Promise.all(cs.map((c) => {
			c.type('echo READY\r');
			return c.wait(/READY/);
		}));
		await new Promise((r) => setTimeout(r, 1000));
		const rss = rssMB();
		const lat = [];
		for (const c of cs)
			lat.push(await echoOnce(c, 'q'));
		cs.forEach((c) => c.ws.terminate());
		return { terminals: count, rss0_mb: rss0, rss_mb: rss,
		    median_ms: pct(lat, 50), p99_ms: pct(lat, 99) };
	},
	async viewers(count) {
		const rss0 = rssMB();
		const cs = [];
		for (let i = 0; i < count; i++)
			cs.push(await open('hold', `127.0.0.${2 + i % 50}`));
		await new Promise((r) => setTimeout(r, 2000));
		const rss = rssMB();
		const open_now = cs.filter((c) =>
		    c.ws.readyState === WebSocket.OPEN).length;
		cs.forEach((c) => { c.out = ''; });
		const t0 = process.hrtime.bigint();
		const lat = cs.map((c) =>
		    c.wait(/MARK42/).then(() =>
		    Number(process.hrtime.bigint() - t0) / 1e6));
		cs[0].type('echo MARK$((40+2))\r');
		const all = await Promise.all(lat);
		cs.forEach((c) => c.ws.terminate());
		return { viewers: count, open: open_now, rss0_mb: rss0,
		    rss_mb: rss, line_median_ms: pct(all, 50),
		    line_p99_ms: pct(all, 99), line_max_ms: pct(all, 100) };
	},
};

(async () => {
	const r = await modes[process.argv[2]](Number(process.argv[3]));
	console.log(JSON.stringify(r));
	process.exit(0);
})().catch((e) => {
	console.error(e);
	process.exit(1);
});
