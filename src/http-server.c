/* http-server.c: the router over the route tables, auth, CORS, the one
 * error path, and the request/reply helpers of http.h, on top of the
 * connection layer (http-conn.c). Handlers run on its worker threads; a
 * struct req lives on the worker's stack for one request. */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "http-conn.h"
#include "http-parse.h"
#include "http-server.h"
#include "http.h"
#include "json-util.h"
#include "log.h"
#include "metrics.h"
#include "timeutil.h"
#include "xmalloc.h"

#include "http-int.h"

static struct app *the_app;
static const struct route *const *tables;
static const struct http_web_hooks *web;

static int	reply_json_hdr(struct req *, int, json_t *, const char *);
static atomic_int inflight;
static atomic_int draining;
static atomic_int started;

const char *
req_method(const struct req *r)
{
	return r->h->method;
}

const char *
req_path(const struct req *r)
{
	return r->path;
}

const char *
req_param(const struct req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->pnames[i], name) == 0)
			return r->pvals[i];
	return NULL;
}

const char *
req_query(struct req *r, const char *name)
{
	const char *qs = r->h->query;
	char *val;
	size_t n;

	for (int i = 0; i < r->nquery; i++)
		if (strcmp(r->qnames[i], name) == 0)
			return r->qvals[i];
	if (qs == NULL || r->nquery >= MAXQUERY)
		return NULL;
	n = strlen(qs) + 1;
	val = xmalloc(n);
	if (http_query_get(qs, name, val, n) < 0) {
		free(val);
		return NULL;
	}
	r->qnames[r->nquery] = xstrdup(name);
	r->qvals[r->nquery] = val;
	return r->qvals[r->nquery++];
}

const char *
req_header(const struct req *r, const char *name)
{
	return http_head_get(r->h, name);
}

const char *
req_remote_addr(const struct req *r)
{
	return hconn_addr(r->hc);
}

const struct principal *
req_who(const struct req *r)
{
	return &r->who;
}

int
req_by_session(const struct req *r)
{
	return r->by_session;
}

const char *
req_target(const struct req *r)
{
	return r->h->target;
}

const char *
req_query_string(const struct req *r)
{
	return r->h->query;
}

int
req_header_at(const struct req *r, int i, const char **name,
    const char **value)
{
	if (i < 0 || i >= r->h->nh)
		return -1;
	*name = r->h->h[i].name;
	*value = r->h->h[i].value;
	return 0;
}

struct app *
req_app(const struct req *r)
{
	return r->app;
}

struct db *
req_db(const struct req *r)
{
	return db_thread();
}

struct rt *
req_rt(const struct req *r)
{
	return r->app->rt;
}

int
req_fd(const struct req *r)
{
	return hconn_fd(r->hc);
}

void
req_continue(struct req *r)
{
	hconn_continue(r->hc);
}

int64_t
req_content_length(const struct req *r)
{
	return r->h->chunked ? -1 : r->h->content_length;
}

ssize_t
req_read(struct req *r, void *buf, size_t len)
{
	ssize_t n;

	if (r->inj != NULL) {
		n = (ssize_t)(len < r->injlen ? len : r->injlen);
		memcpy(buf, r->inj, (size_t)n);
		r->inj += n;
		r->injlen -= (size_t)n;
		return n;
	}
	n = hconn_read(r->hc, buf, len);

	if (n < 0 && *err_msg() == '\0')
		return err_set(ERR_IO, "error reading request body");
	return n < 0 ? ERR_IO : n;
}

int
req_json_body(struct req *r, json_t **out)
{
	return req_json_body_limit(r, LIMIT_HTTP_BODY, out);
}

/* 1 when the Content-Type is JSON (application/json, application/x+json),
 * or absent. */
static int
is_json_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 1;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* 415 for a body that is not JSON. */
static int
unsupported_type(struct req *r, const char *ct, int form)
{
	char msg[300];

	snprintf(msg, sizeof msg, "this route takes application/json, not "
	    "%.100s%s", ct, form ? " (a form; curl -d sends its data as "
	    "that type: send a JSON object)" : "");
	reply_json(r, 415, json_pack("{s:{s:s,s:s}}", "error", "code",
	    "unsupported_media_type", "message", msg));
	return err_set(ERR_INVAL, "%s", msg);
}

