/* mcp-http.c: berthd's MCP endpoint, the streamable HTTP transport at
 * /mcp (docs/mcp.md): each POST carries one JSON-RPC message and gets a
 * JSON answer (202 for a notification); initialize opens a session
 * (Mcp-Session-Id, kept in memory and bound to the user; after a restart
 * the client initializes again, as the spec has it); DELETE ends one.
 * Auth is the router's (any valid API key); each tool runs berth's own
 * route in this process as the caller (req_subcall), so a scoped key's
 * scopes and workspaces, and ownership, are checked as the API checks
 * them. Request threads; the session table has one lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "mcp.h"
#include "rnd.h"
#include "timeutil.h"
#include "xmalloc.h"

#define SESS_MAX	1024
#define SESS_IDLE	(7 * 24 * 3600)	/* s unused before a slot is reused */

struct sess {
	char	id[40];
	char	user[40];
	char	version[16];
	int64_t	used;
};

static struct sess sessions[SESS_MAX];
static pthread_mutex_t sess_lock = PTHREAD_MUTEX_INITIALIZER;

/* A new session for user; its id into id (>= 40 bytes). The least
 * recently used one makes room when the table is full. */
static void
sess_new(const char *user, const char *version, char *id)
{
	struct sess *s, *old = &sessions[0];

	rnd_hex(id, 16);
	pthread_mutex_lock(&sess_lock);
	for (s = sessions; s < sessions + SESS_MAX; s++) {
		if (s->id[0] == '\0' || now_s() - s->used > SESS_IDLE) {
			old = s;
			break;
		}
		if (s->used < old->used)
			old = s;
	}
	snprintf(old->id, sizeof old->id, "%s", id);
	snprintf(old->user, sizeof old->user, "%s", user);
	snprintf(old->version, sizeof old->version, "%s", version);
	old->used = now_s();
	pthread_mutex_unlock(&sess_lock);
}

/* The session id names, if it is user's: 0 with its version, else
 * ERR_NOTFOUND. drop ends it. */
static int
sess_find(const char *id, const char *user, char *version, int drop)
{
	struct sess *s;
	int rc = ERR_NOTFOUND;

	if (id == NULL || strlen(id) != 32)
		return ERR_NOTFOUND;
	pthread_mutex_lock(&sess_lock);
	for (s = sessions; s < sessions + SESS_MAX; s++)
		if (strcmp(s->id, id) == 0 && strcmp(s->user, user) == 0) {
			if (version != NULL)
				snprintf(version, 16, "%s", s->version);
			s->used = now_s();
			if (drop)
				memset(s, 0, sizeof *s);
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&sess_lock);
	return rc;
}

/* A JSON-RPC error as an HTTP reply (a transport-level refusal). */
static int
rpc_refuse(struct req *r, int status, int code, const char *msg)
{
	return reply_json(r, status, json_pack("{s:s,s:n,s:{s:i,s:s}}",
	    "jsonrpc", "2.0", "id", "error", "code", code, "message", msg));
}

/* "bytes a-b/size" or "bytes * /size" in the kept headers: size, else -1. */
static long long
range_size(const char *hdrs)
{
	const char *p = strcasestr(hdrs, "Content-Range:"), *sl;
	char *end;
	long long v;

	if (p == NULL || (sl = strchr(p, '/')) == NULL)
		return -1;
	v = strtoll(sl + 1, &end, 10);
	return end != sl + 1 && v >= 0 ? v : -1;
}

/* The tools' executor: berth's route, run in this process. */
static int
exec_sub(void *arg, const struct mcp_http *rq, struct mcp_reply *rp)
{
	struct req *r = arg;
	struct req_sub s;
	int rc;

	memset(&s, 0, sizeof s);
	s.method = rq->method;
	s.target = rq->path;
	s.ctype_in = rq->ctype;
	s.body = rq->body;
	s.bodylen = rq->bodylen;
	s.range = rq->range;
	s.limit = rq->limit;
	if ((rc = req_subcall(r, &s)) != 0) {
		/* No such route: the API's own answer to it. */
		json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code",
		    err_str(rc), "message", err_msg());
		rp->status = err_http_status(rc);
		rp->body = json_dumps(e, JSON_COMPACT);
		rp->len = rp->body != NULL ? strlen(rp->body) : 0;
		json_decref(e);
		return rp->body != NULL ? 0 : rc;
	}
	rp->status = s.status;
	rp->body = s.out;
	rp->len = s.outlen;
	rp->cut = s.cut;
	snprintf(rp->ctype, sizeof rp->ctype, "%s", s.ctype);
	rp->size = range_size(s.headers);
	return 0;
}

