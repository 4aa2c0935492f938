/* http-conn.c: the connection layer under the router (see http-conn.h).
 * The loop thread owns every connection that waits (idle, reading a head
 * or a small body, lingering after a refusal) and the per-address table;
 * a worker owns a connection while its request runs and hands it back
 * through a queue and an eventfd. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http-conn.h"
#include "http-parse.h"
#include "log.h"
#include "xmalloc.h"

#define MAXLISTEN	8
#define PREBUF		(64 * 1024)	/* bodies read by the loop */
#define READ_CHUNK	4096
#define LINGER_S	2
#define ADDR_BUCKETS	1024

enum { K_LISTEN, K_EVENT, K_CONN };
enum { HC_IDLE, HC_HEAD, HC_BODY, HC_WORK, HC_LINGER };

struct listener {
	int	kind;
	int	fd;
};

struct addrent {
	struct addrent	*next;
	int		 n;
	char		 addr[INET6_ADDRSTRLEN];
};

struct hconn {
	int			 kind;
	int			 fd;
	int			 state;
	int			 close_after;
	int			 continue_sent;
	int			 ch_done;
	char			 addr[INET6_ADDRSTRLEN];
	struct addrent		*ae;
	char			*buf;
	size_t			 len, cap;
	size_t			 head_len;	/* 0 until a head is whole */
	size_t			 rpos;		/* next body byte in buf */
	int64_t			 body_left;	/* Content-Length mode */
	struct http_chunked	 ch;
	struct http_head	 head;
	char			*hbuf;		/* the head, while it runs */
	double			 deadline;
	struct hconn		*prev, *next;
};

static struct hconn_limits lim;
static hconn_fn handler;
static void *handler_arg;
static struct listener listeners[MAXLISTEN];
static int nlisteners;
static struct listener evl = { K_EVENT, -1 };
static int epfd = -1;
static pthread_t loop_thread;
static atomic_int stopping;
static atomic_int nconns;

/* Loop-owned connections, oldest armed first. */
static struct hconn *lhead, *ltail;
static struct addrent *addrs[ADDR_BUCKETS];
static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;

/* Work queue and the way back. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static struct hconn *qhead, *qtail, *rhead;
static int nworkers, nidle, qlen;

static void	*worker_main(void *);

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct addrent *
addr_ref(const char *addr)
{
	unsigned h = 5381;
	struct addrent *e;

	for (const char *p = addr; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	h %= ADDR_BUCKETS;
	pthread_mutex_lock(&addr_lock);
	for (e = addrs[h]; e != NULL; e = e->next)
		if (strcmp(e->addr, addr) == 0)
			break;
	if (e == NULL) {
		e = xcalloc(1, sizeof *e);
		snprintf(e->addr, sizeof e->addr, "%s", addr);
		e->next = addrs[h];
		addrs[h] = e;
	}
	e->n++;
	pthread_mutex_unlock(&addr_lock);
	return e;
}

static void
addr_unref(struct addrent *e)
{
	pthread_mutex_lock(&addr_lock);
	e->n--;
	/* Entries stay (one per address seen, bounded by the loopback
	 * addresses that can reach us); a zero count is reused. */
	pthread_mutex_unlock(&addr_lock);
}

static int
addr_count(const char *addr)
{
	unsigned h = 5381;
	int n = 0;

	for (const char *p = addr; *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	h %= ADDR_BUCKETS;
	pthread_mutex_lock(&addr_lock);
	for (struct addrent *e = addrs[h]; e != NULL; e = e->next)
		if (strcmp(e->addr, addr) == 0)
			n = e->n;
	pthread_mutex_unlock(&addr_lock);
	return n;
}

static void
list_add(struct hconn *c)
{
	c->prev = ltail;
	c->next = NULL;
	if (ltail != NULL)
		ltail->next = c;
	else
		lhead = c;
	ltail = c;
}

static void
list_del(struct hconn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		lhead = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		ltail = c->prev;
	c->prev = c->next = NULL;
}

/* A reply from the loop itself, best effort (the socket buffer of a new
 * connection always has room for it). */
static void
canned(int fd, int status, const char *reason, const char *code,
    const char *msg, const char *extra)
{
	char body[512], out[1024];
	int bn, n;

	bn = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\","
	    "\"message\":\"%s\"}}\n", code, msg);
	n = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %d\r\nConnection: close\r\n"
	    "Cache-Control: no-store\r\n%s\r\n%s", status, reason, bn,
	    extra ? extra : "", body);
	if (n > 0 && (size_t)n < sizeof out)
		(void)send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