int
req_json_body_limit(struct req *r, size_t limit, json_t **out)
{
	const char *ct = req_header(r, "Content-Type");
	struct buf *b;
	char chunk[8192];
	json_error_t je;
	json_t *v;
	ssize_t n;
	int form;

	*out = NULL;
	if (req_content_length(r) > (int64_t)limit)
		return err_set(ERR_TOOBIG, "request body is larger than %zu "
		    "bytes", limit);
	/* curl -d labels whatever it sends a form: a JSON object sent that
	 * way is taken (as Docker's and GitHub's APIs take it), real form
	 * data is a 415; any other non-JSON type is a 415 at once. */
	form = ct != NULL && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0;
	if ((req_content_length(r) > 0 || r->h->chunked) && !form &&
	    !is_json_type(ct))
		return unsupported_type(r, ct, 0);
	b = buf_new(limit);
	while ((n = req_read(r, chunk, sizeof chunk)) > 0)
		if (buf_append(b, chunk, (size_t)n) != 0) {
			buf_free(b);
			return err_set(ERR_TOOBIG, "request body is larger than"
			    " %zu bytes", limit);
		}
	if (n < 0) {
		buf_free(b);
		return ERR_INVAL;
	}
	if (buf_len(b) == 0) {
		buf_free(b);
		*out = json_object();
		return 0;
	}
	if (!json_depth_ok(buf_data(b), buf_len(b), 32)) {
		buf_free(b);
		return err_set(ERR_INVAL, "JSON nests deeper than 32 levels");
	}
	v = json_loadb(buf_data(b), buf_len(b), JSON_REJECT_DUPLICATES, &je);
	buf_free(b);
	if (v == NULL && form)
		return unsupported_type(r, ct, 1);
	if (v == NULL)
		return err_set(ERR_INVAL, "invalid JSON at line %d column %d: "
		    "%s", je.line, je.column, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return err_set(ERR_INVAL, "request body must be a JSON object");
	}
	*out = v;
	return 0;
}

static const char *
reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Status";
}

static int
out_flush(struct req *r)
{
	int rc = 0;

	if (r->outlen > 0 && !r->failed &&
	    (rc = hconn_write(r->hc, r->out, r->outlen)) != 0)
		r->failed = 1;
	r->outlen = 0;
	return r->failed ? ERR_IO : rc;
}

static int
out_add(struct req *r, const void *p, size_t n)
{
	if (r->failed)
		return ERR_IO;
	if (r->outlen + n > sizeof r->out && out_flush(r) != 0)
		return ERR_IO;
	if (n > sizeof r->out)
		return hconn_write(r->hc, p, n) == 0 ? 0 : (r->failed = 1,
		    ERR_IO);
	memcpy(r->out + r->outlen, p, n);
	r->outlen += n;
	return 0;
}

static void
out_printf(struct req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
out_printf(struct req *r, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0)
		out_add(r, line, (size_t)n < sizeof line ? (size_t)n :
		    sizeof line - 1);
}

int
reply_start(struct req *r, int status, const char *content_type,
    int64_t length, const char *extra)
{
	r->replied = 1;
	r->status = status;
	if (r->cap != NULL) {
		r->cap_status = status;
		snprintf(r->cap_ctype, sizeof r->cap_ctype, "%s",
		    content_type != NULL ? content_type : "");
		snprintf(r->cap_hdrs, sizeof r->cap_hdrs, "%s", extra != NULL ?
		    extra : "");
		return 0;
	}
	r->length = length;
	out_printf(r, "HTTP/1.1 %d %s\r\n", status, reason(status));
	if (content_type != NULL)
		out_printf(r, "Content-Type: %s\r\n", content_type);
	if (status == 204 || status == 304)
		r->length = 0;
	else if (length >= 0)
		out_printf(r, "Content-Length: %lld\r\n", (long long)length);
	else {
		out_printf(r, "Transfer-Encoding: chunked\r\n");
		r->chunked = 1;
	}
	if (r->origin != NULL)
		out_printf(r, "Access-Control-Allow-Origin: %s\r\n"
		    "Vary: Origin\r\n", r->origin);
	else if (r->app->cfg.cors_origins != NULL &&
	    *r->app->cfg.cors_origins != '\0')
		out_printf(r, "Vary: Origin\r\n");
	out_printf(r, "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n");
	if (extra != NULL)
		out_add(r, extra, strlen(extra));
	if (!r->h->keep_alive || atomic_load(&draining)) {
		hconn_close_after(r->hc);
		out_printf(r, "Connection: close\r\n");
	}
	out_add(r, "\r\n", 2);
	/* A stream's head goes out now: its first bytes may be far off. */
	if (r->chunked)
		return out_flush(r);
	return r->failed ? ERR_IO : 0;
}

