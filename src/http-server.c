/* http-server.c: civetweb setup, the router over the route tables, auth,
 * CORS, and the request/reply helpers of http.h. Handlers run on civetweb
 * worker threads; a struct req lives on the worker's stack. */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "app.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "http-server.h"
#include "http.h"
#include "json-util.h"
#include "log.h"
#include "metrics.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MAXPARAMS	4
#define MAXQUERY	16

struct req {
	struct mg_connection		*conn;
	const struct mg_request_info	*ri;
	struct app			*app;
	const struct route		*route;
	struct principal		 who;
	char				 path[2048];
	char				*pnames[MAXPARAMS];
	char				*pvals[MAXPARAMS];
	int				 nparams;
	char				*qnames[MAXQUERY];
	char				*qvals[MAXQUERY];
	int				 nquery;
	int				 replied;
	int				 bad_path;
	int				 chunked;
	int				 status;
	const char			*origin;	/* allowed CORS origin */
};

static struct mg_context *ctx;
static struct app *the_app;
static atomic_int inflight;
static atomic_int draining;

const char *
req_method(const struct req *r)
{
	return r->ri->request_method;
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
	const char *qs = r->ri->query_string;
	char *val;
	int n;

	for (int i = 0; i < r->nquery; i++)
		if (strcmp(r->qnames[i], name) == 0)
			return r->qvals[i];
	if (qs == NULL || r->nquery >= MAXQUERY)
		return NULL;
	val = xmalloc(strlen(qs) + 1);
	n = mg_get_var(qs, strlen(qs), name, val, strlen(qs) + 1);
	if (n < 0) {
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
	return mg_get_header(r->conn, name);
}

const char *
req_remote_addr(const struct req *r)
{
	return r->ri->remote_addr;
}

const struct principal *
req_who(const struct req *r)
{
	return &r->who;
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

struct mg_connection *
req_conn(const struct req *r)
{
	return r->conn;
}

int64_t
req_content_length(const struct req *r)
{
	return r->ri->content_length;
}

ssize_t
req_read(struct req *r, void *buf, size_t len)
{
	int n = mg_read(r->conn, buf, len);

	if (n < 0)
		return err_set(ERR_IO, "error reading request body");
	return n;
}

int
req_json_body(struct req *r, json_t **out)
{
	return req_json_body_limit(r, LIMIT_HTTP_BODY, out);
}

int
req_json_body_limit(struct req *r, size_t limit, json_t **out)
{
	struct buf *b = buf_new(limit);
	char chunk[8192];
	json_error_t je;
	json_t *v;
	ssize_t n;

	*out = NULL;
	if (r->ri->content_length > (int64_t)limit) {
		buf_free(b);
		return err_set(ERR_TOOBIG, "request body is larger than %zu "
		    "bytes", limit);
	}
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

static void
add_common_headers(struct req *r)
{
	if (r->origin != NULL) {
		mg_response_header_add(r->conn, "Access-Control-Allow-Origin",
		    r->origin, -1);
		mg_response_header_add(r->conn, "Vary", "Origin", -1);
	}
	mg_response_header_add(r->conn, "X-Content-Type-Options", "nosniff",
	    -1);
	mg_response_header_add(r->conn, "Cache-Control", "no-store", -1);
}

int
reply_start(struct req *r, int status, const char *content_type,
    int64_t length, const char *extra)
{
	char len[32];

	r->replied = 1;
	r->status = status;
	mg_response_header_start(r->conn, status);
	if (content_type != NULL)
		mg_response_header_add(r->conn, "Content-Type", content_type,
		    -1);
	if (length >= 0) {
		snprintf(len, sizeof len, "%lld", (long long)length);
		mg_response_header_add(r->conn, "Content-Length", len, -1);
	} else {
		mg_response_header_add(r->conn, "Transfer-Encoding", "chunked",
		    -1);
		r->chunked = 1;
	}
	add_common_headers(r);
	if (extra != NULL)
		mg_response_header_add_lines(r->conn, extra);
	mg_response_header_send(r->conn);
	return 0;
}

int
reply_write(struct req *r, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (r->status == 204 || strcmp(req_method(r), "HEAD") == 0)
		return 0;
	if (r->chunked) {
		if (mg_send_chunk(r->conn, p, (unsigned)n) < 0)
			return ERR_IO;
	} else if (mg_write(r->conn, p, n) < 0)
		return ERR_IO;
	return 0;
}

int
reply_end(struct req *r)
{
	if (r->chunked && mg_send_chunk(r->conn, "", 0) < 0)
		return ERR_IO;
	return 0;
}

int
reply_json(struct req *r, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	size_t n = s ? strlen(s) : 0;

	json_decref(v);
	if (s == NULL)
		return reply_error(r, ERR_INTERNAL, "could not encode reply");
	reply_start(r, status, "application/json", (int64_t)n + 1, NULL);
	reply_write(r, s, n);
	reply_write(r, "\n", 1);
	free(s);
	return 0;
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
	return reply_json(r, status, json_pack("{s:{s:s,s:s}}", "error",
	    "code", err_str(code), "message", msg));
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
				int dl = mg_url_decode(s, (int)n, dec, (int)n + 1,
				    0);
				if (dl < 0 || strlen(dec) != (size_t)dl) {
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
	return *p == '\0' && *s == '\0';
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
	const char *origin = mg_get_header(r->conn, "Origin");
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
	const char *h = mg_get_header(r->conn, "Authorization");

	if (h != NULL) {
		if (strncasecmp(h, "Bearer ", 7) == 0)
			return h + 7;
		return NULL;
	}
	return mg_get_header(r->conn, "api-key");
}

static int
dispatch(struct mg_connection *conn, void *arg)
{
	struct req r;
	const struct route *found = NULL;
	int method_mismatch = 0, ret;
	struct timespec ts0, ts1;
	char rawpath[2048];

	clock_gettime(CLOCK_MONOTONIC, &ts0);
	atomic_fetch_add(&inflight, 1);
	memset(&r, 0, sizeof r);
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.app = arg;
	if (atomic_load(&draining)) {
		reply_error(&r, ERR_BACKEND, "berthd is shutting down");
		goto done;
	}
	if (mg_url_decode(r.ri->local_uri, (int)strlen(r.ri->local_uri),
	    r.path, sizeof r.path, 0) < 0) {
		reply_error(&r, ERR_INVAL, "request path is too long");
		goto done;
	}
	r.origin = cors_origin(&r);
	err_clear();
	/* Routes match the path as sent (decode_url is off), and each
	 * parameter is decoded after matching. */
	snprintf(rawpath, sizeof rawpath, "%s", r.ri->local_uri);

	for (int t = 0; http_route_tables[t] != NULL && found == NULL; t++)
		for (const struct route *rt = http_route_tables[t];
		    rt->method != NULL; rt++) {
			if (!route_match(&r, rt->pattern, rawpath)) {
				req_clear_params(&r);
				continue;
			}
			if (strcmp(rt->method, r.ri->request_method) == 0) {
				found = rt;
				break;
			}
			method_mismatch = 1;
			req_clear_params(&r);
		}
	if (found == NULL && strcmp(r.ri->request_method, "OPTIONS") == 0 &&
	    method_mismatch) {
		/* CORS preflight, cached for a day. */
		reply_start(&r, 204, NULL, 0, r.origin ?
		    "Access-Control-Allow-Methods: GET, POST, PUT, PATCH, "
		    "DELETE, OPTIONS\r\nAccess-Control-Allow-Headers: "
		    "Authorization, Content-Type, api-key\r\n"
		    "Access-Control-Max-Age: 86400\r\n" : NULL);
		goto done;
	}
	if (found == NULL && r.bad_path) {
		reply_error(&r, ERR_INVAL, "the request path has a bad escape "
		    "or a NUL byte");
		goto done;
	}
	if (found == NULL) {
		char msg[2300];
		if (method_mismatch) {
			snprintf(msg, sizeof msg, "method %s is not allowed on "
			    "%s", r.ri->request_method, r.path);
			reply_json(&r, 405, json_pack("{s:{s:s,s:s}}", "error",
			    "code", "method_not_allowed", "message", msg));
		} else
			reply_error(&r, ERR_NOTFOUND, "no route %s %s",
			    r.ri->request_method, r.path);
		goto done;
	}
	r.route = found;
	if (!(found->flags & ROUTE_NOAUTH)) {
		struct db *db = db_thread();
		if (db == NULL) {
			reply_error(&r, ERR_INTERNAL, "store unavailable");
			goto done;
		}
		if (auth_check(db, presented_key(&r), &r.who) != 0) {
			reply_error(&r, ERR_UNAUTH, "missing or invalid API "
			    "key (send Authorization: Bearer KEY)");
			goto done;
		}
		if ((found->flags & ROUTE_ADMIN) && !r.who.admin) {
			reply_error(&r, ERR_FORBIDDEN, "this needs an admin "
			    "key");
			goto done;
		}
	}
	ret = found->fn(&r);
	if (ret < 0 && !r.replied) {
		const char *m = err_msg();
		reply_error(&r, ret, "%s", *m ? m : err_str(ret));
	}
done:
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	metrics_http(r.ri->request_method, r.route ? r.route->pattern :
	    "unmatched", r.status, (double)(ts1.tv_sec - ts0.tv_sec) +
	    (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9);
	log_debug("%s %s -> %d", r.ri->request_method, r.path, r.status);
	req_clear_params(&r);
	for (int i = 0; i < r.nquery; i++) {
		free(r.qnames[i]);
		free(r.qvals[i]);
	}
	atomic_fetch_sub(&inflight, 1);
	return r.status ? r.status : 500;
}

static int
log_message_cb(const struct mg_connection *conn, const char *message)
{
	log_debug("civetweb: %s", message);
	return 1;
}

int
http_start(struct app *app)
{
	struct mg_callbacks cb;
	char threads[16];
	const char *opts[] = {
		"listening_ports", app->cfg.listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"tcp_nodelay", "1",
		"decode_url", "no",
		"request_timeout_ms", "120000",
		"keep_alive_timeout_ms", "30000",
		"enable_websocket_ping_pong", "yes",
		"websocket_timeout_ms", "3600000",
		NULL
	};

	snprintf(threads, sizeof threads, "%d", app->cfg.http_threads);
	memset(&cb, 0, sizeof cb);
	cb.log_message = log_message_cb;
	the_app = app;
	mg_init_library(MG_FEATURES_WEBSOCKET);
	if ((ctx = mg_start(&cb, app, opts)) == NULL)
		return err_set(ERR_IO, "cannot listen on %s (in use, or a bad "
		    "address?)", app->cfg.listen);
	mg_set_request_handler(ctx, "/", dispatch, app);
	return 0;
}

void
http_stop(void)
{
	/* New requests get 503; the ones in flight finish (bounded), since
	 * civetweb drops what a handler writes once mg_stop has begun. */
	atomic_store(&draining, 1);
	for (int i = 0; i < 600 && atomic_load(&inflight) > 0; i++)
		usleep(50 * 1000);
	if (atomic_load(&inflight) > 0)
		log_warn("%d requests still running after 30 s; stopping "
		    "anyway", atomic_load(&inflight));
	if (ctx != NULL)
		mg_stop(ctx);
	ctx = NULL;
}

struct mg_context *
http_context(void)
{
	return ctx;
}