conn_free(struct hconn *c)
{
	if (c->fd != -1)
		close(c->fd);
	if (c->ae != NULL)
		addr_unref(c->ae);
	atomic_fetch_sub(&nconns, 1);
	free(c->hbuf);
	free(c->buf);
	free(c);
}

/* Loop thread: closes a loop-owned connection. */
static void
conn_close(struct hconn *c)
{
	list_del(c);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	conn_free(c);
}

/* Loop thread: stops reading requests; drains what the client still
 * sends for a moment so that it sees the reply, not a reset. */
static void
conn_linger(struct hconn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->state = HC_LINGER;
	c->deadline = now_s() + LINGER_S;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
	list_del(c);
	list_add(c);
}

static void
refuse(struct hconn *c, int status, const char *why)
{
	const char *reason = "Bad Request", *code = "bad_request";

	switch (status) {
	case 408:
		reason = "Request Timeout";
		code = "timeout";
		break;
	case 417:
		reason = "Expectation Failed";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		break;
	case 501:
		reason = "Not Implemented";
		break;
	case 505:
		reason = "HTTP Version Not Supported";
		break;
	}
	canned(c->fd, status, reason, code, why, NULL);
	conn_linger(c);
}

static void
worker_spawn(void)
{
	pthread_attr_t a;
	pthread_t t;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, worker_main, NULL) == 0)
		nworkers++;
	else
		log_warn("cannot start an HTTP worker thread");
	pthread_attr_destroy(&a);
}

static void
rebase_one(const char **p, const char *from, const char *to)
{
	if (*p != NULL)
		*p = to + (*p - from);
}

static void
rebase(struct http_head *h, const char *from, const char *to)
{
	rebase_one(&h->method, from, to);
	rebase_one(&h->target, from, to);
	rebase_one(&h->query, from, to);
	for (int i = 0; i < h->nh; i++) {
		rebase_one(&h->h[i].name, from, to);
		rebase_one(&h->h[i].value, from, to);
	}
}

/* Loop thread: the request in c is whole; a worker takes it. */
static void
conn_dispatch(struct hconn *c)
{
	list_del(c);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->state = HC_WORK;
	c->rpos = 0;
	c->body_left = c->head.content_length > 0 ? c->head.content_length :
	    0;
	memset(&c->ch, 0, sizeof c->ch);
	c->ch_done = 0;
	c->continue_sent = 0;
	c->close_after = 0;
	c->next = NULL;
	pthread_mutex_lock(&qlock);
	if (qtail != NULL)
		qtail->next = c;
	else
		qhead = c;
	qtail = c;
	qlen++;
	if (qlen > nidle && nworkers < lim.max_workers)
		worker_spawn();
	pthread_cond_signal(&qcond);
	pthread_mutex_unlock(&qlock);
}

/* Loop thread: looks at what c has buffered; parses a whole head, waits
 * for a small body, hands it over or refuses it. */
static void
conn_progress(struct hconn *c)
{
	const char *why;
	int st;

	if (c->hbuf == NULL) {
		size_t e = http_head_end(c->buf, c->len);
		if (e == 0) {
			if (c->len >= HTTP_MAX_HEAD)
				refuse(c, 431, "request head is larger than "
				    "32 KiB");
			return;
		}
		if ((st = http_parse_head(c->buf, e, &c->head, &why)) != 0) {
			refuse(c, st, why);
			return;
		}
		/* The head moves to its own block, so that buf may grow
		 * under the body without moving what c->head points to. */
		c->head_len = e;
		c->hbuf = xmalloc(e + 1);
		memcpy(c->hbuf, c->buf, e);
		rebase(&c->head, c->buf, c->hbuf);
		memmove(c->buf, c->buf + e, c->len - e);
		c->len -= e;
		if (!c->head.chunked && c->head.content_length > 0 &&
		    c->head.content_length <= PREBUF &&
		    !c->head.expect_continue) {
			c->state = HC_BODY;
			c->deadline = now_s() + lim.body_timeout;
		}
	}
	if (c->state == HC_BODY && (int64_t)c->len < c->head.content_length)
		return;
	conn_dispatch(c);
}