int
reply_write(struct req *r, const void *p, size_t n)
{
	char hex[24];
	int hn;

	if (n == 0)
		return r->failed ? ERR_IO : 0;
	if (r->status == 204 || r->status == 304)
		return 0;
	if (r->cap != NULL) {
		if (buf_append(r->cap, p, n) == 0)
			return 0;
		if (r->cap_keep) {
			/* req_subcall: the first bytes are kept. */
			size_t room = r->cap_limit > buf_len(r->cap) ?
			    r->cap_limit - buf_len(r->cap) : 0;
			buf_append(r->cap, p, room < n ? room : n);
			r->cap_cut = 1;
		} else
			r->cap_status = 413;
		return err_set(ERR_TOOBIG, "reply too large");
	}
	if (r->head_only) {
		/* Nothing goes out; a streaming handler stops here. */
		out_flush(r);
		return err_set(ERR_IO, "HEAD: no body");
	}
	if (!r->chunked) {
		if (r->sent + (int64_t)n > r->length)
			return err_set(ERR_INTERNAL, "reply longer than its "
			    "Content-Length");
		r->sent += (int64_t)n;
		return out_add(r, p, n);
	}
	hn = snprintf(hex, sizeof hex, "%zx\r\n", n);
	if (out_add(r, hex, (size_t)hn) != 0 || out_add(r, p, n) != 0 ||
	    out_add(r, "\r\n", 2) != 0)
		return ERR_IO;
	r->sent += (int64_t)n;
	/* Streams are read as they come (logs, exec output). */
	return out_flush(r);
}

int
reply_end(struct req *r)
{
	if (r->cap != NULL)
		return 0;
	if (r->chunked && !r->head_only) {
		r->chunked = 0;		/* ended */
		r->length = r->sent;
		if (out_add(r, "0\r\n\r\n", 5) != 0)
			return ERR_IO;
	}
	return out_flush(r);
}

static int
reply_json_hdr(struct req *r, int status, json_t *v, const char *extra)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n = s ? strlen(s) : 0;

	json_decref(v);
	if (s == NULL)
		return reply_error(r, ERR_INTERNAL, "could not encode reply");
	reply_start(r, status, "application/json", (int64_t)n + 1, extra);
	reply_write(r, s, n);
	reply_write(r, "\n", 1);
	free(s);
	return 0;
}

int
reply_json(struct req *r, int status, json_t *v)
{
	return reply_json_hdr(r, status, v, NULL);
}

int
reply_json_headers(struct req *r, int status, json_t *v, const char *extra)
{
	return reply_json_hdr(r, status, v, extra);
}

int
reply_error(struct req *r, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int status = err_http_status(code);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->replied) {
		/* Too late for a status: the stream just ends. */
		log_warn("error after reply started: %s", msg);
		return 0;
	}
	if (r->msgerr)
		return reply_json(r, status, json_pack("{s:{s:s,s:s},s:s}",
		    "error", "code", err_str(code), "message", msg, "message",
		    msg));
	return reply_json(r, status, json_pack("{s:{s:s,s:s}}", "error",
	    "code", err_str(code), "message", msg));
}

void
req_msg_errors(struct req *r)
{
	r->msgerr = 1;
}

int
req_upgrade(struct req *r, const char *extra, int *fd, void **rest,
    size_t *restlen)
{
	char head[512];
	int n;

	*fd = -1;
	*rest = NULL;
	*restlen = 0;
	n = snprintf(head, sizeof head, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n%s\r\n",
	    extra != NULL ? extra : "");
	r->replied = 1;
	r->status = 101;
	if (n < 0 || (size_t)n >= sizeof head ||
	    hconn_write(r->hc, head, (size_t)n) != 0) {
		r->failed = 1;
		hconn_close_after(r->hc);
		return ERR_IO;
	}
	*fd = hconn_detach(r->hc, rest, restlen);
	return 0;
}

