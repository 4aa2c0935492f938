/* proxy.c: the port proxy (SPEC section 6): /w/{id}/ports/{port}/...
 * reaches an HTTP server listening on that port inside a running
 * workspace, WebSocket upgrades included, for the workspace's owner (with
 * the dashboard's session or an API key) and admins (API key only: a page
 * served from a workspace runs on berthd's origin, so it must never run
 * with an admin's browser session). berthd connects to the container's
 * address on the workspace network; nothing is published on the host.
 * The request thread checks access, connects and sends the request head;
 * the socket then leaves the HTTP layer and a relay thread of its own
 * copies both ways until either side ends (one response per connection).
 * Request threads and the relay threads it starts. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
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
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define RELAY_MAX	1024		/* relays at once; more: 503 */
#define RELAY_BUF	(1024 * 1024)	/* per direction, in a pipe */
#define CONNECT_MS	3000
#define IDLE_S		3600		/* a relay with no byte either way */
#define UP_HEAD_MAX	(64 * 1024)	/* the request head to the server */

struct relay {
	int	 cfd, ufd;
	char	*prefix;		/* "/w/ID/ports/PORT" as sent */
	char	 ws_id[40];
	char	*out;			/* head and early body to the server */
	size_t	 outlen;
};

static atomic_int nrelays;

#define TOUCH_S		1	/* a relay's activity, noted this often */

/* Each request is activity (memory only: activity.h writes the store
 * at most every few seconds however many requests a page makes). */
static void
touch(const char *id)
{
	ws_activity(id, "port-proxy");
}

/* Container addresses, looked up again after ADDR_TTL or when a connect
 * fails: asking the engine for each request would double a page's
 * latency. */
#define ADDR_TTL	10	/* s */
static struct {
	char	cid[72];
	char	ip[48];
	int64_t	at;
} addrs[64];
static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;

/* The address of container cid into ip: 0, 1 when it came from the
 * cache, or an error. */
static int
container_addr(struct rt *rt, const char *cid, int fresh, char *ip,
    size_t ipsz)
{
	struct rt_state st;
	unsigned h = 0;
	int rc;

	for (const char *p = cid; *p != '\0'; p++)
		h = h * 31 + (unsigned char)*p;
	h %= sizeof addrs / sizeof addrs[0];
	pthread_mutex_lock(&addr_lock);
	if (!fresh && strcmp(addrs[h].cid, cid) == 0 &&
	    now_s() - addrs[h].at < ADDR_TTL) {
		strlcpy_b(ip, addrs[h].ip, ipsz);
		pthread_mutex_unlock(&addr_lock);
		return 1;
	}
	pthread_mutex_unlock(&addr_lock);
	if ((rc = rt_inspect(rt, cid, &st)) != 0)
		return rc;
	if (st.ip[0] == '\0')
		return err_set(ERR_NOTFOUND, "no address");
	strlcpy_b(ip, st.ip, ipsz);
	pthread_mutex_lock(&addr_lock);
	strlcpy_b(addrs[h].cid, cid, sizeof addrs[h].cid);
	strlcpy_b(addrs[h].ip, st.ip, sizeof addrs[h].ip);
	addrs[h].at = now_s();
	pthread_mutex_unlock(&addr_lock);
	return 0;
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

/* Connects to ip:port within CONNECT_MS: the socket, or -1 with errno. */
static int
connect_to(const char *ip, int port)
{
	struct sockaddr_in sa;
	struct pollfd p;
	socklen_t sl = sizeof(int);
	int fd, e = 0, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, CONNECT_MS) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0 || e != 0) {
		errno = e != 0 ? e : EIO;
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* 1 when header name is one the proxy sets or drops itself. */
static int
skipped(const char *name, int upgrade)
{
	static const char *const drop[] = { "Host", "Connection",
	    "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "TE",
	    "Trailer", "api-key", "X-Forwarded-For", "X-Forwarded-Proto",
	    "X-Forwarded-Host", "X-Forwarded-Prefix", "X-Forwarded-Port",
	    "X-CSRF-Token", "Cookie", "Authorization", NULL };

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
    int upgrade, struct buf *b)
{
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
	rc |= buf_appendf(b, "Connection: %s\r\n\r\n", upgrade ? "Upgrade" :
	    "close");
	return rc != 0 ? err_set(ERR_TOOBIG, "request head too large") : 0;
}

/* Writes all of p to a non-blocking fd within IDLE_S: 0 or -1. */
static int
write_all(int fd, const char *p, size_t n)
{
	struct pollfd pf = { fd, POLLOUT, 0 };
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (w < 0 && errno == EAGAIN && poll(&pf, 1, IDLE_S * 1000) !=
		    1)
			return -1;
	}
	return 0;
}