static void
conn_readable(struct hconn *c)
{
	size_t want = c->state == HC_BODY ? (size_t)c->head.content_length :
	    HTTP_MAX_HEAD;
	ssize_t n;

	if (c->state == HC_LINGER) {
		char scratch[4096];
		n = recv(c->fd, scratch, sizeof scratch, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	if (c->len >= want) {
		conn_progress(c);
		return;
	}
	if (c->cap < want) {
		size_t ncap = c->cap ? c->cap * 2 : READ_CHUNK;
		while (ncap < c->len + READ_CHUNK && ncap < want)
			ncap *= 2;
		if (ncap > want)
			ncap = want;
		c->buf = xrealloc(c->buf, ncap + 1);
		c->cap = ncap;
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	if (c->state == HC_IDLE) {
		c->state = HC_HEAD;
		c->deadline = now_s() + lim.header_timeout;
	}
	c->len += (size_t)n;
	conn_progress(c);
}

/* Loop thread: a connection to watch; fresh or back from a worker. -1
 * when it had to be freed. */
static int
conn_arm(struct hconn *c)
{
	struct epoll_event ev;

	c->head_len = 0;
	c->state = c->len > 0 ? HC_HEAD : HC_IDLE;
	c->deadline = now_s() + (c->len > 0 ? lim.header_timeout :
	    lim.idle_timeout);
	list_add(c);
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		list_del(c);
		conn_free(c);
		return -1;
	}
	if (c->len > 0)
		conn_progress(c);
	return 0;
}

static void
accept_one(int lfd)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof sa;
	char addr[INET6_ADDRSTRLEN] = "?";
	struct hconn *c;
	int fd, one = 1;

	if ((fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return;
	if (sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr,
		    addr, sizeof addr);
	else if (sa.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr,
		    addr, sizeof addr);
	/* Full: the oldest waiting connection makes room (sshd's
	 * MaxStartups idea), so a flood can't lock everyone out. */
	if (atomic_load(&nconns) >= lim.max_conns && lhead != NULL)
		conn_close(lhead);
	if (atomic_load(&nconns) >= lim.max_conns) {
		canned(fd, 503, "Service Unavailable", "backend_unavailable",
		    "too many connections", "Retry-After: 1\r\n");
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c = xcalloc(1, sizeof *c);
	c->kind = K_CONN;
	c->fd = fd;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	atomic_fetch_add(&nconns, 1);
	if (addr_count(addr) >= lim.max_per_addr) {
		char msg[160];
		snprintf(msg, sizeof msg, "more than %d connections from %s",
		    lim.max_per_addr, addr);
		canned(fd, 429, "Too Many Requests", "quota_exceeded", msg,
		    "Retry-After: 1\r\n");
		if (conn_arm(c) == 0)
			conn_linger(c);
		return;
	}
	c->ae = addr_ref(addr);
	(void)conn_arm(c);
}

/* Loop thread: connections back from workers. */
static void
take_back(void)
{
	struct hconn *c, *next;
	uint64_t v;

	(void)read(evl.fd, &v, sizeof v);
	pthread_mutex_lock(&qlock);
	c = rhead;
	rhead = NULL;
	pthread_mutex_unlock(&qlock);
	for (; c != NULL; c = next) {
		next = c->next;
		c->next = NULL;
		if (c->close_after)
			conn_free(c);
		else
			(void)conn_arm(c);
	}
}

static void
expire(double now)
{
	struct hconn *c, *next;

	for (c = lhead; c != NULL; c = next) {
		next = c->next;
		if (c->deadline > now)
			continue;
		if (c->state == HC_HEAD || c->state == HC_BODY)
			refuse(c, 408, c->state == HC_HEAD ? "the request head "
			    "took too long" : "the request body took too long");
		else
			conn_close(c);
	}
}

static void *
loop_main(void *arg)
{
	struct epoll_event ev[128];
	double last = 0;

	(void)arg;
	while (!atomic_load(&stopping)) {
		int n = epoll_wait(epfd, ev, 128, 250);
		double now;
		for (int i = 0; i < n; i++) {
			int kind = *(int *)ev[i].data.ptr;
			if (kind == K_LISTEN) {
				int lfd = ((struct listener *)
				    ev[i].data.ptr)->fd;
				for (int k = 0; k < 64; k++)
					accept_one(lfd);
			} else if (kind == K_EVENT)
				take_back();
			else
				conn_readable(ev[i].data.ptr);
		}
		if ((now = now_s()) - last >= 0.25) {
			expire(now);
			last = now;
		}
	}
	while (lhead != NULL)
		conn_close(lhead);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct hconn *c;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&qlock);
		nidle++;
		while (qhead == NULL && !atomic_load(&stopping)) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 30;
			if (pthread_cond_timedwait(&qcond, &qlock, &ts) != 0 &&
			    qhead == NULL && nworkers > lim.min_workers)
				break;
		}
		nidle--;
		if (qhead == NULL) {
			nworkers--;
			pthread_cond_broadcast(&qcond);
			pthread_mutex_unlock(&qlock);
			return NULL;
		}
		c = qhead;
		qlen--;
		if ((qhead = c->next) == NULL)
			qtail = NULL;
		c->next = NULL;
		pthread_mutex_unlock(&qlock);

		handler(c, handler_arg);

		/* Keep-alive only when this request's body is behind us. */
		if (!c->head.chunked && c->body_left > 0 &&
		    (int64_t)(c->len - c->rpos) >= c->body_left) {
			c->rpos += (size_t)c->body_left;
			c->body_left = 0;
		}
		if (!c->head.keep_alive || c->body_left > 0 ||
		    (c->head.chunked && !c->ch_done))
			c->close_after = 1;
		free(c->hbuf);
		c->hbuf = NULL;
		memset(&c->head, 0, sizeof c->head);
		if (!c->close_after) {
			memmove(c->buf, c->buf + c->rpos, c->len - c->rpos);
			c->len -= c->rpos;
			c->rpos = 0;
		}
		pthread_mutex_lock(&qlock);
		if (atomic_load(&stopping)) {
			pthread_mutex_unlock(&qlock);
			conn_free(c);
			continue;
		}
		c->next = rhead;
		rhead = c;
		pthread_mutex_unlock(&qlock);
		{
			uint64_t one = 1;
			(void)write(evl.fd, &one, sizeof one);
		}
	}
}

const struct http_head *
hconn_head(const struct hconn *c)
{
	return &c->head;
}

const char *
hconn_addr(const struct hconn *c)
{
	return c->addr;
}

int
hconn_fd(const struct hconn *c)
{
	return c->fd;
}

void
hconn_close_after(struct hconn *c)
{
	c->close_after = 1;
}

int
hconn_detach(struct hconn *c, void **rest, size_t *restlen)
{
	int fd = c->fd;
	size_t n = c->len > c->rpos ? c->len - c->rpos : 0;

	*rest = NULL;
	*restlen = n;
	if (n > 0) {
		*rest = xmalloc(n);
		memcpy(*rest, c->buf + c->rpos, n);
	}
	c->rpos = c->len;
	c->fd = -1;		/* conn_free leaves it open */
	c->close_after = 1;
	return fd;
}

int
hconn_count(void)
{
	return atomic_load(&nconns);
}

/* Waits until fd is ready for events, at most secs: 0, or ERR_TIMEOUT. */
static int
wait_fd(int fd, short events, int secs)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	do
		n = poll(&p, 1, secs * 1000);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : ERR_TIMEOUT;
}

