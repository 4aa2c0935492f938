/* proxy.c: the port proxy (SPEC section 6): /w/{id}/ports/{port}/...
 * reaches an HTTP server listening on that port inside a running
 * workspace, WebSocket upgrades included, for the workspace's owner (with
 * the dashboard's session or an API key) and admins (API key only: a page
 * served from a workspace runs on berthd's origin, so it must never run
 * with an admin's browser session). berthd connects to the container's
 * address on the workspace network; nothing is published on the host.
 * The request thread checks access, sends the request to the server
 * (on a connection kept from an earlier request when there is one) and
 * the response back (proxy-relay.c); the client's connection then
 * carries its next request (HTTP/1.1 keep-alive). Request threads. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "activity.h"
#include "agent-link.h"
#include "api.h"
#include "app.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "proxy.h"
#include "rt.h"
#include "ws.h"
#include "xmalloc.h"

#define RELAY_MAX	1024		/* WebSocket relays at once, then 503 */
#define UP_HEAD_MAX	(64 * 1024)	/* the request head to the server */
#define CONNECT_MS	3000		/* through an agent: and 1 s more */

/* Each request is activity (memory only: activity.h writes the store
 * at most every few seconds however many requests a page makes). */
static void
touch(const char *id)
{
	ws_activity(id, "port-proxy");
}

static void
html_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '&': buf_append(b, "&amp;", 5); break;
		case '"': buf_append(b, "&quot;", 6); break;
		default: buf_putc(b, *s);
		}
	}
}

/* An error page for a person in a browser (curl shows it as text). */
static int
page(struct req *r, int status, const char *title, const char *msg)
{
	struct buf *b = buf_new(16384);
	int rc;

	buf_appendf(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
	    "device-width\"><title>%d ", status);
	html_escape(b, title);
	buf_appendf(b, "</title><style>body{font:16px system-ui,sans-serif;"
	    "max-width:40em;margin:10vh auto;padding:0 1em;color:#222;"
	    "background:#fafafa}@media(prefers-color-scheme:dark){body{"
	    "color:#ddd;background:#16181c}}code{font-size:90%%}"
	    "</style></head>\n<body><h1>%d ", status);
	html_escape(b, title);
	buf_append(b, "</h1>\n<p>", 9);
	html_escape(b, msg);
	buf_append(b, "</p>\n<p><a href=\"/\">berth dashboard</a></p>"
	    "</body></html>\n", 57);
	rc = reply_start(r, status, "text/html; charset=utf-8",
	    (int64_t)buf_len(b), NULL);
	if (rc == 0)
		reply_write(r, buf_data(b), buf_len(b));
	buf_free(b);
	return 0;
}

/* 1 when header name is one the proxy sets or drops itself. */
static int
skipped(const char *name, int upgrade)
{
	static const char *const drop[] = { "Host", "Connection",
	    "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE",
	    "Trailer", "api-key", "X-Forwarded-For", "X-Forwarded-Proto",
	    "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Forwarded-Port",
	    "X-CSRF-Token", "Cookie", "Authorization", "Content-Length",
	    "Transfer-Encoding", "Expect", NULL };

	if (strcasecmp(name, "Upgrade") == 0)
		return !upgrade;
	for (int i = 0; drop[i] != NULL; i++)
		if (strcasecmp(name, drop[i]) == 0)
			return 1;
	return 0;
}

/* The Cookie header without berthd's own session cookie. */
static void
add_cookies(struct buf *b, const char *v)
{
	const char *p = v, *e;
	size_t n;
	int any = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		e = strchr(p, ';');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > 0 && !(strncmp(p, "berth_session=", 14) == 0)) {
			buf_appendf(b, "%s%.*s", any ? "; " : "Cookie: ",
			    (int)n, p);
			any = 1;
		}
		p += n;
	}
	if (any)
		buf_append(b, "\r\n", 2);
}

/* The request head for the server inside: path below the prefix, the
 * client's headers less hop-by-hop ones and berthd's credentials, and
 * the X-Forwarded-* a server behind a path prefix needs. */
