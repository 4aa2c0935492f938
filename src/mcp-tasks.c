/* mcp-tasks.c: the MCP task tools over berth's tasks API (docs/tasks.md):
 * start a detached command, list, read its output from a byte offset
 * (format=json pieces), write to its stdin, kill its tree. Pure; one
 * thread per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json-util.h"
#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

#define OUT_DEFAULT	(64 * 1024)
#define OUT_MAX		(16 * 1024 * 1024)

static int
arg_task(const json_t *args, const char **tid)
{
	return json_req_str(args, "task", tid);
}

/* A JSON body of args without the listed keys. */
static void
body_from(const json_t *args, struct mcp_http *rq, const char *drop)
{
	json_t *body = json_deep_copy(args);

	json_object_del(body, drop);
	rq->ctype = "application/json";
	rq->body = json_dumps(body, JSON_COMPACT);
	rq->bodylen = strlen(rq->body);
	json_decref(body);
}

static int
b_start(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "command", "argv",
	    "name", "env", "workdir", "tty", NULL };
	const char *ws;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0)
		return rc;
	if ((json_object_get(args, "command") == NULL) ==
	    (json_object_get(args, "argv") == NULL))
		return err_set(ERR_INVAL, "give command (a shell command line)"
		    " or argv (an array of words), one of them");
	rq->method = "POST";
	rq->path = mcp_path("/v1/workspaces/%s/tasks", ws);
	body_from(args, rq, "workspace");
	return 0;
}

static int
b_list(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", NULL };
	const char *ws;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0)
		return rc;
	rq->method = "GET";
	rq->path = mcp_path("/v1/workspaces/%s/tasks", ws);
	return 0;
}

static json_t *
s_list(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	return mcp_ok(json_pack("{s:O}", "tasks", json_is_array(j) ? j :
	    json_array()));
}

static json_t *
s_object(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	return mcp_ok(json_is_object(j) ? json_incref(j) : json_object());
}

static int
b_output(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "task", "offset",
	    "tail", "limit", NULL };
	const char *ws, *tid;
	int64_t off = 0, tail = 0, limit = OUT_DEFAULT;
	int rc, has_off, has_tail, has;
	char q[128];

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_task(args, &tid)) != 0 ||
	    (rc = json_opt_int(args, "offset", &off, &has_off)) != 0 ||
	    (rc = json_opt_int(args, "tail", &tail, &has_tail)) != 0 ||
	    (rc = json_opt_int(args, "limit", &limit, &has)) != 0)
		return rc;
	if (off < 0 || tail < 0)
		return err_set(ERR_INVAL, "offset and tail are 0 or more");
	if (has_off && has_tail)
		return err_set(ERR_INVAL, "give offset or tail, not both");
	if (limit < 1 || limit > OUT_MAX)
		return err_set(ERR_INVAL, "limit must be 1 to %d bytes",
		    OUT_MAX);
	if (has_tail)
		snprintf(q, sizeof q, "format=json&tail=%lld&limit=%lld",
		    (long long)tail, (long long)limit);
	else
		snprintf(q, sizeof q, "format=json&offset=%lld&limit=%lld",
		    (long long)off, (long long)limit);
	rq->method = "GET";
	rq->path = mcp_path("/v1/workspaces/%s/tasks/%s/output?%S", ws, tid,
	    q);
	rq->limit = (size_t)limit * 2 + 64 * 1024;	/* base64, escapes */
	return 0;
}

static int
b_input(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "task", "data",
	    "encoding", "eof", NULL };
	const char *ws, *tid;
	json_t *body;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_task(args, &tid)) != 0)
		return rc;
	rq->method = "POST";
	rq->path = mcp_path("/v1/workspaces/%s/tasks/%s/input", ws, tid);
	body = json_deep_copy(args);
	json_object_del(body, "task");
	body_from(body, rq, "workspace");
	json_decref(body);
	return 0;
}

