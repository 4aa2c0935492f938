/* api-terminal.c: the browser terminal's two routes (SPEC section 6):
 * POST /v1/workspaces/{id}/terminal makes a short-lived single-use token
 * bound to the caller and the workspace; GET .../terminal/ws checks the
 * WebSocket handshake and the Origin, answers 101 and hands the socket to
 * the terminal loop (term.h), so an open terminal holds no request
 * thread. Request threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "app.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "term-token.h"
#include "term-ws.h"
#include "term.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define TOKEN_TTL	60	/* s */

/* 1 when the comma-separated list holds word (case-insensitive). */
static int
list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (strncasecmp(p, word, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

static int
h_token(struct req *r)
{
	struct term_grant g;
	struct ws *w = NULL;
	const char *host;
	char tok[44], exp[40], *url;
	int64_t expires_at;
	json_t *o;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	if (strcmp(w->state, "running") != 0) {
		rc = err_set(ERR_CONFLICT, "workspace '%s' is %s; start it "
		    "first (berth start %s)", w->name, w->state, w->name);
		goto out;
	}
	memset(&g, 0, sizeof g);
	snprintf(g.user, sizeof g.user, "%s", req_who(r)->user);
	snprintf(g.ws_id, sizeof g.ws_id, "%s", w->id);
	snprintf(g.ws_name, sizeof g.ws_name, "%s", w->name);
	g.admin = req_who(r)->admin;
	term_token_new(&g, TOKEN_TTL, tok, &expires_at);
	rfc3339(expires_at, exp, sizeof exp);
	if ((host = req_header(r, "Host")) == NULL)
		host = req_app(r)->cfg.listen;
	url = xasprintf("ws://%s/v1/workspaces/%s/terminal/ws", host, w->id);
	o = json_pack("{s:s,s:s,s:s}", "url", url, "token", tok,
	    "expires_at", exp);
	free(url);
	log_info("terminal token for ws=%s user=%s", w->id, g.user);
	rc = reply_json(r, 201, o);
out:
	ws_free(w);
	return rc;
}

static int
h_ws(struct req *r)
{
	const char *up = req_header(r, "Upgrade");
	const char *conn = req_header(r, "Connection");
	const char *ver = req_header(r, "Sec-WebSocket-Version");
	const char *protos = req_header(r, "Sec-WebSocket-Protocol");
	const char *session = req_query(r, "session");
	const char *task = req_query(r, "task");
	const char *token = req_query(r, "token");
	const char *ref = req_param(r, "id");
	struct term_grant g;
	struct term_open o;
	char accept[29], hdr[200];
	void *pre = NULL;
	size_t prelen = 0;
	int fd = -1, have = 0, bad = 0, rc;

	if (up == NULL || strcasecmp(up, "websocket") != 0 || conn == NULL ||
	    !list_has(conn, "upgrade"))
		return err_set(ERR_INVAL, "this is a WebSocket endpoint "
		    "(send Upgrade: websocket)");
	if (ver == NULL || strcmp(ver, "13") != 0)
		return reply_error(r, ERR_INVAL, "Sec-WebSocket-Version must "
		    "be 13");
	if (term_ws_accept(req_header(r, "Sec-WebSocket-Key"), accept) != 0)
		return ERR_INVAL;
	if (!req_origin_ok(r, 0)) {
		log_info("terminal: origin %s refused", req_header(r,
		    "Origin"));
		return err_set(ERR_FORBIDDEN, "origin '%s' is not allowed "
		    "(cors_origins)", req_header(r, "Origin"));
	}
	if (session != NULL && *session == '\0')
		session = NULL;
	if (session != NULL && !term_session_name_ok(session))
		return err_set(ERR_INVAL, "session must be 1-64 of "
		    "[A-Za-z0-9._-]");
	if (token == NULL)	/* GPULab's route has it in the path */
		token = req_param(r, "token");
	if (task != NULL && (*task == '\0' || strlen(task) > 64 ||
	    !term_session_name_ok(task)))
		return err_set(ERR_INVAL, "task must be a task's id or name");
	if (task != NULL && session != NULL)
		return err_set(ERR_INVAL, "give session or task, not both");
	if (token != NULL && *token != '\0') {
		if (term_token_take(token, &g) == 0 &&
		    term_grant_matches(&g, ref))
			have = 1;
		else
			bad = 1;
	}
	snprintf(hdr, sizeof hdr, "Sec-WebSocket-Accept: %s\r\n%s", accept,
	    protos != NULL && list_has(protos, "tty") ?
	    "Sec-WebSocket-Protocol: tty\r\n" : "");
	if ((rc = req_upgrade(r, hdr, &fd, &pre, &prelen)) != 0)
		return 0;	/* the client is gone */
	memset(&o, 0, sizeof o);
	o.fd = fd;
	o.pre = pre;
	o.prelen = prelen;
	o.ws_ref = ref;
	o.session = session;
	o.task = task;
	o.grant = have ? &g : NULL;
	o.bad_token = bad;
	o.addr = req_remote_addr(r);
	term_open(&o);
	free(pre);
	return 0;
}

const struct route api_terminal_routes[] = {
	{ "POST", "/v1/workspaces/{id}/terminal", h_token, ROUTE_EXEC, "a "
	    "terminal token: {url, token, expires_at}; single use, valid 60 "
	    "s, for the caller and this workspace (409 when it is not "
	    "running)" },
	{ "GET", "/v1/workspaces/{id}/terminal/ws", h_ws,
	    ROUTE_NOAUTH | ROUTE_UPGRADE | ROUTE_EXEC, "the terminal over "
	    "WebSocket, ttyd's protocol (subprotocol tty): the first "
	    "message is {\"AuthToken\",\"columns\",\"rows\"}, or the token "
	    "comes as ?token=; ?session=NAME attaches to a session that "
	    "outlives the socket and replays its last 1 MiB; ?task=TID "
	    "attaches to a running task (docs/tasks.md), several viewers "
	    "at once. Closes 1000 with \"exit status N\" when the shell "
	    "exits, 1008 on a bad token" },
	{ NULL, NULL, NULL, 0, NULL }
};
