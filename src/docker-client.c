/* docker-client.c: Engine API requests: JSON in and out over keep-alive
 * connections (docker-http.c) from a small pool. Any thread: the pool is
 * behind one mutex and each request holds its connection alone; a pooled
 * connection that the engine closed meanwhile is seen before reuse (it
 * polls readable) and, failing that, a request that got not one byte
 * back on a reused connection is sent once more on a fresh one. */
#include <sys/un.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agent-link.h"
#include "buf.h"
#include "docker-client.h"
#include "docker-http.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DC_POOL_MAX	16
#define DC_RBUF		(16 * 1024)

struct dc {
	char		*host;
	char		*path;
	long		 timeout_ms;
	pthread_mutex_t	 lock;		/* guards pool, npool */
	struct dconn	*pool[DC_POOL_MAX];
	size_t		 npool;
};

struct dc *
dc_new(const char *host)
{
	struct sockaddr_un sun;
	struct dc *dc;
	const char *path;

	if (host == NULL || *host == '\0')
		host = "unix:///var/run/docker.sock";
	/* A cluster node's engine, through its berth agent. */
	if (strncmp(host, AGENT_URL_PREFIX, strlen(AGENT_URL_PREFIX)) == 0) {
		dc = xcalloc(1, sizeof *dc);
		dc->host = xstrdup(host);
		dc->path = xstrdup(host);
		dc->timeout_ms = DC_DEFAULT_MS;
		pthread_mutex_init(&dc->lock, NULL);
		return dc;
	}
	if (strncmp(host, "unix://", 7) == 0)
		path = host + 7;
	else
		path = host;
	if (*path != '/') {
		err_set(ERR_INVAL, "docker host '%s' is not supported: use "
		    "unix:///path/to/docker.sock", host);
		return NULL;
	}
	if (strlen(path) >= sizeof sun.sun_path) {
		err_set(ERR_INVAL, "docker socket path '%s' is too long", path);
		return NULL;
	}
	dc = xcalloc(1, sizeof *dc);
	dc->host = xasprintf("unix://%s", path);
	dc->path = xstrdup(path);
	dc->timeout_ms = DC_DEFAULT_MS;
	pthread_mutex_init(&dc->lock, NULL);
	return dc;
}

void
dc_free(struct dc *dc)
{
	if (dc == NULL)
		return;
	for (size_t i = 0; i < dc->npool; i++)
		dconn_free(dc->pool[i]);
	pthread_mutex_destroy(&dc->lock);
	free(dc->host);
	free(dc->path);
	free(dc);
}

const char *
dc_host(const struct dc *dc)
{
	return dc->host;
}

const char *
dc_sock_path(const struct dc *dc)
{
	return dc->path;
}

void
dc_set_timeout(struct dc *dc, long timeout_ms)
{
	dc->timeout_ms = timeout_ms > 0 ? timeout_ms : DC_DEFAULT_MS;
}

int
dc_open(struct dc *dc, const char *what, size_t rbuf, int connect_ms,
    struct dconn **cp)
{
	return dconn_open(dc->path, dc->host, what, rbuf, connect_ms, cp);
}

/* A pooled connection that still looks alive, or NULL. */
static struct dconn *
pool_get(struct dc *dc)
{
	struct dconn *c;

	for (;;) {
		c = NULL;
		pthread_mutex_lock(&dc->lock);
		if (dc->npool > 0)
			c = dc->pool[--dc->npool];
		pthread_mutex_unlock(&dc->lock);
		if (c == NULL || dconn_reusable(c))
			return c;
		dconn_free(c);
	}
}

static void
pool_put(struct dc *dc, struct dconn *c)
{
	if (c == NULL)
		return;
	if (dconn_reusable(c)) {
		pthread_mutex_lock(&dc->lock);
		if (dc->npool < DC_POOL_MAX) {
			dc->pool[dc->npool++] = c;
			c = NULL;
		}
		pthread_mutex_unlock(&dc->lock);
	}
	dconn_free(c);
}

