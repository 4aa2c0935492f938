/* mcp-tools.c: the MCP tools: each one REST request of berth's API (built
 * here from the tool's arguments, run by the transport's executor) and
 * its reply shaped as a tool result. An API error becomes a result with
 * isError and the API's code and message. Pure; the file tools are in
 * mcp-files.c. One thread per call. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json-util.h"
#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

#define REPLY_SMALL	(4 * 1024 * 1024)
#define REPLY_EXEC	(128 * 1024 * 1024)	/* 2 x 16 MiB, JSON-escaped */

static const char ws_prop[] = "\"workspace\":{\"type\":\"string\","
    "\"description\":\"the workspace's name, id or id prefix\"}";

/* ---- workspaces ---- */

static const char *const ws_keys[] = {
	"id", "name", "owner", "state", "error", "template", "image", "gpu",
	"cpus", "memory", "created_at", "started_at", "expires_at",
	"idle_timeout", NULL
};

static json_t *
ws_brief(const json_t *w)
{
	json_t *o = json_object(), *v;

	for (int i = 0; ws_keys[i] != NULL; i++)
		if ((v = json_object_get(w, ws_keys[i])) != NULL &&
		    !json_is_null(v))
			json_object_set(o, ws_keys[i], v);
	v = json_object_get(json_object_get(w, "ssh"), "command");
	if (json_is_string(v))
		json_object_set(o, "ssh", v);
	return o;
}

static int
b_list(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "state", NULL };
	const char *state = NULL;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = json_opt_str(args, "state", &state)) != 0)
		return rc;
	rq->method = "GET";
	rq->path = state != NULL ? mcp_path("/v1/workspaces?state=%s", state) :
	    xstrdup("/v1/workspaces");
	return 0;
}

static json_t *
s_list(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	json_t *arr = json_array(), *w;
	size_t i;

	json_array_foreach(j, i, w)
		json_array_append_new(arr, ws_brief(w));
	return mcp_ok(json_pack("{s:o}", "workspaces", arr));
}

static int
b_get(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", NULL };
	const char *ws;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0)
		return rc;
	rq->method = "GET";
	rq->path = mcp_path("/v1/workspaces/%s", ws);
	return 0;
}

/* The reply object as the result (a workspace, a file written...). */
static json_t *
s_object(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	return mcp_ok(json_is_object(j) ? json_incref(j) : json_object());
}

static int
b_create(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "name", "template", "image", "gpu",
	    "cpus", "memory", "env", "ttl", "idle_timeout", "volumes",
	    "wait", NULL };
	json_t *body;
	const char *name;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = json_req_str(args, "name", &name)) != 0)
		return rc;
	body = json_deep_copy(args);
	if (json_object_get(body, "wait") == NULL)
		json_object_set_new(body, "wait", json_true());
	rq->method = "POST";
	rq->path = xstrdup("/v1/workspaces");
	rq->ctype = "application/json";
	rq->body = json_dumps(body, JSON_COMPACT);
	rq->bodylen = strlen(rq->body);
	json_decref(body);
	return 0;
}

static int
b_lifecycle(const json_t *args, struct mcp_http *rq, const char *verb)
{
	static const char *const ok[] = { "workspace", NULL };
	const char *ws;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0)
		return rc;
	rq->method = verb != NULL ? "POST" : "DELETE";
	rq->path = verb != NULL ? mcp_path("/v1/workspaces/%s/%S", ws, verb) :
	    mcp_path("/v1/workspaces/%s", ws);
	return 0;
}

static int
b_stop(const json_t *args, struct mcp_http *rq)
{
	return b_lifecycle(args, rq, "stop");
}

static int
b_start(const json_t *args, struct mcp_http *rq)
{
	return b_lifecycle(args, rq, "start");
}

static int
b_delete(const json_t *args, struct mcp_http *rq)
{
	return b_lifecycle(args, rq, NULL);
}

static json_t *
s_deleted(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	return mcp_ok(json_pack("{s:s,s:b}", "workspace",
	    json_string_value(json_object_get(args, "workspace")), "deleted",
	    1));
}

/* ---- exec ---- */

static int
b_exec(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "command", "argv",
	    "stdin", "env", "workdir", "timeout", "user", NULL };
	json_t *body;
	const char *ws;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0)
		return rc;
	if ((json_object_get(args, "command") == NULL) ==
	    (json_object_get(args, "argv") == NULL))
		return err_set(ERR_INVAL, "give command (a shell command line)"
		    " or argv (an array of words), one of them");
	body = json_deep_copy(args);
	json_object_del(body, "workspace");
	rq->method = "POST";
	rq->path = mcp_path("/v1/workspaces/%s/exec", ws);
	rq->ctype = "application/json";
	rq->body = json_dumps(body, JSON_COMPACT);
	rq->bodylen = strlen(rq->body);
	rq->limit = REPLY_EXEC;
	json_decref(body);
	return 0;
}

