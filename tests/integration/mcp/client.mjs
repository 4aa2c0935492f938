// client.mjs: drives berth's MCP server with the official TypeScript SDK
// client (@modelcontextprotocol/sdk) for tests/integration/mcp.sh.
//   node client.mjs http|stdio SCENARIO
// Environment: URL (berthd), KEY (alice's API key), KEY2 (bob's), BERTH
// (the CLI, for stdio), WSNAME (the workspace name this run makes).
// Exit status is the verdict; each check prints "ok - ...".
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from
    '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from
    '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';

const [mode, scenario] = process.argv.slice(2);
const { URL: url, KEY, KEY2, BERTH, WSNAME } = process.env;
const LONG = { timeout: 180000 };

function ok(what) {
	console.log(`ok - [${mode}] ${what}`);
}

async function connect(key) {
	const client = new Client({ name: 'berth-test', version: '1.0.0' });
	let transport;
	if (mode === 'http') {
		transport = new StreamableHTTPClientTransport(
		    new globalThis.URL(url + '/mcp'),
		    { requestInit: { headers: { Authorization: `Bearer ${key}` } } });
	} else {
		transport = new StdioClientTransport({
			command: BERTH, args: ['mcp'],
			env: { PATH: process.env.PATH, HOME: process.env.HOME,
			    BERTH_API_URL: url, BERTH_API_KEY: key,
			    ...(process.env.BERTH_USE_CURL ?
			    { BERTH_USE_CURL: '1' } : {}) },
			stderr: 'inherit',
		});
	}
	await client.connect(transport);
	return { client, transport };
}

// A tool call that must succeed: its structuredContent.
async function call(c, name, args, opts) {
	const r = await c.callTool({ name, arguments: args }, undefined,
	    opts ?? LONG);
	if (r.isError)
		throw new Error(`${name} failed: ${r.content?.[0]?.text}`);
	// The text block carries the same result as JSON.
	assert.deepEqual(JSON.parse(r.content[0].text), r.structuredContent);
	return r.structuredContent;
}

// A tool call that must fail with the API's code: its error object.
async function callErr(c, name, args, code) {
	const r = await c.callTool({ name, arguments: args }, undefined, LONG);
	assert.equal(r.isError, true, `${name} should fail: ` +
	    JSON.stringify(r));
	const e = r.structuredContent.error;
	assert.equal(e.code, code, `${name}: ${JSON.stringify(e)}`);
	assert.match(r.content[0].text, new RegExp(`^error ${code}: `));
	assert.ok(e.message.length > 0);
	return e;
}

