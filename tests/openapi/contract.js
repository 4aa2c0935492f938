// contract.js DOC CASES: validates live responses against the OpenAPI
// document with ajv. CASES has one case a line: METHOD TEMPLATE STATUS
// FILE (the response body as received). Exit status 1 on any mismatch.
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'oa');
const esc = (s) => s.replace(/~/g, '~0').replace(/\//g, '~1');
let bad = 0, n = 0;
for (const line of fs.readFileSync(process.argv[3], 'utf8').split('\n')) {
	if (!line.trim()) continue;
	const [method, tmpl, status, file] = line.split(' ');
	const op = (doc.paths[tmpl] || {})[method.toLowerCase()];
	if (!op) { console.log(`${method} ${tmpl}: not in the document`); bad++; continue; }
	const key = op.responses[status] ? status : 'default';
	if (!op.responses[status]) { console.log(`${method} ${tmpl}: status ${status} not documented`); bad++; continue; }
	const c = (op.responses[key].content || {})['application/json'];
	if (!c) { console.log(`${method} ${tmpl} ${status}: no JSON schema`); bad++; continue; }
	const ptr = `oa#/paths/${esc(tmpl)}/${method.toLowerCase()}/responses/${key}/content/application~1json/schema`;
	const v = ajv.getSchema(ptr) || ajv.compile({ $ref: ptr });
	const body = JSON.parse(fs.readFileSync(file, 'utf8'));
	n++;
	if (!v(body)) {
		console.log(`${method} ${tmpl} ${status}: ${ajv.errorsText(v.errors)}`);
		bad++;
	}
}
console.log(`${n} responses checked, ${bad} mismatches`);
process.exit(bad ? 1 : 0);
