/* mcp-rpc.c: JSON-RPC 2.0 for MCP: one message parsed and checked, the
 * lifecycle (initialize, version negotiation, ping) and the methods this
 * server has (tools/list, tools/call); protocol faults are JSON-RPC
 * errors, a failed tool is a tool result with isError. Pure, fuzzed by
 * tests/fuzz/fuzz-mcp.c. One thread per struct mcp. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json-util.h"
#include "mcp.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION	"0"
#endif

/* Newest first; the first is offered to a client asking for another. */
static const char *const versions[] = {
	MCP_PROTO_LATEST, "2025-06-18", "2025-03-26", "2024-11-05", NULL
};

int
mcp_version_ok(const char *v)
{
	for (int i = 0; v != NULL && versions[i] != NULL; i++)
		if (strcmp(v, versions[i]) == 0)
			return 1;
	return 0;
}

static json_t *
rpc_error(const json_t *id, int code, const char *msg)
{
	char clean[512];
	size_t i;

	/* A parse error quotes the input, which may not be UTF-8: the
	 * message must be, or there is no answer at all. */
	for (i = 0; msg[i] != '\0' && i < sizeof clean - 1; i++)
		clean[i] = (unsigned char)msg[i] < 0x20 ||
		    (unsigned char)msg[i] > 0x7e ? '?' : msg[i];
	clean[i] = '\0';
	return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", "code", code, "message",
	    clean);
}

static json_t *
rpc_result(const json_t *id, json_t *result)
{
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result);
}

/* A request id: a string or an integer (JSON-RPC allows a number; MCP
 * says string or integer, never null). */
static int
id_ok(const json_t *id)
{
	return json_is_string(id) || json_is_integer(id);
}

