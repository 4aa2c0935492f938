/* api-logs.c: GET /v1/workspaces/{id}/logs: the container's output,
 * stdout and stderr demultiplexed, as plain text; with follow=1 it streams
 * until the client leaves (noticed within half a second even when the
 * container is silent, so no thread or socket outlives it). Request
 * threads. */
#include <stdlib.h>
#include <string.h>

#include "api-inside.h"
#include "api.h"
#include "app.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define LOGS_BUF	(64 * 1024)
/* How often an idle follow looks at the client. */
#define LOGS_POLL_MS	500
#define LOGS_READ_MS	30000	/* without follow: the engine's pace */

static int
flag(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "yes") == 0);
}

static int
parse_opts(struct req *r, struct rt_logs_opts *o)
{
	const char *tail = req_query(r, "tail"), *since = req_query(r, "since");
	const char *streams = req_query(r, "stream"), *p;
	int64_t t;
	char *end;

	memset(o, 0, sizeof *o);
	o->tail = -1;
	o->timestamps = flag(req_query(r, "timestamps"));
	o->follow = flag(req_query(r, "follow"));
	if (tail != NULL && *tail != '\0' && strcmp(tail, "all") != 0) {
		o->tail = strtoll(tail, &end, 10);
		if (*end != '\0' || o->tail < 0 || o->tail > 10000000)
			return err_set(ERR_INVAL, "tail must be a number of "
			    "lines or \"all\"");
	}
	if (since != NULL && *since != '\0') {
		/* a time (RFC 3339 or epoch) or a duration back from now */
		if (rfc3339_parse(since, &t) == 0)
			o->since = t;
		else if (duration_parse(since, &t) == 0)
			o->since = now_s() - t;
		else
			return err_set(ERR_INVAL, "since must be an RFC 3339 "
			    "time, epoch seconds or a duration like 10m");
		if (o->since <= 0)
			o->since = 1;
	}
	if (streams == NULL || *streams == '\0')
		o->out = o->err = 1;
	else
		for (p = streams; *p != '\0';) {
			size_t n = strcspn(p, ",");
			if (n == 6 && strncmp(p, "stdout", 6) == 0)
				o->out = 1;
			else if (n == 6 && strncmp(p, "stderr", 6) == 0)
				o->err = 1;
			else
				return err_set(ERR_INVAL, "stream must be "
				    "stdout, stderr or stdout,stderr");
			p += n;
			if (*p == ',')
				p++;
		}
	return 0;
}

static int
h_logs(struct req *r)
{
	struct rt_logs_opts o;
	struct rt_stream *s = NULL;
	struct app *app = req_app(r);
	struct ws *w = NULL;
	char *b = NULL;
	ssize_t n;
	int rc, cfd = -1, st;

	if ((rc = parse_opts(r, &o)) != 0 || (rc = api_workspace(r, &w)) != 0)
		goto out;
	/* A stopped container still has its output. */
	if (w->container_id[0] == '\0') {
		rc = err_set(ERR_CONFLICT, "workspace '%s' is %s and has no "
		    "container yet", w->name, w->state);
		goto out;
	}
	if ((rc = rt_logs(req_rt(r), w->container_id, &o, &s)) != 0)
		goto out;
	reply_start(r, 200, "text/plain; charset=utf-8", -1, NULL);
	if (o.follow)
		cfd = api_client_fd(r);
	b = xmalloc(LOGS_BUF);
	for (;;) {
		n = rt_stream_read(s, &st, b, LOGS_BUF, o.follow ?
		    LOGS_POLL_MS : LOGS_READ_MS);
		if (n == ERR_TIMEOUT && o.follow) {
			if (api_client_gone(cfd) || app->stopping)
				break;
			continue;
		}
		if (n < 0)
			log_warn("logs of %s: %s", w->id, err_msg());
		if (n <= 0)
			break;
		if (reply_write(r, b, (size_t)n) != 0)
			break;
	}
	reply_end(r);
	rc = 0;
 out:
	free(b);
	rt_stream_free(s);
	ws_free(w);
	return rc;
}

const struct route api_logs_routes[] = {
	{ "GET", "/v1/workspaces/{id}/logs", h_logs, ROUTE_READ, "the "
	    "container's output as text/plain, stdout and stderr "
	    "demultiplexed; ?tail=N, since= (RFC 3339, epoch or a duration "
	    "back like 10m), timestamps=1, stream=stdout,stderr, follow=1 "
	    "(streams until the client closes)" },
	{ NULL, NULL, NULL, 0, NULL }
};