/* One direction, through a pipe with splice(2): the bytes go from
 * socket to socket in the kernel, never through a buffer of ours. */
struct pipe_dir {
	int	 from, to;
	int	 p[2];		/* the pipe */
	size_t	 len;		/* bytes in it */
	size_t	 cap;		/* its size */
	int	 eof;		/* from has ended */
	int	 shut;		/* to was shut for writing */
};

static int
pipe_init(struct pipe_dir *d, int from, int to)
{
	int n;

	memset(d, 0, sizeof *d);
	d->from = from;
	d->to = to;
	if (pipe2(d->p, O_NONBLOCK | O_CLOEXEC) != 0) {
		d->p[0] = d->p[1] = -1;
		return -1;
	}
	/* As large as allowed (pipe-max-size), what it is when not. */
	fcntl(d->p[1], F_SETPIPE_SZ, RELAY_BUF);
	n = fcntl(d->p[1], F_GETPIPE_SZ);
	d->cap = n > 0 ? (size_t)n : 65536;
	return 0;
}

static void
pipe_close(struct pipe_dir *d)
{
	if (d->p[0] >= 0)
		close(d->p[0]);
	if (d->p[1] >= 0)
		close(d->p[1]);
}

/* One copy step: fills the pipe from the source while it has room,
 * drains it into the sink. -1 on error. */