int
mcp_parse(const char *buf, size_t len, json_t **msg, json_t **resp)
{
	json_error_t je;
	json_t *v, *id, *m;
	char why[300];

	*msg = NULL;
	*resp = NULL;
	if (len > MCP_MSG_MAX) {
		*resp = rpc_error(NULL, MCP_INVALID_REQUEST, "message too "
		    "large");
		return MCP_INVALID_REQUEST;
	}
	if (!json_depth_ok(buf, len, 64)) {
		*resp = rpc_error(NULL, MCP_PARSE_ERROR, "parse error: JSON "
		    "nests deeper than 64 levels");
		return MCP_PARSE_ERROR;
	}
	if ((v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(why, sizeof why, "parse error: %s (line %d column "
		    "%d)", je.text, je.line, je.column);
		*resp = rpc_error(NULL, MCP_PARSE_ERROR, why);
		return MCP_PARSE_ERROR;
	}
	if (json_is_array(v)) {
		json_decref(v);
		*resp = rpc_error(NULL, MCP_INVALID_REQUEST, "invalid request:"
		    " JSON-RPC batches are not supported; send one message");
		return MCP_INVALID_REQUEST;
	}
	id = json_object_get(v, "id");
	m = json_object_get(v, "method");
	if (!json_is_object(v) || strcmp(json_string_value(json_object_get(v,
	    "jsonrpc")) ? json_string_value(json_object_get(v, "jsonrpc")) :
	    "", "2.0") != 0) {
		*resp = rpc_error(id_ok(id) ? id : NULL, MCP_INVALID_REQUEST,
		    "invalid request: not a JSON-RPC 2.0 message (\"jsonrpc\":"
		    " \"2.0\")");
		json_decref(v);
		return MCP_INVALID_REQUEST;
	}
	if ((m != NULL && !json_is_string(m)) || (id != NULL && !id_ok(id)) ||
	    (m == NULL && (id == NULL || (json_object_get(v, "result") ==
	    NULL && json_object_get(v, "error") == NULL))) ||
	    (json_object_get(v, "params") != NULL && !json_is_object(
	    json_object_get(v, "params")) && !json_is_array(json_object_get(v,
	    "params")))) {
		*resp = rpc_error(id_ok(id) ? id : NULL, MCP_INVALID_REQUEST,
		    "invalid request: a message is a request {id, method, "
		    "params}, a notification {method, params} or a response "
		    "{id, result|error}; id is a string or an integer");
		json_decref(v);
		return MCP_INVALID_REQUEST;
	}
	*msg = v;
	return 0;
}

int
mcp_is_request(const json_t *msg)
{
	return json_is_string(json_object_get(msg, "method")) &&
	    json_object_get(msg, "id") != NULL;
}

int
mcp_is_initialize(const json_t *msg)
{
	const char *m = json_string_value(json_object_get(msg, "method"));

	return mcp_is_request(msg) && m != NULL && strcmp(m, "initialize") ==
	    0;
}

static const char instructions[] =
    "berth runs GPU development workspaces (containers) for you. "
    "list_workspaces shows yours; create_workspace makes one (wait is on "
    "by default, so it is running when the call returns); exec runs a "
    "command and returns its stdout, stderr and exit code; read_file, "
    "write_file and list_files reach its files; logs shows its output; "
    "gpus_available shows the GPUs free now; start_task runs a long "
    "command in the background (read it with task_output from the "
    "next_offset you last got, stop it with kill_task). A workspace is "
    "named by its name, its id or an id prefix. A stopped workspace must "
    "be started (start_workspace) before exec and files. Tool errors "
    "carry berth's error code and message (e.g. not_found, conflict, "
    "forbidden).";

static json_t *
do_initialize(struct mcp *s, const json_t *params)
{
	const char *want = json_string_value(json_object_get(params,
	    "protocolVersion"));

	snprintf(s->version, sizeof s->version, "%s", mcp_version_ok(want) ?
	    want : versions[0]);
	return json_pack("{s:s,s:{s:{s:b}},s:{s:s,s:s,s:s},s:s}",
	    "protocolVersion", s->version,
	    "capabilities", "tools", "listChanged", 0,
	    "serverInfo", "name", "berth", "title", "berth", "version",
	    BERTH_VERSION,
	    "instructions", instructions);
}

json_t *
mcp_handle(struct mcp *s, const json_t *msg)
{
	const json_t *id = json_object_get(msg, "id");
	const json_t *params = json_object_get(msg, "params");
	const char *m = json_string_value(json_object_get(msg, "method"));
	const char *name;
	json_t *res = NULL;
	int rc;

	if (m == NULL)
		return NULL;		/* a response: we sent no request */
	if (id == NULL) {
		/* Notifications: nothing to answer. */
		if (strcmp(m, "notifications/initialized") == 0)
			s->initialized = 1;
		return NULL;
	}
	if (params != NULL && !json_is_object(params))
		return rpc_error(id, MCP_INVALID_PARAMS, "params must be an "
		    "object");
	if (strcmp(m, "initialize") == 0) {
		if (!json_is_string(json_object_get(params,
		    "protocolVersion")))
			return rpc_error(id, MCP_INVALID_PARAMS, "initialize "
			    "needs params.protocolVersion (a string)");
		return rpc_result(id, do_initialize(s, params));
	}
	if (strcmp(m, "ping") == 0)
		return rpc_result(id, json_object());
	if (s->version[0] == '\0')
		return rpc_error(id, MCP_INVALID_REQUEST, "the session is not "
		    "initialized: send initialize first");
	if (strcmp(m, "tools/list") == 0)
		return rpc_result(id, json_pack("{s:o}", "tools",
		    mcp_tools_list()));
	if (strcmp(m, "tools/call") == 0) {
		const json_t *args = json_object_get(params, "arguments");
		if ((name = json_string_value(json_object_get(params,
		    "name"))) == NULL)
			return rpc_error(id, MCP_INVALID_PARAMS, "tools/call "
			    "needs params.name (a string)");
		if (args != NULL && !json_is_object(args) &&
		    !json_is_null(args))
			return rpc_error(id, MCP_INVALID_PARAMS, "tools/call "
			    "params.arguments must be an object");
		rc = mcp_tool_call(s, name, json_is_object(args) ? args :
		    NULL, &res);
		if (rc == ERR_NOTFOUND) {
			char why[200];
			snprintf(why, sizeof why, "unknown tool: %.100s",
			    name);
			return rpc_error(id, MCP_INVALID_PARAMS, why);
		}
		if (rc != 0)
			return rpc_error(id, MCP_INTERNAL_ERROR, *err_msg() ?
			    err_msg() : "internal error");
		return rpc_result(id, res);
	}
	{
		char why[200];
		snprintf(why, sizeof why, "method not found: %.100s", m);
		return rpc_error(id, MCP_METHOD_NOT_FOUND, why);
	}
}