/* The message of a failed exchange: what was asked, and why. */
static int
transport_error(struct dc *dc, int r, const char *method, const char *path,
    long timeout_ms)
{
	struct err_saved m;

	if (r == ERR_TIMEOUT)
		return err_set(ERR_TIMEOUT, "docker engine at %s did not "
		    "answer %s %s within %ld ms", dc->host, method, path,
		    timeout_ms);
	if (strncmp(err_msg(), "docker engine not reachable", 27) == 0)
		return r;
	err_save(&m);
	return err_set(ERR_BACKEND, "docker engine at %s: %s %s failed: %s",
	    dc->host, method, path, m.msg);
}

static int
left_ms(int64_t deadline)
{
	int64_t l = deadline - mono_ms();

	return l > 0 ? (int)l : 0;
}

int
dc_request(struct dc *dc, const char *method, const char *path,
    json_t *body, long timeout_ms, long *statusp, json_t **resp,
    struct buf **rawp)
{
	struct dconn *c = NULL;
	struct buf *b = NULL;
	char *jbody = NULL, *what = NULL, chunk[8192];
	int64_t deadline, blen = -1;
	ssize_t n;
	int r = 0, reused;

	if (resp != NULL)
		*resp = NULL;
	if (rawp != NULL)
		*rawp = NULL;
	if (timeout_ms <= 0)
		timeout_ms = dc->timeout_ms;
	deadline = mono_ms() + timeout_ms;
	if (body != NULL) {
		if ((jbody = json_dumps(body, JSON_COMPACT)) == NULL) {
			r = err_set(ERR_INTERNAL, "cannot encode request");
			goto out;
		}
		blen = (int64_t)strlen(jbody);
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		blen = 0;
	what = xasprintf("%s %s", method, path);
	for (int attempt = 0;; attempt++) {
		reused = attempt == 0 && (c = pool_get(dc)) != NULL;
		if (reused)
			dconn_set_what(c, what);
		else if ((r = dc_open(dc, what, DC_RBUF, left_ms(deadline) <
		    DC_CONNECT_MS ? left_ms(deadline) : DC_CONNECT_MS, &c)) !=
		    0)
			goto out;
		if ((r = dconn_request(c, method, path, jbody != NULL ?
		    "application/json" : NULL, NULL, jbody, blen)) == 0)
			r = dconn_read_head(c, 0, left_ms(deadline));
		/* The engine closed a kept connection before reading it. */
		if (r != 0 && r != ERR_TIMEOUT && reused &&
		    dconn_received(c) == 0) {
			dconn_free(c);
			c = NULL;
			continue;
		}
		break;
	}
	if (r != 0) {
		r = transport_error(dc, r, method, path, timeout_ms);
		goto out;
	}
	b = buf_new(LIMIT_DOCKER_RESPONSE);
	do {
		if (dconn_head(c)->clen > LIMIT_DOCKER_RESPONSE)
			n = ERR_TOOBIG;
		else if ((n = dconn_read_body(c, chunk, sizeof chunk,
		    left_ms(deadline))) > 0 && buf_append(b, chunk,
		    (size_t)n) != 0)
			n = ERR_TOOBIG;
	} while (n > 0);
	if (n == ERR_TOOBIG) {
		r = err_set(ERR_TOOBIG, "docker engine answer to %s %s is "
		    "larger than %d bytes", method, path,
		    LIMIT_DOCKER_RESPONSE);
		goto out;
	}
	if (n < 0) {
		r = transport_error(dc, (int)n, method, path, timeout_ms);
		goto out;
	}
	*statusp = dconn_head(c)->status;
	if (resp != NULL && buf_len(b) > 0) {
		const char *d = buf_data(b);
		if (*d == '{' || *d == '[')
			*resp = json_loadb(d, buf_len(b), 0, NULL);
	}
	if (rawp != NULL) {
		*rawp = b;
		b = NULL;
	}
	pool_put(dc, c);
	c = NULL;
 out:
	dconn_free(c);
	buf_free(b);
	free(jbody);
	free(what);
	return r;
}

int
dc_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			r = buf_putc(b, (char)c);
		else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			r = buf_append(b, e, 3);
		}
		if (r != 0)
			return r;
	}
	return 0;
}