static int
upstream_head(struct req *r, const char *rest, const char *prefix,
    int upgrade, int chunked, struct buf *b)
{
	int64_t cl = req_content_length(r);
	const char *host = req_header(r, "Host"), *name, *val, *q;
	const char *xff = req_header(r, "X-Forwarded-For");
	const char *proto = req_header(r, "X-Forwarded-Proto");
	const char *auth = req_header(r, "Authorization");
	int rc = 0;

	q = req_query_string(r);
	rc |= buf_appendf(b, "%s %s%s%s HTTP/1.1\r\n", req_method(r), rest,
	    q != NULL ? "?" : "", q != NULL ? q : "");
	if (host != NULL)
		rc |= buf_appendf(b, "Host: %s\r\n", host);
	for (int i = 0; req_header_at(r, i, &name, &val) == 0; i++) {
		if (strcasecmp(name, "Cookie") == 0)
			add_cookies(b, val);
		if (skipped(name, upgrade))
			continue;
		rc |= buf_appendf(b, "%s: %s\r\n", name, val);
	}
	/* An Authorization that is not berthd's key is the app's. */
	if (auth != NULL && strncasecmp(auth, "Bearer berth_", 13) != 0)
		rc |= buf_appendf(b, "Authorization: %s\r\n", auth);
	rc |= buf_appendf(b, "X-Forwarded-For: %s%s%s\r\n",
	    xff != NULL ? xff : "", xff != NULL ? ", " : "",
	    req_remote_addr(r));
	rc |= buf_appendf(b, "X-Forwarded-Proto: %s\r\n",
	    proto != NULL && strcasecmp(proto, "https") == 0 ? "https" :
	    "http");
	if (host != NULL)
		rc |= buf_appendf(b, "X-Forwarded-Host: %s\r\n", host);
	rc |= buf_appendf(b, "X-Forwarded-Prefix: %s\r\n", prefix);
	/* The body as berthd sends it on (it answered any Expect itself). */
	if (chunked)
		rc |= buf_appendf(b, "Transfer-Encoding: chunked\r\n");
	else if (cl >= 0)
		rc |= buf_appendf(b, "Content-Length: %lld\r\n",
		    (long long)cl);
	/* Kept open for the next request unless this is an upgrade. */
	rc |= buf_appendf(b, "%s\r\n", upgrade ? "Connection: Upgrade\r\n" :
	    "");
	return rc != 0 ? err_set(ERR_TOOBIG, "request head too large") : 0;
}

/* The request body from the client to the server (chunked again when
 * it came chunked): 0, -1 when the client's side failed, -2 the
 * server's. */
static int
send_body(struct req *r, int ufd, int chunked)
{
	char *p = xmalloc(65536), hex[24];
	ssize_t n;
	int rc = 0, hn;

	while ((n = req_read(r, p, 65536)) > 0) {
		if (chunked) {
			hn = snprintf(hex, sizeof hex, "%zx\r\n", (size_t)n);
			if (proxy_write_all(ufd, hex, (size_t)hn) != 0) {
				rc = -2;
				break;
			}
		}
		if (proxy_write_all(ufd, p, (size_t)n) != 0 || (chunked &&
		    proxy_write_all(ufd, "\r\n", 2) != 0)) {
			rc = -2;
			break;
		}
	}
	if (n < 0)
		rc = -1;
	else if (rc == 0 && chunked &&
	    proxy_write_all(ufd, "0\r\n\r\n", 5) != 0)
		rc = -2;
	free(p);
	return rc;
}

/* "/w/ID/ports/PORT" of the target as sent, and where the rest begins. */
static size_t
prefix_len(const char *target)
{
	int slashes = 0;
	size_t i;

	for (i = 0; target[i] != '\0'; i++)
		if (target[i] == '/' && ++slashes == 5)
			return i;
	return i;
}

/* Where the third segment ("ports" or "absolute") begins. */
static size_t
prefix_len_seg(const char *target)
{
	int slashes = 0;
	size_t i;

	for (i = 0; target[i] != '\0'; i++)
		if (target[i] == '/' && ++slashes == 3)
			return i;
	return i;
}

/* Where the request goes: the workspace's container and port. */
struct target {
	struct ws	*w;
	long		 port;
	char		 ip[48];
	int		 cached;	/* ip came from the cache */
	struct rt_where	 wh;	/* on a cluster: wh.via, the node's agent */
};

/* On a cluster: a connection through the agent of the workspace's node
 * (never kept: each is a link of its own). The fd, or -1 with errno. */