int
hconn_write(struct hconn *c, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && wait_fd(c->fd, POLLOUT,
		    lim.send_timeout) == 0)
			continue;
		c->close_after = 1;
		return err_set(ERR_IO, "the client went away or stopped "
		    "reading");
	}
	return 0;
}

void
hconn_continue(struct hconn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (c->head.expect_continue && !c->continue_sent) {
		c->continue_sent = 1;
		(void)hconn_write(c, cont, sizeof cont - 1);
	}
}

/* Reads more raw bytes after what buf holds; >0, or an error. */
static ssize_t
fill(struct hconn *c)
{
	ssize_t n;

	if (c->rpos == c->len)
		c->len = c->rpos = 0;
	if (c->cap - c->len < READ_CHUNK) {
		c->cap = c->len + 16384;
		c->buf = xrealloc(c->buf, c->cap + 1);
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n > 0) {
			c->len += (size_t)n;
			return n;
		}
		if (n == 0) {
			c->close_after = 1;
			return err_set(ERR_IO, "the client closed the "
			    "connection inside the request body");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || wait_fd(c->fd, POLLIN,
		    lim.body_timeout) != 0) {
			c->close_after = 1;
			return err_set(errno == EAGAIN ? ERR_TIMEOUT : ERR_IO,
			    "no request body byte came for %d s",
			    lim.body_timeout);
		}
	}
}

ssize_t
hconn_read(struct hconn *c, void *p, size_t want)
{
	ssize_t n;

	if (want == 0)
		return 0;
	hconn_continue(c);
	if (!c->head.chunked) {
		size_t avail = c->len - c->rpos;
		if (c->body_left == 0)
			return 0;
		if ((int64_t)want > c->body_left)
			want = (size_t)c->body_left;
		if (avail == 0) {
			if ((n = fill(c)) < 0)
				return n;
			avail = c->len - c->rpos;
		}
		if (want > avail)
			want = avail;
		memcpy(p, c->buf + c->rpos, want);
		c->rpos += want;
		c->body_left -= (int64_t)want;
		return (ssize_t)want;
	}
	while (!c->ch_done) {
		size_t raw = c->len - c->rpos, used;
		long o;
		if (raw == 0) {
			if ((n = fill(c)) < 0)
				return n;
			continue;
		}
		if (raw > want)
			raw = want;
		o = http_chunked_decode(&c->ch, c->buf + c->rpos, raw, &used,
		    &c->ch_done);
		if (o < 0) {
			c->close_after = 1;
			return err_set(ERR_INVAL, "malformed chunked request "
			    "body");
		}
		memcpy(p, c->buf + c->rpos, (size_t)o);
		c->rpos += used;
		if (o > 0)
			return o;
	}
	return 0;
}