/* The signal that ended a process, from the 128+N status shells and the
 * API report (NULL for a plain exit). */
static const char *
mcp_signal_name(int code, int timed_out)
{
	static const char *const names[] = { NULL, "SIGHUP", "SIGINT",
	    "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
	    "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
	    "SIGTERM" };

	if (timed_out)
		return "SIGKILL";
	if (code > 128 && code - 128 < (int)(sizeof names / sizeof names[0]))
		return names[code - 128];
	return NULL;
}

static json_t *
s_exec(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	json_t *o;
	const char *sig;
	int code, to, so, se;

	if (!json_is_object(j))
		return mcp_fail("bad_response", "exec answered no JSON object",
		    rp->status);
	code = (int)json_integer_value(json_object_get(j, "exit_code"));
	to = json_is_true(json_object_get(j, "timed_out"));
	so = json_is_true(json_object_get(j, "stdout_truncated"));
	se = json_is_true(json_object_get(j, "stderr_truncated"));
	sig = mcp_signal_name(code, to);
	o = json_pack("{s:O,s:O,s:i,s:o,s:b,s:b,s:b,s:b,s:O}",
	    "stdout", json_object_get(j, "stdout"),
	    "stderr", json_object_get(j, "stderr"),
	    "exit_code", code,
	    "signal", sig != NULL ? json_string(sig) : json_null(),
	    "timed_out", to, "truncated", so || se,
	    "stdout_truncated", so, "stderr_truncated", se,
	    "duration_ms", json_object_get(j, "duration_ms"));
	if (o == NULL)
		return mcp_fail("bad_response", "exec answered an incomplete "
		    "result", rp->status);
	if (json_object_get(j, "stdout_encoding") != NULL)
		json_object_set(o, "stdout_encoding", json_object_get(j,
		    "stdout_encoding"));
	if (json_object_get(j, "stderr_encoding") != NULL)
		json_object_set(o, "stderr_encoding", json_object_get(j,
		    "stderr_encoding"));
	return mcp_ok(o);
}

/* ---- GPUs, logs ---- */

static int
b_gpus(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { NULL };
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0)
		return rc;
	rq->method = "GET";
	rq->path = xstrdup("/v1/gpus/available");
	return 0;
}

static json_t *
s_gpus(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	return mcp_ok(json_pack("{s:O}", "gpus", json_is_array(j) ? j :
	    json_array()));
}

static int
b_logs(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "tail", "since", NULL };
	const char *ws, *since = NULL;
	int64_t tail = 200;
	char n[32];
	int rc, has;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = json_opt_int(args, "tail", &tail, &has)) != 0 ||
	    (rc = json_opt_str(args, "since", &since)) != 0)
		return rc;
	if (tail < 1 || tail > 100000)
		return err_set(ERR_INVAL, "tail must be 1 to 100000 lines");
	snprintf(n, sizeof n, "%lld", (long long)tail);
	rq->method = "GET";
	rq->path = since != NULL ? mcp_path("/v1/workspaces/%s/logs?tail=%s"
	    "&since=%s", ws, n, since) : mcp_path("/v1/workspaces/%s/logs?"
	    "tail=%s", ws, n);
	return 0;
}

static json_t *
s_logs(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	json_t *r;

	r = json_pack("{s:s%,s:b}", "logs", rp->body != NULL ? rp->body : "",
	    rp->len, "truncated", rp->cut);
	if (r == NULL)
		r = json_pack("{s:s,s:b}", "logs", "(the logs are not valid "
		    "UTF-8)", "truncated", rp->cut);
	return mcp_ok(r);
}

#define PROPS(...)	"{\"type\":\"object\",\"properties\":{" __VA_ARGS__ "}"
#define WS_ONLY		PROPS("%W") ",\"required\":[\"workspace\"]}"