int
req_detach(struct req *r, int *fd, void **rest, size_t *restlen)
{
	r->replied = 1;
	r->status = 200;
	*fd = hconn_detach(r->hc, rest, restlen);
	return 0;
}

int
reply_empty(struct req *r)
{
	reply_start(r, 204, NULL, 0, NULL);
	return 0;
}

/* Matches path against pattern; fills params. 1 on match. */
static int
route_match(struct req *r, const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;

	r->nparams = 0;
	while (*p != '\0' && *s != '\0') {
		if (p[0] == '*' && p[1] == '\0')
			return 1;	/* any rest */
		if (*p == '{') {
			const char *pe = strchr(p, '}'), *se = s;
			if (pe == NULL || r->nparams >= MAXPARAMS)
				return 0;
			while (*se != '\0' && *se != '/')
				se++;
			if (se == s)
				return 0;
			/* Each parameter is decoded on its own, after
			 * matching, so "%2f" can't make new segments; a NUL
			 * can't hide in one either. */
			{
				size_t n = (size_t)(se - s);
				char *dec = xmalloc(n + 1);
				int dl = http_url_decode(s, n, dec, n + 1, 0);
				if (dl < 0) {
					free(dec);
					r->bad_path = 1;
					return 0;
				}
				r->pnames[r->nparams] = xstrndup(p + 1,
				    (size_t)(pe - p - 1));
				r->pvals[r->nparams] = dec;
			}
			r->nparams++;
			p = pe + 1;
			s = se;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return (*p == '\0' || (p[0] == '*' && p[1] == '\0')) && *s == '\0';
}

static void
req_clear_params(struct req *r)
{
	for (int i = 0; i < r->nparams; i++) {
		free(r->pnames[i]);
		free(r->pvals[i]);
	}
	r->nparams = 0;
}

static const char *
cors_origin(struct req *r)
{
	const char *origin = req_header(r, "Origin");
	const char *list = r->app->cfg.cors_origins, *p;
	size_t n;

	if (origin == NULL || list == NULL || *list == '\0')
		return NULL;
	n = strlen(origin);
	for (p = list; *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if ((len == 1 && *p == '*') || (len == n &&
		    strncmp(p, origin, n) == 0))
			return origin;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return NULL;
}

static const char *
presented_key(struct req *r)
{
	const char *h = req_header(r, "Authorization");

	if (h != NULL) {
		if (strncasecmp(h, "Bearer ", 7) == 0)
			return h + 7;
		return NULL;
	}
	return req_header(r, "api-key");
}

/* The methods served on path, "GET, HEAD, POST" style, in allow. */
static void
allowed_methods(struct req *r, const char *path, char *allow, size_t sz)
{
	size_t n = 0;

	allow[0] = '\0';
	for (int t = 0; tables[t] != NULL; t++)
		for (const struct route *rt = tables[t];
		    rt->method != NULL; rt++) {
			int m = route_match(r, rt->pattern, path);
			req_clear_params(r);
			if (!m || strstr(allow, rt->method) != NULL)
				continue;
			n += (size_t)snprintf(allow + n, n < sz ? sz - n : 0,
			    "%s%s%s", n ? ", " : "", rt->method,
			    strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
		}
	if (n >= sz)
		allow[sz - 1] = '\0';
}

static int
is_websocket(struct req *r)
{
	const char *u = req_header(r, "Upgrade");

	return u != NULL && strcasecmp(u, "websocket") == 0;
}

static void
route(struct req *r)
{
	const struct route *found = NULL;
	const char *method = r->h->method;
	int method_mismatch = 0, ret;
	char rawpath[2048], allow[200];

	if (atomic_load(&draining)) {
		reply_error(r, ERR_BACKEND, "berthd is shutting down");
		return;
	}
	if (snprintf(rawpath, sizeof rawpath, "%s", r->h->target) >=
	    (int)sizeof rawpath) {
		reply_error(r, ERR_INVAL, "request path is too long");
		return;
	}
	if (http_url_decode(rawpath, strlen(rawpath), r->path, sizeof r->path,
	    0) < 0)
		snprintf(r->path, sizeof r->path, "%s", rawpath);
	r->origin = cors_origin(r);
	if (strcmp(method, "HEAD") == 0) {
		r->head_only = 1;
		method = "GET";
	}
	/* Routes match the path as sent, and each parameter is decoded
	 * after matching. */
	for (int t = 0; tables[t] != NULL && found == NULL; t++)
		for (const struct route *rt = tables[t];
		    rt->method != NULL; rt++) {
			if (!route_match(r, rt->pattern, rawpath)) {
				req_clear_params(r);
				continue;
			}
			if (strcmp(rt->method, method) == 0 ||
			    strcmp(rt->method, "*") == 0) {
				found = rt;
				break;
			}
			method_mismatch = 1;
			req_clear_params(r);
		}
	if (found == NULL && strcmp(method, "OPTIONS") == 0 &&
	    (method_mismatch || strcmp(rawpath, "*") == 0)) {
		char hdr[700];
		/* CORS preflight: 204 always (clients such as Sandman's
		 * want it), the CORS headers only for an allowed origin. */
		allowed_methods(r, rawpath, allow, sizeof allow);
		snprintf(hdr, sizeof hdr, "Allow: %s, OPTIONS\r\n%s%s%s", allow,
		    r->origin ? "Access-Control-Allow-Methods: " : "",
		    r->origin ? allow : "", r->origin ? ", OPTIONS\r\n"
		    "Access-Control-Allow-Headers: Authorization, "
		    "Content-Type, api-key, Range, If-Range\r\n"
		    "Access-Control-Max-Age: 86400\r\n" : "");
		reply_start(r, 204, NULL, 0, hdr);
		return;
	}
	/* The dashboard's files: GET outside the API's paths. */
	if (found == NULL && !method_mismatch && strcmp(method, "GET") == 0 &&
	    web != NULL && web->static_file(r) == 0)
		return;
	if (found == NULL && r->bad_path) {
		reply_error(r, ERR_INVAL, "the request path has a bad escape "
		    "or a NUL byte");
		return;
	}
	if (found == NULL) {
		char msg[2300], hdr[260];
		if (method_mismatch) {
			allowed_methods(r, rawpath, allow, sizeof allow);
			snprintf(hdr, sizeof hdr, "Allow: %s\r\n", allow);
			snprintf(msg, sizeof msg, "method %s is not allowed on "
			    "%s (allowed: %s)", r->h->method, r->path, allow);
			reply_json_hdr(r, 405, json_pack("{s:{s:s,s:s}}",
			    "error", "code", "method_not_allowed", "message",
			    msg), hdr);
		} else
			reply_error(r, ERR_NOTFOUND, "no route %s %s",
			    r->h->method, r->path);
		return;
	}
	r->route = found;
	r->msgerr = (found->flags & ROUTE_MSGERR) != 0;
	if (r->h->upgrade && is_websocket(r) &&
	    !(found->flags & ROUTE_UPGRADE)) {
		reply_error(r, ERR_INVAL, "%s %s does not accept a WebSocket "
		    "upgrade", found->method, found->pattern);
		return;
	}
	if (!(found->flags & ROUTE_NOAUTH)) {
		struct db *db = db_thread();
		if (db == NULL) {
			reply_error(r, ERR_BACKEND, "store unavailable");
			return;
		}
		const char *key = presented_key(r);
		if (key == NULL && req_header(r, "Authorization") == NULL &&
		    web != NULL && (ret = web->session_auth(r, &r->who)) !=
		    ERR_NOTFOUND) {
			/* A dashboard session: the cookie, and for a call
			 * that changes something its CSRF header. */
			if (ret != 0) {
				reply_error(r, ERR_UNAUTH, "%s", err_msg());
				return;
			}
			r->by_session = 1;
			if (!(found->flags & ROUTE_NOCSRF) &&
			    strcmp(method, "GET") != 0 &&
			    web->session_csrf_ok(r) != 0) {
				reply_error(r, ERR_FORBIDDEN, "%s", err_msg());
				return;
			}
		} else if ((ret = auth_check(db, key, &r->who)) != 0) {
			/* A store that can't answer is not a bad key. */
			if (ret != ERR_UNAUTH)
				reply_error(r, ret == ERR_INTERNAL ?
				    ERR_BACKEND : ret, "store unavailable: %s",
				    err_msg());
			else if (strncmp(err_msg(), "this API key expired",
			    20) == 0)
				reply_error(r, ERR_UNAUTH, "%s", err_msg());
			else
				reply_error(r, ERR_UNAUTH, "missing or invalid "
				    "API key (send Authorization: Bearer KEY)");
			return;
		}
		if ((found->flags & ROUTE_ADMIN) && !r->who.admin) {
			reply_error(r, ERR_FORBIDDEN, "this needs an admin "
			    "key");
			return;
		}
		if ((ret = http_scope_check(&r->who, found)) != 0) {
			reply_error(r, ret, "%s", err_msg());
			return;
		}
	}
	ret = found->fn(r);
	if (ret < 0 && !r->replied) {
		const char *m = err_msg();
		reply_error(r, ret, "%s", *m ? m : err_str(ret));
	}
	if (r->replied && r->chunked && ret == 0)
		reply_end(r);
}

static void
dispatch(struct hconn *hc, void *arg)
{
	struct req *r = xcalloc(1, sizeof *r);
	struct timespec ts0, ts1;

	clock_gettime(CLOCK_MONOTONIC, &ts0);
	atomic_fetch_add(&inflight, 1);
	r->hc = hc;
	r->h = hconn_head(hc);
	r->app = arg;
	r->length = -1;
	err_clear();
	route(r);
	if (!r->replied)
		reply_error(r, ERR_INTERNAL, "no reply");
	out_flush(r);
	/* A cut reply can't be followed by another on this connection. */
	if (r->failed || r->chunked || (!r->head_only && r->length >= 0 &&
	    r->sent != r->length))
		hconn_close_after(hc);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	metrics_http(r->h->method, r->route ? r->route->pattern :
	    "unmatched", r->status, (double)(ts1.tv_sec - ts0.tv_sec) +
	    (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9);
	log_debug("%s %s -> %d", r->h->method, r->path, r->status);
	req_clear_params(r);
	for (int i = 0; i < r->nquery; i++) {
		free(r->qnames[i]);
		free(r->qvals[i]);
	}
	free(r);
	atomic_fetch_sub(&inflight, 1);
}

void
http_set_web(const struct http_web_hooks *h)
{
	web = h;
}

const struct route *const *
http_routes(void)
{
	return tables;
}

int
http_start(struct app *app, const struct route *const *routes)
{
	struct hconn_limits l;

	memset(&l, 0, sizeof l);
	l.max_conns = app->cfg.http_max_conns;
	l.max_per_addr = app->cfg.http_conns_per_addr;
	l.header_timeout = app->cfg.http_header_timeout;
	l.idle_timeout = 30;
	l.body_timeout = 30;
	l.send_timeout = 60;
	l.min_workers = app->cfg.http_threads;
	l.max_workers = app->cfg.http_max_workers;
	if (l.max_workers < l.min_workers)
		l.max_workers = l.min_workers;
	if (http_routes_check(routes) != 0)
		return ERR_INTERNAL;
	the_app = app;
	tables = routes;
	if (hconn_start(app->cfg.listen, &l, dispatch, app) != 0)
		return ERR_IO;
	atomic_store(&started, 1);
	return 0;
}

void
http_stop(void)
{
	if (!atomic_load(&started))
		return;
	/* New requests get 503; the ones in flight finish (bounded). */
	atomic_store(&draining, 1);
	for (int i = 0; i < 600 && atomic_load(&inflight) > 0; i++)
		usleep(50 * 1000);
	if (atomic_load(&inflight) > 0)
		log_warn("%d requests still running after 30 s; stopping "
		    "anyway", atomic_load(&inflight));
	hconn_stop();
	atomic_store(&started, 0);
}

int
http_connections(void)
{
	return hconn_count();
}

int
http_match(struct req *r, const char *pattern, const char *path)
{
	return route_match(r, pattern, path);
}

void
http_params_clear(struct req *r)
{
	req_clear_params(r);
}