/* The message body, up to MCP_MSG_MAX: 0 with *b, or replied. */
static int
read_message(struct req *r, struct buf **bp)
{
	const char *ct = req_header(r, "Content-Type");
	struct buf *b;
	char chunk[16384];
	ssize_t n;

	*bp = NULL;
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		rpc_refuse(r, 415, MCP_INVALID_REQUEST, "Content-Type must be "
		    "application/json (one JSON-RPC message)");
		return 1;
	}
	if (req_content_length(r) > MCP_MSG_MAX) {
		rpc_refuse(r, 413, MCP_INVALID_REQUEST, "message too large");
		return 1;
	}
	b = buf_new(MCP_MSG_MAX);
	while ((n = req_read(r, chunk, sizeof chunk)) > 0)
		if (buf_append(b, chunk, (size_t)n) != 0) {
			buf_free(b);
			rpc_refuse(r, 413, MCP_INVALID_REQUEST, "message too "
			    "large");
			return 1;
		}
	if (n < 0) {
		buf_free(b);
		return ERR_IO;
	}
	*bp = b;
	return 0;
}

/* Accept must allow a JSON answer (clients send "application/json,
 * text/event-stream"); none at all is taken as yes. */
static int
accept_ok(struct req *r)
{
	const char *a = req_header(r, "Accept");

	return a == NULL || strcasestr(a, "application/json") != NULL ||
	    strstr(a, "*/*") != NULL || strcasestr(a, "application/*") !=
	    NULL;
}

static int
h_post(struct req *r)
{
	const char *sid = req_header(r, "Mcp-Session-Id");
	const char *pv = req_header(r, "MCP-Protocol-Version");
	struct mcp m;
	struct buf *b = NULL;
	json_t *msg = NULL, *resp = NULL;
	char hdr[80], id[40];
	int rc;

	/* DNS rebinding (the spec's "MUST validate Origin"). */
	if (!req_origin_ok(r, 1))
		return rpc_refuse(r, 403, MCP_INVALID_REQUEST, "Origin not "
		    "allowed (cors_origins)");
	if (!accept_ok(r))
		return rpc_refuse(r, 406, MCP_INVALID_REQUEST, "Accept must "
		    "include application/json");
	if ((rc = read_message(r, &b)) != 0)
		return rc > 0 ? 0 : rc;
	if (mcp_parse(buf_data(b), buf_len(b), &msg, &resp) != 0) {
		buf_free(b);
		return reply_json(r, 400, resp);
	}
	buf_free(b);
	memset(&m, 0, sizeof m);
	m.exec = exec_sub;
	m.arg = r;
	m.transport = "http";
	if (mcp_is_initialize(msg)) {
		resp = mcp_handle(&m, msg);
		json_decref(msg);
		if (json_object_get(resp, "error") != NULL)
			return reply_json(r, 200, resp);
		sess_new(req_who(r)->user, m.version, id);
		snprintf(hdr, sizeof hdr, "Mcp-Session-Id: %s\r\n", id);
		return reply_json_headers(r, 200, resp, hdr);
	}
	if (sid == NULL) {
		json_decref(msg);
		return rpc_refuse(r, 400, MCP_INVALID_REQUEST, "Bad Request: "
		    "no Mcp-Session-Id header (send initialize first)");
	}
	if (sess_find(sid, req_who(r)->user, m.version, 0) != 0) {
		json_decref(msg);
		return rpc_refuse(r, 404, MCP_INVALID_REQUEST, "session not "
		    "found (it ended, or berthd restarted): initialize again");
	}
	if (pv != NULL && !mcp_version_ok(pv)) {
		json_decref(msg);
		return rpc_refuse(r, 400, MCP_INVALID_REQUEST, "Bad Request: "
		    "unsupported MCP-Protocol-Version");
	}
	m.initialized = 1;
	resp = mcp_handle(&m, msg);
	json_decref(msg);
	if (resp == NULL) {
		reply_start(r, 202, NULL, 0, NULL);
		return 0;
	}
	return reply_json(r, 200, resp);
}

static int
h_delete(struct req *r)
{
	/* DNS rebinding (the spec's "MUST validate Origin"). */
	if (!req_origin_ok(r, 1))
		return rpc_refuse(r, 403, MCP_INVALID_REQUEST, "Origin not "
		    "allowed (cors_origins)");
	if (sess_find(req_header(r, "Mcp-Session-Id"), req_who(r)->user, NULL,
	    1) != 0)
		return rpc_refuse(r, 404, MCP_INVALID_REQUEST, "session not "
		    "found");
	return reply_empty(r);
}

const struct route api_mcp_routes[] = {
	{ "POST", "/mcp", h_post, ROUTE_ANYKEY, "Model Context Protocol, "
	    "streamable HTTP (docs/mcp.md): one JSON-RPC message per POST, "
	    "answered as application/json (202 for a notification); "
	    "initialize returns Mcp-Session-Id, which later requests "
	    "carry" },
	{ "DELETE", "/mcp", h_delete, ROUTE_ANYKEY, "end the MCP session "
	    "named by Mcp-Session-Id" },
	{ NULL, NULL, NULL, 0, NULL }
};