static const struct mcp_tool tools[] = {
	{ "list_workspaces", "List workspaces", "Your workspaces (an admin "
	    "sees all): id, name, state, image, GPU, expiry, ssh command.",
	    PROPS("\"state\":{\"type\":\"string\",\"enum\":[\"creating\","
	    "\"running\",\"stopped\",\"failed\"],\"description\":\"only "
	    "workspaces in this state\"}") "}", MCP_RO,
	    b_list, s_list, 0 },
	{ "get_workspace", "Inspect a workspace", "One workspace in full: "
	    "state, resources, GPU, volumes, TTL, idle, how to reach it.",
	    WS_ONLY, MCP_RO, b_get, s_object, 0 },
	{ "create_workspace", "Create a workspace", "Creates a workspace (a "
	    "container with its GPU, volumes and TTL) and, unless wait is "
	    "false, returns when it is running.",
	    PROPS("\"name\":{\"type\":\"string\",\"description\":\"a DNS "
	    "label, unique among yours\"},"
	    "\"template\":{\"type\":\"string\"},"
	    "\"image\":{\"type\":\"string\",\"description\":\"only images "
	    "the admin allows\"},"
	    "\"gpu\":{\"type\":\"string\",\"description\":\"none, a count "
	    "(1), a MIG profile (1g.10gb), a model (H100) or a device "
	    "uuid\"},"
	    "\"cpus\":{\"type\":[\"number\",\"string\"]},"
	    "\"memory\":{\"type\":\"string\",\"description\":\"e.g. 16g\"},"
	    "\"env\":{\"type\":\"object\",\"additionalProperties\":"
	    "{\"type\":\"string\"}},"
	    "\"ttl\":{\"type\":\"string\",\"description\":\"e.g. 90m, 4h; 0:"
	    " none\"},"
	    "\"idle_timeout\":{\"type\":\"string\"},"
	    "\"volumes\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	    "\"properties\":{\"name\":{\"type\":\"string\"},\"mount\":"
	    "{\"type\":\"string\"}}}},"
	    "\"wait\":{\"type\":\"boolean\",\"default\":true}")
	    ",\"required\":[\"name\"]}", 0, b_create, s_object, 0 },
	{ "start_workspace", "Start a workspace", "Starts a stopped "
	    "workspace (its GPU is allocated again).", WS_ONLY, MCP_IDEM,
	    b_start, s_object, 0 },
	{ "stop_workspace", "Stop a workspace", "Stops a workspace: volumes "
	    "are kept, the GPU goes back to the pool.", WS_ONLY, MCP_IDEM,
	    b_stop, s_object, 0 },
	{ "delete_workspace", "Delete a workspace", "Deletes a workspace and "
	    "its container; its volumes stay.", WS_ONLY,
	    MCP_DESTRUCTIVE | MCP_IDEM, b_delete, s_deleted, 0 },
	{ "exec", "Run a command", "Runs a command in a running workspace as "
	    "its user and returns the full result: stdout, stderr, "
	    "exit_code, signal (from a 128+N status), timed_out, truncated "
	    "(each stream is kept up to 16 MiB), duration_ms. Output that is "
	    "not UTF-8 text comes base64 with stdout_encoding/"
	    "stderr_encoding \"base64\". On timeout the process tree is "
	    "killed.",
	    PROPS("%W,"
	    "\"command\":{\"type\":\"string\",\"description\":\"a command "
	    "line, run by the workspace's shell with -c\"},"
	    "\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
	    "\"description\":\"the words of the command (instead of "
	    "command)\"},"
	    "\"stdin\":{\"type\":\"string\"},"
	    "\"env\":{\"type\":\"object\",\"additionalProperties\":"
	    "{\"type\":\"string\"}},"
	    "\"workdir\":{\"type\":\"string\"},"
	    "\"user\":{\"type\":\"string\"},"
	    "\"timeout\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":"
	    "3600,\"description\":\"seconds (default 30)\"}")
	    ",\"required\":[\"workspace\"]}", MCP_OPEN, b_exec, s_exec, 0 },
	{ "read_file", "Read a file", "Reads a file in a running workspace: "
	    "up to length bytes (default 1 MiB, at most 16 MiB) from offset."
	    " Text comes as is (encoding utf-8), anything else base64. "
	    "size is the file's size; eof says the end was reached.",
	    PROPS("%W,"
	    "\"path\":{\"type\":\"string\",\"description\":\"absolute "
	    "path\"},"
	    "\"offset\":{\"type\":\"integer\",\"minimum\":0},"
	    "\"length\":{\"type\":\"integer\",\"minimum\":1}")
	    ",\"required\":[\"workspace\",\"path\"]}", MCP_RO,
	    mcp_b_read, mcp_s_read, 1 },
	{ "write_file", "Write a file", "Writes a whole file in a running "
	    "workspace, owned by its user; missing parent directories are "
	    "made.",
	    PROPS("%W,"
	    "\"path\":{\"type\":\"string\",\"description\":\"absolute "
	    "path\"},"
	    "\"content\":{\"type\":\"string\"},"
	    "\"encoding\":{\"type\":\"string\",\"enum\":[\"utf-8\","
	    "\"base64\"],\"default\":\"utf-8\"},"
	    "\"mode\":{\"type\":\"string\",\"description\":\"octal, e.g. "
	    "0755 (default 0644)\"}")
	    ",\"required\":[\"workspace\",\"path\",\"content\"]}", MCP_IDEM,
	    mcp_b_write, s_object, 0 },
	{ "list_files", "List a directory", "The entries of a directory in "
	    "a running workspace (name, type, size, mode, mtime), as the "
	    "workspace's user sees them (runs the image's GNU find).",
	    PROPS("%W,"
	    "\"path\":{\"type\":\"string\",\"description\":\"absolute "
	    "path\"}")
	    ",\"required\":[\"workspace\",\"path\"]}", MCP_RO,
	    mcp_b_list, mcp_s_list, 0 },
	{ "gpus_available", "GPUs available", "The GPU devices (whole GPUs "
	    "and MIG instances) free to allocate now.", PROPS("") "}", MCP_RO,
	    b_gpus, s_gpus, 0 },
	{ "logs", "Workspace logs", "The container's output (its main "
	    "process), stdout and stderr.",
	    PROPS("%W,"
	    "\"tail\":{\"type\":\"integer\",\"minimum\":1,\"description\":"
	    "\"the last N lines (default 200)\"},"
	    "\"since\":{\"type\":\"string\",\"description\":\"RFC 3339, "
	    "epoch or a duration back like 10m\"}")
	    ",\"required\":[\"workspace\"]}", MCP_RO, b_logs, s_logs, 1 },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, 0 }
};