static int
pipe_step(struct pipe_dir *d, short rev_from, short rev_to, int64_t *moved)
{
	ssize_t n;

	if (d->len < d->cap && !d->eof && (rev_from & (POLLIN | POLLHUP |
	    POLLERR))) {
		n = splice(d->from, NULL, d->p[1], NULL, d->cap - d->len,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0)
			d->len += (size_t)n;
		else if (n == 0)
			d->eof = 1;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (d->len > 0 && (rev_to & POLLOUT || rev_from != 0)) {
		n = splice(d->p[0], NULL, d->to, NULL, d->len, SPLICE_F_MOVE |
		    SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->len -= (size_t)n;
			*moved += n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (d->eof && d->len == 0 && !d->shut) {
		shutdown(d->to, SHUT_WR);
		d->shut = 1;
	}
	return 0;
}

/* Reads the server's response head (more 1xx heads before it) and sends
 * it rewritten; what came after it is sent on. 0, or -1 (after a 502
 * page when nothing was sent yet). */
static int
relay_head(struct relay *x)
{
	struct buf *in = buf_new(PROXY_HEAD_MAX), *out;
	struct pollfd pf = { x->ufd, POLLIN, 0 };
	char tmp[16384];
	const char *e;
	size_t hl;
	ssize_t n;
	int st = 0, rc = -1, sent = 0;

	for (;;) {
		e = buf_len(in) >= 4 ? memmem(buf_data(in), buf_len(in),
		    "\r\n\r\n", 4) : NULL;
		if (e != NULL) {
			hl = (size_t)(e - buf_data(in)) + 4;
			out = buf_new(PROXY_HEAD_MAX + 4096);
			if (proxy_rewrite_head(buf_data(in), hl, x->prefix,
			    out, &st) != 0 || write_all(x->cfd,
			    buf_data(out), buf_len(out)) != 0) {
				buf_free(out);
				break;
			}
			buf_free(out);
			sent = 1;
			buf_consume(in, hl);
			if (st >= 200 || st == 101) {
				/* The rest of what was read goes on. */
				if (write_all(x->cfd, buf_data(in),
				    buf_len(in)) == 0)
					rc = 0;
				break;
			}
			continue;	/* a 1xx: its final head follows */
		}
		if (poll(&pf, 1, IDLE_S * 1000) != 1)
			break;
		n = read(x->ufd, tmp, sizeof tmp);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0 || buf_append(in, tmp, (size_t)n) != 0)
			break;
	}
	if (rc != 0 && !sent) {
		static const char bad[] = "HTTP/1.1 502 Bad Gateway\r\n"
		    "Content-Type: text/plain\r\nConnection: close\r\n"
		    "Content-Length: 61\r\n\r\n"
		    "the server in the workspace sent no valid HTTP response "
		    "head\n";
		write_all(x->cfd, bad, sizeof bad - 1);
	}
	buf_free(in);
	return rc;
}

static void *
relay_main(void *arg)
{
	struct relay *x = arg;
	struct pipe_dir c2u, u2c;
	struct pollfd pf[2];
	int64_t moved = 0, last_move = mono_ms(), last_touch = mono_ms();
	int head_done = 0;

	c2u.p[0] = c2u.p[1] = u2c.p[0] = u2c.p[1] = -1;

	if (pipe_init(&c2u, x->cfd, x->ufd) != 0 ||
	    pipe_init(&u2c, x->ufd, x->cfd) != 0) {
		log_warn("proxy: no pipe for a relay");
		goto out;
	}
	fcntl(x->cfd, F_SETFL, fcntl(x->cfd, F_GETFL) | O_NONBLOCK);
	/* The request head and any body bytes read with it, then the
	 * client's further bytes while the response head is awaited. */
	if (write_all(x->ufd, x->out, x->outlen) != 0)
		goto out;
	for (;;) {
		pf[0].fd = x->cfd;
		pf[0].events = (c2u.len < c2u.cap && !c2u.eof ? POLLIN : 0) |
		    (u2c.len > 0 ? POLLOUT : 0);
		pf[1].fd = x->ufd;
		/* Until the response head is through, any byte from the
		 * server is the head's. */
		pf[1].events = ((u2c.len < u2c.cap && !u2c.eof) ||
		    !head_done ?
		    POLLIN : 0) | (c2u.len > 0 ? POLLOUT : 0);
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			break;
		if (!head_done && (pf[1].revents & (POLLIN | POLLHUP |
		    POLLERR))) {
			if (relay_head(x) != 0)
				break;
			head_done = 1;
			last_move = mono_ms();
			continue;
		}
		if (pipe_step(&c2u, pf[0].revents, pf[1].revents, &moved) != 0)
			break;
		if (head_done && pipe_step(&u2c, pf[1].revents,
		    pf[0].revents, &moved) != 0)
			break;
		/* The server is done and everything it said was sent. */
		if (u2c.eof && u2c.len == 0)
			break;
		/* The client left before its answer: nobody to send to. */
		if ((pf[0].revents & (POLLERR | POLLNVAL)) ||
		    ((pf[0].revents & POLLHUP) && c2u.eof))
			break;
		if (moved > 0) {
			last_move = mono_ms();
			moved = 0;
		} else if (mono_ms() - last_move > IDLE_S * 1000)
			break;
		if (mono_ms() - last_touch > TOUCH_S * 1000 &&
		    mono_ms() - last_move < TOUCH_S * 1000) {
			touch(x->ws_id);
			last_touch = mono_ms();
		}
	}
out:
	close(x->cfd);
	close(x->ufd);
	pipe_close(&c2u);
	pipe_close(&u2c);
	free(x->prefix);
	free(x->out);
	free(x);
	atomic_fetch_sub(&nrelays, 1);
	return NULL;
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

static int
h_proxy(struct req *r)
{
	const char *target = req_target(r), *portarg = req_param(r, "port");
	const char *up = req_header(r, "Upgrade"), *rest;
	const struct principal *who = req_who(r);
	struct relay *x = NULL;
	struct ws *w = NULL;
	struct buf *head = NULL;
	pthread_attr_t a;
	pthread_t t;
	size_t plen = prefix_len(target), prelen = 0;
	void *pre = NULL;
	char *end, msg[400], ip[48];
	struct rt_where wh;
	long port;
	int rc = 0, ufd = -1, cfd = -1, upgrade, cached;

	port = portarg != NULL ? strtol(portarg, &end, 10) : 0;
	if (portarg == NULL || *end != '\0' || port < 1 || port > 65535)
		return page(r, 400, "Bad port", "the port must be a number "
		    "from 1 to 65535");
	if ((rc = api_workspace(r, &w)) != 0) {
		rc = page(r, err_http_status(rc), "No such workspace",
		    err_msg());
		goto out;
	}
	if (req_by_session(r) && strcmp(w->owner, who->user) != 0) {
		rc = page(r, 403, "Not yours", "the port proxy serves a "
		    "workspace's pages in the browser only to its owner (a "
		    "page runs with the viewer's dashboard session); an admin "
		    "can send an API key in the Authorization header instead");
		goto out;
	}
	if (strcmp(w->state, "running") != 0) {
		snprintf(msg, sizeof msg, "workspace '%s' is %s; start it "
		    "first", w->name, w->state);
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
	if (rt_locate(req_rt(r), w->container_id, &wh) == 0 &&
	    wh.via[0] != '\0') {
		if ((rc = agent_dial_port(wh.via, wh.id, (int)port,
		    CONNECT_MS + 1000, &ufd)) != 0)
			errno = rc == ERR_NOTFOUND ? ECONNREFUSED :
			    rc == ERR_TIMEOUT ? ETIMEDOUT : EHOSTUNREACH;
		rc = 0;
		goto dialled;
	}
	if ((cached = container_addr(req_rt(r), w->container_id, 0, ip,
	    sizeof ip)) < 0) {
		snprintf(msg, sizeof msg, "workspace '%s' has no address on "
		    "the workspace network", w->name);
		rc = page(r, 502, "Bad Gateway", msg);
		goto out;
	}
	/* A cached address may be stale (the container was restarted). */
	if ((ufd = connect_to(ip, (int)port)) < 0 && cached == 1 &&
	    container_addr(req_rt(r), w->container_id, 1, ip, sizeof ip) == 0)
		ufd = connect_to(ip, (int)port);
 dialled:
	if (ufd < 0) {
		int e = errno;
		snprintf(msg, sizeof msg, "nothing answers on port %ld in "
		    "workspace '%s' (%s). A server there must listen on "
		    "0.0.0.0:%ld (not only 127.0.0.1), e.g. python3 -m "
		    "http.server %ld", port, w->name, e == ECONNREFUSED ?
		    "connection refused" : e == ETIMEDOUT ? "no answer in 3 s"
		    : strerror(e), port, port);
		log_info("proxy ws=%s port=%ld: %s", w->id, port,
		    strerror(e));
		rc = page(r, 502, "Nothing listening", msg);
		goto out;
	}
	upgrade = up != NULL && req_header(r, "Connection") != NULL &&
	    strcasestr(req_header(r, "Connection"), "upgrade") != NULL;
	/* .../ports/N/x reaches the server as /x; .../absolute/N/x as sent,
	 * for apps told their base path (Jupyter's base_url). */
	rest = strncmp(target + prefix_len_seg(target), "/absolute/", 10) == 0 ?
	    target : target + plen;
	x = xcalloc(1, sizeof *x);
	x->prefix = xstrndup(target, plen);
	strlcpy_b(x->ws_id, w->id, sizeof x->ws_id);
	head = buf_new(UP_HEAD_MAX + 70 * 1024);
	if (upstream_head(r, rest, x->prefix, upgrade, head) != 0) {
		rc = page(r, 431, "Request too large", "the request head is "
		    "too large to forward");
		goto out;
	}
	if (atomic_fetch_add(&nrelays, 1) >= RELAY_MAX) {
		atomic_fetch_sub(&nrelays, 1);
		rc = page(r, 503, "Busy", "too many proxied connections");
		goto out;
	}
	touch(w->id);
	req_detach(r, &cfd, &pre, &prelen);
	if (prelen > 0)
		buf_append(head, pre, prelen);
	free(pre);
	x->out = buf_steal(head, &x->outlen);
	x->cfd = cfd;
	x->ufd = ufd;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&t, &a, relay_main, x) != 0) {
		log_warn("proxy: cannot start a relay thread");
		atomic_fetch_sub(&nrelays, 1);
		close(cfd);
		close(ufd);
		free(x->prefix);
		free(x->out);
		free(x);
	}
	pthread_attr_destroy(&a);
	x = NULL;
	ufd = -1;
	log_debug("proxy ws=%s port=%ld %s", w->id, port, req_method(r));
out:
	if (ufd >= 0)
		close(ufd);
	if (x != NULL) {
		free(x->prefix);
		free(x);
	}
	buf_free(head);
	ws_free(w);
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