/* Binds one "host:port", "[v6]:port" or "port". */
static int
listen_one(const char *spec)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	char host[128] = "0.0.0.0";
	const char *port = spec, *colon;
	char *end;
	long pn;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (rb == NULL || rb[1] != ':' || (size_t)(rb - spec) >
		    sizeof host)
			return -1;
		snprintf(host, sizeof host, "%.*s", (int)(rb - spec - 1),
		    spec + 1);
		port = rb + 2;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		if ((size_t)(colon - spec) >= sizeof host)
			return -1;
		snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	pn = strtol(port, &end, 10);
	if (end == port || (*end != '\0' && *end != 's' && *end != 'r') ||
	    pn < 0 || pn > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&sa)->sin_addr)
	    == 1) {
		((struct sockaddr_in *)&sa)->sin_family = AF_INET;
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)pn);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host,
	    &((struct sockaddr_in6 *)&sa)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&sa)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)pn);
		sl = sizeof(struct sockaddr_in6);
	} else
		return -1;
	if ((fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sl) != 0 || listen(fd, 4096)
	    != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
hconn_start(const char *spec, const struct hconn_limits *l, hconn_fn fn,
    void *arg)
{
	struct epoll_event ev;
	struct rlimit rl;
	char *list = xstrdup(spec), *tok, *save = NULL;
	int rc = 0;

	lim = *l;
	handler = fn;
	handler_arg = arg;
	atomic_store(&stopping, 0);
	/* Every connection is a descriptor: take what the system allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && (rlim_t)lim.max_conns + 512 > rl.rlim_cur) {
		lim.max_conns = rl.rlim_cur > 1024 ? (int)rl.rlim_cur - 512 :
		    (int)rl.rlim_cur / 2;
		log_info("HTTP connections capped at %d by the open-file "
		    "limit", lim.max_conns);
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (evl.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		rc = err_set(ERR_IO, "epoll: %s", strerror(errno));
		goto out;
	}
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		int fd;
		while (*tok == ' ')
			tok++;
		errno = EINVAL;
		if (nlisteners >= MAXLISTEN || (fd = listen_one(tok)) == -1) {
			rc = err_set(ERR_IO, "cannot listen on %s: %s", tok,
			    strerror(errno));
			goto out;
		}
		listeners[nlisteners].kind = K_LISTEN;
		listeners[nlisteners].fd = fd;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = &listeners[nlisteners];
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
		nlisteners++;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.ptr = &evl;
	epoll_ctl(epfd, EPOLL_CTL_ADD, evl.fd, &ev);
	pthread_mutex_lock(&qlock);
	for (int i = 0; i < lim.min_workers; i++)
		worker_spawn();
	pthread_mutex_unlock(&qlock);
	if (pthread_create(&loop_thread, NULL, loop_main, NULL) != 0)
		rc = err_set(ERR_IO, "cannot start the HTTP thread");
out:
	free(list);
	if (rc != 0) {
		for (int i = 0; i < nlisteners; i++)
			close(listeners[i].fd);
		nlisteners = 0;
	}
	return rc;
}

void
hconn_stop(void)
{
	uint64_t one = 1;

	if (epfd == -1)
		return;
	atomic_store(&stopping, 1);
	(void)write(evl.fd, &one, sizeof one);
	pthread_join(loop_thread, NULL);
	for (int i = 0; i < nlisteners; i++)
		close(listeners[i].fd);
	nlisteners = 0;
	pthread_mutex_lock(&qlock);
	pthread_cond_broadcast(&qcond);
	for (int i = 0; i < 200 && nworkers > 0; i++) {
		pthread_mutex_unlock(&qlock);
		usleep(10 * 1000);
		pthread_mutex_lock(&qlock);
	}
	while (rhead != NULL) {
		struct hconn *c = rhead;
		rhead = c->next;
		conn_free(c);
	}
	pthread_mutex_unlock(&qlock);
}