static int
dial_agent(struct target *t)
{
	int rc, fd = -1;

	if ((rc = agent_dial_port(t->wh.via, t->wh.id, (int)t->port,
	    CONNECT_MS + 1000, &fd)) != 0) {
		errno = rc == ERR_NOTFOUND ? ECONNREFUSED : rc == ERR_TIMEOUT ?
		    ETIMEDOUT : EHOSTUNREACH;
		return -1;
	}
	/* The relay polls before it reads or writes, and splices. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* A connection to the server: a kept one when reuse, else a new one
 * (looking the address up again when a cached one fails). The fd, or
 * -1 after a 502 page. *reused: it was kept. */
static int
open_upstream(struct req *r, struct target *t, int reuse, int *reused)
{
	char msg[400];
	int ufd, e;

	*reused = 0;
	if (t->wh.via[0] != '\0') {
		if ((ufd = dial_agent(t)) >= 0)
			return ufd;
		goto fail;
	}
	if (reuse && (ufd = proxy_pool_get(t->w->container_id, t->ip,
	    (int)t->port)) >= 0) {
		*reused = 1;
		return ufd;
	}
	/* A cached address may be stale (the container was restarted). */
	if ((ufd = proxy_connect(t->ip, (int)t->port)) < 0 && t->cached &&
	    proxy_addr(req_rt(r), t->w->container_id, 1, t->ip,
	    sizeof t->ip) == 0) {
		t->cached = 0;
		ufd = proxy_connect(t->ip, (int)t->port);
	}
	if (ufd >= 0)
		return ufd;
fail:
	e = errno;
	snprintf(msg, sizeof msg, "nothing answers on port %ld in "
	    "workspace '%s' (%s). A server there must listen on "
	    "0.0.0.0:%ld (not only 127.0.0.1), e.g. python3 -m "
	    "http.server %ld", t->port, t->w->name, e == ECONNREFUSED ?
	    "connection refused" : e == ETIMEDOUT ? "no answer in 3 s" :
	    strerror(e), t->port, t->port);
	log_info("proxy ws=%s port=%ld: %s", t->w->id, t->port, strerror(e));
	page(r, 502, "Nothing listening", msg);
	return -1;
}

/* Sends the request (head, then body) on a connection and relays the
 * response: a proxy_response value, or -1 after a reply of its own.
 * A request without a body goes on a kept connection when there is
 * one, and again on a new one when that was closed under it. */
static int
forward(struct req *r, struct target *t, const struct buf *head,
    const char *prefix, int upgrade, int has_body, int chunked)
{
	int ufd = -1, reused, rc = -1, sb = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((ufd = open_upstream(r, t, !has_body && !upgrade &&
		    attempt == 0, &reused)) < 0)
			return -1;
		if (proxy_write_all(ufd, buf_data(head), buf_len(head)) != 0) {
			close(ufd);
			ufd = -1;
			if (reused)
				continue;
			page(r, 502, "Bad Gateway", "the server in the "
			    "workspace closed the connection");
			return -1;
		}
		if (has_body && (sb = send_body(r, ufd, chunked)) == -1) {
			/* The client's body ended early: nothing to send
			 * it, and its connection can't go on. */
			req_raw_reply(r, 400, 0);
			close(ufd);
			return -1;
		}
		/* A server that stopped reading the body may have answered
		 * (413): its answer is read either way, and the connection
		 * (the body cut short) is not kept. */
		rc = proxy_response(r, ufd, prefix, t->w->id, upgrade);
		if (rc == PROXY_DONE && sb == -2)
			rc = PROXY_DONE_CLOSE;
		if (rc == PROXY_NOTHING && reused) {
			close(ufd);
			ufd = -1;
			continue;
		}
		break;
	}
	switch (rc) {
	case PROXY_DONE:
		if (t->wh.via[0] == '\0')
			proxy_pool_put(ufd, t->w->container_id, t->ip,
			    (int)t->port);
		else
			close(ufd);
		break;
	case PROXY_UPGRADED:
		break;
	case PROXY_NOTHING:
	case PROXY_BAD_HEAD:
		close(ufd);
		page(r, 502, "Bad Gateway", rc == PROXY_NOTHING ? "the server "
		    "in the workspace closed the connection without an answer"
		    : "the server in the workspace sent no valid HTTP "
		    "response head");
		break;
	default:
		if (ufd >= 0)
			close(ufd);
	}
	return rc;
}