static int
b_kill(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "task", "signal",
	    NULL };
	const char *ws, *tid, *sig = NULL;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_task(args, &tid)) != 0 ||
	    (rc = json_opt_str(args, "signal", &sig)) != 0)
		return rc;
	rq->method = "DELETE";
	rq->path = sig != NULL ? mcp_path("/v1/workspaces/%s/tasks/%s?"
	    "signal=%s", ws, tid, sig) : mcp_path("/v1/workspaces/%s/tasks/"
	    "%s", ws, tid);
	return 0;
}

#define PROPS(...)	"{\"type\":\"object\",\"properties\":{" __VA_ARGS__ "}"
#define TASK_PROP	"\"task\":{\"type\":\"string\",\"description\":" \
			"\"the task's id or name\"}"

const struct mcp_tool mcp_task_tools[] = {
	{ "start_task", "Start a task", "Starts a detached command (a task) "
	    "in a running workspace, as its user; it outlives this call, "
	    "the client and a berthd restart. Returns the task (id, state). "
	    "Read its output with task_output, stop it with kill_task.",
	    PROPS("%W,"
	    "\"command\":{\"type\":\"string\",\"description\":\"a command "
	    "line, run by the workspace's shell with -c\"},"
	    "\"argv\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	    "\"name\":{\"type\":\"string\"},"
	    "\"env\":{\"type\":\"object\",\"additionalProperties\":"
	    "{\"type\":\"string\"}},"
	    "\"workdir\":{\"type\":\"string\"},"
	    "\"tty\":{\"type\":\"boolean\"}")
	    ",\"required\":[\"workspace\"]}", MCP_OPEN, b_start, s_object, 0 },
	{ "list_tasks", "List tasks", "A workspace's tasks, oldest first: "
	    "id, name, state (running, exited, killed, lost), exit_code, "
	    "signal, times, output offsets.", PROPS("%W")
	    ",\"required\":[\"workspace\"]}", MCP_RO, b_list, s_list, 0 },
	{ "task_output", "Read a task's output", "A piece of a task's output "
	    "(stdout and stderr as written) from byte offset (default 0), or "
	    "its last tail bytes: {offset, next_offset, data, encoding, eof, "
	    "task}. Ask again from next_offset for more; eof is true once the "
	    "task has ended and everything was read. At most limit bytes "
	    "(default 64 KiB).",
	    PROPS("%W," TASK_PROP ","
	    "\"offset\":{\"type\":\"integer\",\"minimum\":0},"
	    "\"tail\":{\"type\":\"integer\",\"minimum\":0},"
	    "\"limit\":{\"type\":\"integer\",\"minimum\":1}")
	    ",\"required\":[\"workspace\",\"task\"]}", MCP_RO, b_output,
	    s_object, 0 },
	{ "task_input", "Write to a task's stdin", "Sends data to a running "
	    "task's stdin (a program waiting at a prompt); eof closes it "
	    "afterwards.",
	    PROPS("%W," TASK_PROP ","
	    "\"data\":{\"type\":\"string\"},"
	    "\"encoding\":{\"type\":\"string\",\"enum\":[\"utf-8\","
	    "\"base64\"]},"
	    "\"eof\":{\"type\":\"boolean\"}")
	    ",\"required\":[\"workspace\",\"task\"]}", 0, b_input, s_object,
	    0 },
	{ "kill_task", "Kill a task", "Kills a task's whole process tree and "
	    "answers when no process of it is left (state killed); with "
	    "signal (TERM, INT, HUP...) sends that signal instead and "
	    "answers at once.",
	    PROPS("%W," TASK_PROP ","
	    "\"signal\":{\"type\":\"string\"}")
	    ",\"required\":[\"workspace\",\"task\"]}", MCP_DESTRUCTIVE |
	    MCP_IDEM, b_kill, s_object, 0 },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, 0 }
};