/* The schema text with %W replaced by the workspace property. */
static json_t *
schema(const char *tmpl)
{
	struct buf *b = buf_new(0);
	json_error_t je;
	const char *p;
	json_t *v;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'W') {
			buf_append(b, ws_prop, sizeof ws_prop - 1);
			p++;
		} else
			buf_putc(b, *p);
	}
	v = json_loadb(buf_data(b), buf_len(b), 0, &je);
	buf_free(b);
	return v != NULL ? v : json_pack("{s:s}", "type", "object");
}

static const struct mcp_tool *
tool_find(const char *name)
{
	for (const struct mcp_tool *t = tools; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	for (const struct mcp_tool *t = mcp_task_tools; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static json_t *
tool_json(const struct mcp_tool *t)
{
	return json_pack("{s:s,s:s,s:s,s:o,s:{s:s,s:b,s:b,s:b,s:b}}",
	    "name", t->name, "title", t->title, "description", t->desc,
	    "inputSchema", schema(t->schema), "annotations", "title",
	    t->title, "readOnlyHint", (t->hints & MCP_RO) != 0,
	    "destructiveHint", (t->hints & MCP_DESTRUCTIVE) != 0 ||
	    (t->hints & (MCP_RO | MCP_IDEM)) == 0,
	    "idempotentHint", (t->hints & (MCP_RO | MCP_IDEM)) != 0,
	    "openWorldHint", (t->hints & MCP_OPEN) != 0);
}

json_t *
mcp_tools_list(void)
{
	json_t *arr = json_array();

	for (const struct mcp_tool *t = tools; t->name != NULL; t++)
		json_array_append_new(arr, tool_json(t));
	for (const struct mcp_tool *t = mcp_task_tools; t->name != NULL; t++)
		json_array_append_new(arr, tool_json(t));
	return arr;
}

int
mcp_tool_call(struct mcp *s, const char *name, const json_t *args,
    json_t **result)
{
	const struct mcp_tool *t = tool_find(name);
	struct mcp_http rq;
	struct mcp_reply rp;
	json_t *j = NULL, *empty = NULL;
	int rc;

	*result = NULL;
	if (t == NULL)
		return ERR_NOTFOUND;
	if (args == NULL)
		args = empty = json_object();
	memset(&rq, 0, sizeof rq);
	memset(&rp, 0, sizeof rp);
	rp.size = -1;
	rq.limit = REPLY_SMALL;
	err_clear();
	if ((rc = t->build(args, &rq)) != 0) {
		*result = mcp_fail(rc == ERR_INVAL ? "invalid_argument" :
		    err_str(rc), *err_msg() ? err_msg() : "bad arguments", 0);
		goto out;
	}
	if ((rc = s->exec(s->arg, &rq, &rp)) != 0) {
		*result = mcp_fail(rc == ERR_TIMEOUT ? "timeout" :
		    "unreachable", *err_msg() ? err_msg() : "berthd did not "
		    "answer", 0);
		goto out;
	}
	if (rp.status >= 300 && !(t->raw && (rp.status == 416))) {
		*result = mcp_fail_reply(&rp);
		goto out;
	}
	if (rp.cut && !t->raw) {
		*result = mcp_fail("too_large", "the reply is larger than "
		    "this tool keeps (ask for less)", rp.status);
		goto out;
	}
	if (!t->raw && rp.len > 0 && (j = json_loadb(rp.body, rp.len,
	    JSON_DECODE_ANY, NULL)) == NULL) {
		*result = mcp_fail("bad_response", "berthd's reply is not "
		    "JSON", rp.status);
		goto out;
	}
	*result = t->shape(args, &rp, j);
out:
	json_decref(j);
	json_decref(empty);
	free(rq.path);
	free(rq.body);
	free(rp.body);
	return 0;
}
