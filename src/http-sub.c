/* http-sub.c: a request's reply kept instead of sent (req_capture, for
 * the compatibility routes), berth's own routes run in-process as the
 * caller (req_subcall, for MCP's tools), and a reply written raw on the
 * client's socket (req_raw_reply, the port proxy), on top of
 * http-server.c. Worker
 * threads, on the request they serve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "http-conn.h"
#include "http-int.h"
#include "http-parse.h"
#include "http-server.h"
#include "http.h"
#include "xmalloc.h"

int
req_capture(struct req *r, route_fn fn, const char *body, size_t limit,
    int *status, char **out, size_t *outlen)
{
	int rc;

	*out = NULL;
	*outlen = 0;
	*status = 0;
	r->cap = buf_new(limit);
	r->cap_status = 0;
	if (body != NULL) {
		r->inj = body;
		r->injlen = strlen(body);
	}
	rc = fn(r);
	if (r->replied && rc == 0) {
		*status = r->cap_status;
		*out = buf_steal(r->cap, outlen);
	}
	buf_free(r->cap);
	r->cap = NULL;
	r->inj = NULL;
	r->replied = 0;
	r->status = 0;
	return rc;
}

int
req_subcall(struct req *r, struct req_sub *s)
{
	struct http_head *h = xcalloc(1, sizeof *h);
	struct req *q = xcalloc(1, sizeof *q);
	const struct route *const *tables = http_routes();
	const struct route *found = NULL;
	char *target = xstrdup(s->target), *qs, clen[32];
	int rc = 0;

	s->status = 0;
	s->out = NULL;
	s->outlen = 0;
	s->cut = 0;
	s->ctype[0] = '\0';
	s->headers[0] = '\0';
	if ((qs = strchr(target, '?')) != NULL)
		*qs++ = '\0';
	h->method = s->method;
	h->target = target;
	h->query = qs;
	h->minor = 1;
	h->keep_alive = 1;
	h->content_length = s->body != NULL ? (int64_t)s->bodylen : 0;
	snprintf(clen, sizeof clen, "%zu", s->body != NULL ? s->bodylen : 0);
	h->h[h->nh].name = "Content-Length";
	h->h[h->nh++].value = clen;
	h->h[h->nh].name = "Accept";
	h->h[h->nh++].value = "application/json";
	if (s->ctype_in != NULL) {
		h->h[h->nh].name = "Content-Type";
		h->h[h->nh++].value = s->ctype_in;
	}
	if (s->range != NULL && *s->range != '\0') {
		h->h[h->nh].name = "Range";
		h->h[h->nh++].value = s->range;
	}
	q->hc = r->hc;
	q->h = h;
	q->app = r->app;
	q->who = r->who;
	q->by_session = r->by_session;
	q->length = -1;
	q->inj = s->body != NULL ? s->body : "";
	q->injlen = s->body != NULL ? s->bodylen : 0;
	q->cap = buf_new(0);
	q->cap_keep = 1;
	q->cap_limit = s->limit;
	if (http_url_decode(target, strlen(target), q->path, sizeof q->path,
	    0) < 0) {
		rc = err_set(ERR_INVAL, "bad path %.100s", target);
		goto out;
	}
	for (int t = 0; tables[t] != NULL && found == NULL; t++)
		for (const struct route *rt = tables[t]; rt->method != NULL;
		    rt++) {
			if (!(rt->flags & ROUTE_UPGRADE) &&
			    strcmp(rt->method, s->method) == 0 &&
			    http_match(q, rt->pattern, target)) {
				found = rt;
				break;
			}
			http_params_clear(q);
		}
	if (found == NULL) {
		rc = err_set(ERR_NOTFOUND, "no route %s %s", s->method,
		    q->path);
		goto out;
	}
	q->route = found;
	err_clear();
	if ((found->flags & ROUTE_ADMIN) && !q->who.admin)
		reply_error(q, ERR_FORBIDDEN, "this needs an admin key");
	else if ((rc = http_scope_check(&q->who, found)) != 0)
		reply_error(q, rc, "%s", err_msg());
	else if ((rc = found->fn(q)) < 0 && !q->replied) {
		const char *m = err_msg();
		reply_error(q, rc, "%s", *m ? m : err_str(rc));
	}
	rc = 0;
	if (!q->replied)
		reply_error(q, ERR_INTERNAL, "no reply");
	s->status = q->cap_status;
	s->cut = q->cap_cut;
	snprintf(s->ctype, sizeof s->ctype, "%s", q->cap_ctype);
	snprintf(s->headers, sizeof s->headers, "%s", q->cap_hdrs);
	s->out = buf_steal(q->cap, &s->outlen);
 out:
	buf_free(q->cap);
	http_params_clear(q);
	for (int i = 0; i < q->nquery; i++) {
		free(q->qnames[i]);
		free(q->qvals[i]);
	}
	free(q);
	free(h);
	free(target);
	return rc;
}

int
req_raw_reply(struct req *r, int status, int keep)
{
	r->replied = 1;
	r->status = status;
	if (!keep)
		hconn_close_after(r->hc);
	return hconn_fd(r->hc);
}

int
req_keep_alive(const struct req *r)
{
	return r->h->keep_alive && r->h->minor >= 1;
}

int
req_http_minor(const struct req *r)
{
	return r->h->minor;
}