async function endToEnd() {
	const { client: c } = await connect(KEY);
	const info = c.getServerVersion();
	assert.equal(info.name, 'berth');
	ok(`initialize: server ${info.name} ${info.version}`);

	const { tools } = await c.listTools();
	const names = tools.map(t => t.name).sort();
	for (const want of ['list_workspaces', 'create_workspace',
	    'start_workspace', 'stop_workspace', 'delete_workspace', 'exec',
	    'read_file', 'write_file', 'list_files', 'gpus_available', 'logs',
	    'start_task', 'list_tasks', 'task_output', 'task_input',
	    'kill_task'])
		assert.ok(names.includes(want), `tool ${want} in ${names}`);
	for (const t of tools)
		assert.equal(t.inputSchema.type, 'object', t.name);
	ok(`tools/list: ${names.length} tools with input schemas`);

	const ws = await call(c, 'create_workspace', { name: WSNAME });
	assert.equal(ws.state, 'running');
	assert.equal(ws.name, WSNAME);
	ok('create_workspace: running');

	const list = await call(c, 'list_workspaces', {});
	assert.ok(list.workspaces.some(w => w.id === ws.id &&
	    w.state === 'running'));
	ok('list_workspaces shows it');

	// exec: the full result.
	let x = await call(c, 'exec', { workspace: WSNAME,
	    command: 'printf out; printf err >&2; exit 3' });
	assert.equal(x.stdout, 'out');
	assert.equal(x.stderr, 'err');
	assert.equal(x.exit_code, 3);
	assert.equal(x.signal, null);
	assert.equal(x.timed_out, false);
	assert.equal(x.truncated, false);
	assert.equal(typeof x.duration_ms, 'number');
	ok('exec: stdout, stderr, exit_code 3');
	x = await call(c, 'exec', { workspace: WSNAME,
	    argv: ['sh', '-c', 'id -un; kill -TERM $$'] });
	assert.equal(x.stdout, 'dev\n');
	assert.equal(x.exit_code, 143);
	assert.equal(x.signal, 'SIGTERM');
	ok('exec: argv, runs as the workspace user, signal SIGTERM');
	x = await call(c, 'exec', { workspace: WSNAME, command: 'sleep 30',
	    timeout: 1 });
	assert.equal(x.timed_out, true);
	assert.equal(x.exit_code, 137);
	assert.equal(x.signal, 'SIGKILL');
	assert.ok(x.duration_ms < 20000);
	ok('exec: timeout kills, timed_out and SIGKILL');
	x = await call(c, 'exec', { workspace: WSNAME, command: 'cat',
	    stdin: 'fed in' });
	assert.equal(x.stdout, 'fed in');
	ok('exec: stdin');

	// Files: text, a range, binary, a listing.
	const path = '/home/dev/mcp/notes.txt';
	const w = await call(c, 'write_file', { workspace: WSNAME, path,
	    content: 'hello\nworld\n' });
	assert.equal(w.bytes, 12);
	let f = await call(c, 'read_file', { workspace: WSNAME, path });
	assert.equal(f.content, 'hello\nworld\n');
	assert.equal(f.encoding, 'utf-8');
	assert.equal(f.size, 12);
	assert.equal(f.eof, true);
	f = await call(c, 'read_file', { workspace: WSNAME, path, offset: 6,
	    length: 3 });
	assert.equal(f.content, 'wor');
	assert.equal(f.eof, false);
	f = await call(c, 'read_file', { workspace: WSNAME, path,
	    offset: 12 });
	assert.equal(f.bytes, 0);
	assert.equal(f.eof, true);
	x = await call(c, 'exec', { workspace: WSNAME,
	    command: `stat -c %U ${path}; cat ${path}` });
	assert.equal(x.stdout, 'dev\nhello\nworld\n');
	ok('write_file / read_file: text, owned by the user, offset and length');
	const bin = Buffer.from([...Array(256).keys()]);
	await call(c, 'write_file', { workspace: WSNAME,
	    path: '/home/dev/mcp/bin', content: bin.toString('base64'),
	    encoding: 'base64', mode: '0600' });
	f = await call(c, 'read_file', { workspace: WSNAME,
	    path: '/home/dev/mcp/bin' });
	assert.equal(f.encoding, 'base64');
	assert.deepEqual(Buffer.from(f.content, 'base64'), bin);
	ok('write_file / read_file: binary through base64');
	const ls = await call(c, 'list_files', { workspace: WSNAME,
	    path: '/home/dev/mcp' });
	assert.equal(ls.type, 'directory');
	assert.deepEqual(ls.entries.map(e => e.name), ['bin', 'notes.txt']);
	const b = ls.entries[0];
	assert.equal(b.type, 'file');
	assert.equal(b.size, 256);
	assert.equal(b.mode, '0600');
	assert.match(b.mtime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
	ok('list_files: names, types, sizes, modes, mtimes');
	await callErr(c, 'list_files', { workspace: WSNAME,
	    path: '/home/dev/nope' }, 'not_found');
	await callErr(c, 'read_file', { workspace: WSNAME,
	    path: '/home/dev/mcp' }, 'is_directory');
	await callErr(c, 'read_file', { workspace: WSNAME, path: 'rel' },
	    'invalid_argument');
	ok('file tool errors: not_found, is_directory, invalid_argument');

	const logs = await call(c, 'logs', { workspace: WSNAME, tail: 10 });
	assert.equal(typeof logs.logs, 'string');
	ok('logs');
	const g = await call(c, 'gpus_available', {});
	assert.ok(g.gpus.length >= 1, JSON.stringify(g));
	assert.ok(g.gpus.every(d => typeof d.uuid === 'string'));
	ok(`gpus_available: ${g.gpus.length} devices`);

	// Tool errors carry the API's code and message.
	let e = await callErr(c, 'exec', { workspace: 'no-such-ws',
	    command: 'true' }, 'not_found');
	assert.match(e.message, /no-such-ws/);
	assert.equal(e.status, 404);
	await callErr(c, 'exec', { workspace: WSNAME }, 'invalid_argument');
	await callErr(c, 'create_workspace', { name: WSNAME }, 'conflict');
	ok('tool errors: not_found (404), invalid_argument, conflict');

	// Another user sees none of it.
	const { client: c2 } = await connect(KEY2);
	await callErr(c2, 'exec', { workspace: WSNAME, command: 'true' },
	    'not_found');
	await callErr(c2, 'read_file', { workspace: ws.id, path }, 'not_found');
	await callErr(c2, 'delete_workspace', { workspace: ws.id },
	    'not_found');
	const l2 = await call(c2, 'list_workspaces', {});
	assert.ok(!l2.workspaces.some(x2 => x2.id === ws.id));
	await c2.close();
	ok("another user can't see or touch it");

	// Protocol faults are JSON-RPC errors.
	await assert.rejects(c.callTool({ name: 'no_such_tool', arguments: {} }),
	    err => err instanceof McpError && err.code === -32602);
	ok('unknown tool: JSON-RPC -32602');

	// Lifecycle.
	let s = await call(c, 'stop_workspace', { workspace: WSNAME });
	assert.equal(s.state, 'stopped');
	e = await callErr(c, 'exec', { workspace: WSNAME, command: 'true' },
	    'conflict');
	assert.match(e.message, /stopped/);
	s = await call(c, 'start_workspace', { workspace: WSNAME });
	assert.equal(s.state, 'running');
	f = await call(c, 'read_file', { workspace: WSNAME, path });
	assert.equal(f.content, 'hello\nworld\n');
	ok('stop_workspace, exec refused (conflict), start_workspace, file kept');
	const d = await call(c, 'delete_workspace', { workspace: WSNAME });
	assert.equal(d.deleted, true);
	const after = await call(c, 'list_workspaces', {});
	assert.ok(!after.workspaces.some(x2 => x2.id === ws.id));
	ok('delete_workspace');
	await c.close();
}

// A key scoped to read (KEY_RO), and one scoped to exec and files on
// workspace SA only (KEY_SA): the tools get the API's refusals.
async function scoped() {
	const { SA, SB, KEY_RO, KEY_SA } = process.env;
	let { client: c } = await connect(KEY_RO);
	const l = await call(c, 'list_workspaces', {});
	assert.ok(l.workspaces.some(w => w.name === SA));
	let e = await callErr(c, 'exec', { workspace: SA, command: 'true' },
	    'forbidden');
	assert.match(e.message, /scope/);
	await callErr(c, 'write_file', { workspace: SA, path: '/tmp/x',
	    content: 'x' }, 'forbidden');
	await callErr(c, 'stop_workspace', { workspace: SA }, 'forbidden');
	await callErr(c, 'create_workspace', { name: 'nope' }, 'forbidden');
	await c.close();
	ok('a read-only key: lists, but exec, files and lifecycle are forbidden');
	({ client: c } = await connect(KEY_SA));
	const x = await call(c, 'exec', { workspace: SA, command: 'echo in' });
	assert.equal(x.stdout, 'in\n');
	await call(c, 'write_file', { workspace: SA, path: '/tmp/s',
	    content: 's' });
	e = await callErr(c, 'exec', { workspace: SB, command: 'true' },
	    'forbidden');
	await callErr(c, 'read_file', { workspace: SB, path: '/etc/hostname' },
	    'forbidden');
	await callErr(c, 'delete_workspace', { workspace: SA }, 'forbidden');
	await c.close();
	ok('a key for one workspace: exec and files there, nothing elsewhere');
}

// Reads a task's whole output through task_output, limit bytes a call,
// from offset 0 until eof: the pieces must follow each other exactly.
async function readAll(c, ws, task, limit) {
	let off = 0, text = '';
	for (let i = 0; i < 400; i++) {
		const o = await call(c, 'task_output', { workspace: ws, task,
		    offset: off, limit });
		assert.equal(o.offset, off, 'pieces follow each other');
		const d = o.encoding === 'base64' ?
		    Buffer.from(o.data, 'base64').toString() : o.data;
		assert.equal(o.next_offset, off + Buffer.byteLength(d));
		text += d;
		off = o.next_offset;
		if (o.eof)
			return text;
		if (d.length === 0)
			await new Promise(r => setTimeout(r, 100));
	}
	throw new Error(`task ${task} never reached eof: ${text}`);
}

async function tasks() {
	const ws = WSNAME;
	const { client: c } = await connect(KEY);
	await call(c, 'create_workspace', { name: ws });
	let t = await call(c, 'start_task', { workspace: ws, name: 'count',
	    command: 'for i in 1 2 3; do echo line$i; sleep 0.2; done; ' +
	    'echo done >&2' });
	assert.equal(t.state, 'running');
	assert.match(t.id, /^[0-9a-f]{16}$/);
	const out = await readAll(c, ws, t.id, 4);
	assert.equal(out, 'line1\nline2\nline3\ndone\n');
	const tail = await call(c, 'task_output', { workspace: ws,
	    task: 'count', tail: 5 });
	assert.equal(tail.data, 'done\n');
	let l = await call(c, 'list_tasks', { workspace: ws });
	let mine = l.tasks.find(x => x.id === t.id);
	assert.equal(mine.state, 'exited');
	assert.equal(mine.exit_code, 0);
	ok('start_task, task_output from offsets in 4-byte pieces and tail, ' +
	    'list_tasks: exited 0');

	t = await call(c, 'start_task', { workspace: ws,
	    command: 'read x; echo got:$x' });
	await call(c, 'task_input', { workspace: ws, task: t.id,
	    data: 'hello\n' });
	assert.equal(await readAll(c, ws, t.id, 65536), 'got:hello\n');
	ok('task_input reaches its stdin');

	t = await call(c, 'start_task', { workspace: ws, name: 'tree',
	    command: 'sleep 301 & (setsid sleep 302 &); sleep 303' });
	await new Promise(r => setTimeout(r, 500));
	let x = await call(c, 'exec', { workspace: ws,
	    command: 'ps -eo args | grep -c "^sleep 30[123]" || true' });
	assert.equal(x.stdout.trim(), '3');
	const k = await call(c, 'kill_task', { workspace: ws, task: 'tree' });
	assert.equal(k.state, 'killed');
	x = await call(c, 'exec', { workspace: ws,
	    command: 'ps -eo args | grep -c "^sleep 30[123]" || true' });
	assert.equal(x.stdout.trim(), '0');
	ok('kill_task kills the whole tree (setsid included): no process left');

	await callErr(c, 'task_output', { workspace: ws, task: 'nope' },
	    'not_found');
	await callErr(c, 'start_task', { workspace: ws }, 'invalid_argument');
	const { client: c2 } = await connect(KEY2);
	await callErr(c2, 'kill_task', { workspace: ws, task: t.id },
	    'not_found');
	await c2.close();
	ok('task tool errors: not_found, invalid_argument, another user');
	await call(c, 'delete_workspace', { workspace: ws });
	await c.close();
}

async function main() {
	switch (scenario) {
	case 'e2e':
		await endToEnd();
		break;
	case 'scoped':
		await scoped();
		break;
	case 'tasks':
		await tasks();
		break;
	default:
		throw new Error(`no scenario ${scenario}`);
	}
}

main().then(() => process.exit(0), err => {
	console.error(`FAIL [${mode} ${scenario}]:`, err);
	process.exit(1);
});