static int
h_proxy(struct req *r)
{
	const char *target = req_target(r), *portarg = req_param(r, "port");
	const char *up = req_header(r, "Upgrade"), *rest;
	const struct principal *who = req_who(r);
	struct target t;
	struct buf *head = NULL;
	size_t plen = prefix_len(target);
	char *end, msg[400], *prefix = NULL;
	int rc = 0, upgrade, chunked, has_body;

	memset(&t, 0, sizeof t);
	t.port = portarg != NULL ? strtol(portarg, &end, 10) : 0;
	if (portarg == NULL || *end != '\0' || t.port < 1 || t.port > 65535)
		return page(r, 400, "Bad port", "the port must be a number "
		    "from 1 to 65535");
	if ((rc = api_workspace(r, &t.w)) != 0) {
		rc = page(r, err_http_status(rc), "No such workspace",
		    err_msg());
		goto out;
	}
	if (req_by_session(r) && strcmp(t.w->owner, who->user) != 0) {
		rc = page(r, 403, "Not yours", "the port proxy serves a "
		    "workspace's pages in the browser only to its owner (a "
		    "page runs with the viewer's dashboard session); an admin "
		    "can send an API key in the Authorization header instead");
		goto out;
	}
	if (strcmp(t.w->state, "running") != 0) {
		snprintf(msg, sizeof msg, "workspace '%s' is %s; start it "
		    "first", t.w->name, t.w->state);
		rc = page(r, 409, "Workspace not running", msg);
		goto out;
	}
	if (target[plen] == '\0') {
		/* ".../ports/8888" → ".../ports/8888/": relative links in
		 * the app resolve under the prefix. */
		const char *q = req_query_string(r);
		char *loc = xasprintf("Location: %s/%s%s\r\n", target,
		    q != NULL ? "?" : "", q != NULL ? q : "");
		reply_start(r, 308, NULL, 0, loc);
		free(loc);
		goto out;
	}
	/* On a cluster: through the agent of the workspace's node. */
	if (rt_locate(req_rt(r), t.w->container_id, &t.wh) != 0)
		t.wh.via[0] = '\0';
	if (t.wh.via[0] == '\0' && (t.cached = proxy_addr(req_rt(r),
	    t.w->container_id, 0, t.ip, sizeof t.ip)) < 0) {
		snprintf(msg, sizeof msg, "workspace '%s' has no address on "
		    "the workspace network", t.w->name);
		rc = page(r, 502, "Bad Gateway", msg);
		goto out;
	}
	upgrade = up != NULL && req_header(r, "Connection") != NULL &&
	    strcasestr(req_header(r, "Connection"), "upgrade") != NULL;
	if (upgrade && proxy_relays() >= RELAY_MAX) {
		rc = page(r, 503, "Busy", "too many proxied connections");
		goto out;
	}
	chunked = req_header(r, "Transfer-Encoding") != NULL;
	has_body = chunked || req_content_length(r) > 0;
	/* .../ports/N/x reaches the server as /x; .../absolute/N/x as sent,
	 * for apps told their base path (Jupyter's base_url). */
	rest = strncmp(target + prefix_len_seg(target), "/absolute/", 10) == 0 ?
	    target : target + plen;
	prefix = xstrndup(target, plen);
	head = buf_new(UP_HEAD_MAX + 70 * 1024);
	if (upstream_head(r, rest, prefix, upgrade, chunked, head) != 0) {
		rc = page(r, 431, "Request too large", "the request head is "
		    "too large to forward");
		goto out;
	}
	touch(t.w->id);
	log_debug("proxy ws=%s port=%ld %s", t.w->id, t.port, req_method(r));
	forward(r, &t, head, prefix, upgrade, has_body, chunked);
	rc = 0;
out:
	free(prefix);
	buf_free(head);
	ws_free(t.w);
	return rc;
}

const struct route proxy_routes[] = {
	{ "*", "/w/{id}/ports/{port}", h_proxy, ROUTE_NOTAPI | ROUTE_UPGRADE |
	    ROUTE_NOCSRF | ROUTE_EXEC, "the port proxy (redirects to .../)" },
	{ "*", "/w/{id}/ports/{port}/*", h_proxy, ROUTE_NOTAPI |
	    ROUTE_UPGRADE | ROUTE_NOCSRF | ROUTE_EXEC, "the port proxy: an "
	    "HTTP server inside the workspace, WebSocket upgrades included" },
	{ "*", "/w/{id}/absolute/{port}", h_proxy, ROUTE_NOTAPI |
	    ROUTE_UPGRADE | ROUTE_NOCSRF | ROUTE_EXEC, "the port proxy, "
	    "full path (redirects to .../)" },
	{ "*", "/w/{id}/absolute/{port}/*", h_proxy, ROUTE_NOTAPI |
	    ROUTE_UPGRADE | ROUTE_NOCSRF | ROUTE_EXEC, "the port proxy with "
	    "the full path passed on, for apps told their base path "
	    "(Jupyter's base_url, TensorBoard's path_prefix)" },
	{ NULL, NULL, NULL, 0, NULL }
};
