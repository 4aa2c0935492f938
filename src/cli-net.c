/* cli-net.c: a minimal HTTP/1.1 client over TCP for http:// API URLs:
 * one request per connection (Connection: close), streamed bodies, every
 * wait bounded by poll(2). */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli-net.h"
#include "xmalloc.h"

#define NET_CHUNK	(64 * 1024)
#define NET_TICK_MS	100

struct net_conn {
	struct net_req	*r;
	int		 fd;
	int64_t		 deadline;	/* ms, monotonic; 0: none */
	int64_t		 up, down, downtotal;
	char		 in[NET_CHUNK];
	size_t		 inlen;		/* unread bytes in in[] */
	size_t		 inoff;
};

static int64_t
net_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
net_handles(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0;
}

/* Waits for events on the socket, ticking; NET_ERR_TIMEOUT past the
 * deadline. */
static int
net_wait(struct net_conn *c, short ev, int64_t deadline)
{
	struct pollfd p;
	int ms, n;

	for (;;) {
		int64_t now = net_ms();

		if (deadline != 0 && now >= deadline)
			return NET_ERR_TIMEOUT;
		ms = c->r->tick != NULL ? NET_TICK_MS : -1;
		if (deadline != 0 && (ms < 0 || deadline - now < ms))
			ms = (int)(deadline - now);
		p.fd = c->fd;
		p.events = ev;
		p.revents = 0;
		n = poll(&p, 1, ms);
		if (c->r->tick != NULL)
			c->r->tick(c->r->arg, c->downtotal, c->down,
			    c->r->upload_len, c->up);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->r->oserr = errno;
			return NET_ERR_IO;
		}
		if (n > 0)
			return 0;
	}
}

static int
net_connect(struct net_conn *c, const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t deadline;
	int r = NET_ERR_CONNECT, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		return NET_ERR_RESOLVE;
	deadline = c->r->connect_timeout_s > 0 ? net_ms() +
	    c->r->connect_timeout_s * 1000 : 0;
	if (c->deadline != 0 && (deadline == 0 || c->deadline < deadline))
		deadline = c->deadline;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int err = 0;
		socklen_t len = sizeof err;

		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (c->fd < 0) {
			c->r->oserr = errno;
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				c->r->oserr = errno;
				goto next;
			}
			if ((r = net_wait(c, POLLOUT, deadline)) != 0) {
				if (r == NET_ERR_TIMEOUT)
					break;
				goto next;
			}
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) != 0 || err != 0) {
				c->r->oserr = err != 0 ? err : errno;
				r = NET_ERR_CONNECT;
				goto next;
			}
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		freeaddrinfo(res);
		return 0;
next:
		close(c->fd);
		c->fd = -1;
		r = NET_ERR_CONNECT;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	return r;
}

static int
net_send(struct net_conn *c, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		int r;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = net_wait(c, POLLOUT, c->deadline)) != 0)
				return r;
			continue;
		}
		c->r->oserr = errno;
		return NET_ERR_IO;
	}
	return 0;
}

/* Fills in[] when empty; 0 with inlen == 0 at EOF. */
static int
net_fill(struct net_conn *c)
{
	ssize_t n;
	int r;

	if (c->inoff < c->inlen)
		return 0;
	c->inoff = c->inlen = 0;
	for (;;) {
		n = recv(c->fd, c->in, sizeof c->in, 0);
		if (n >= 0) {
			c->inlen = (size_t)n;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((r = net_wait(c, POLLIN, c->deadline)) != 0)
				return r;
			continue;
		}
		c->r->oserr = errno;
		return NET_ERR_IO;
	}
}

/* A header or chunk-size line, without its line end. */
struct net_line {
	char	d[8192];
	size_t	len;
};

/* Reads one line (CRLF or LF); NET_ERR_PROTO when it is too long. */
static int
net_line(struct net_conn *c, struct net_line *l)
{
	int r;

	l->len = 0;
	for (;;) {
		char *nl;
		size_t n;

		if ((r = net_fill(c)) != 0)
			return r;
		if (c->inlen == 0)
			return NET_ERR_IO;
		nl = memchr(c->in + c->inoff, '\n', c->inlen - c->inoff);
		n = nl != NULL ? (size_t)(nl - (c->in + c->inoff)) + 1 :
		    c->inlen - c->inoff;
		if (l->len + n >= sizeof l->d)
			return NET_ERR_PROTO;
		memcpy(l->d + l->len, c->in + c->inoff, n);
		l->len += n;
		c->inoff += n;
		if (nl != NULL)
			break;
	}
	while (l->len > 0 && (l->d[l->len - 1] == '\n' ||
	    l->d[l->len - 1] == '\r'))
		l->len--;
	l->d[l->len] = '\0';
	return 0;
}

/* Passes up to want bytes (or all until EOF when want < 0) to on_body. */
static int
net_body(struct net_conn *c, int64_t want)
{
	int r;

	while (want != 0) {
		size_t n;

		if ((r = net_fill(c)) != 0)
			return r;
		if (c->inlen == 0)
			return want < 0 ? 0 : NET_ERR_IO;
		n = c->inlen - c->inoff;
		if (want > 0 && (int64_t)n > want)
			n = (size_t)want;
		c->down += (int64_t)n;
		if (c->r->on_body != NULL && c->r->on_body(c->in + c->inoff,
		    1, n, c->r->arg) != n)
			return NET_ERR_ABORT;
		c->inoff += n;
		if (want > 0)
			want -= (int64_t)n;
	}
	return 0;
}

static int
net_chunked(struct net_conn *c, struct net_line *line)
{
	int r;

	for (;;) {
		char *end;
		unsigned long long n;

		if ((r = net_line(c, line)) != 0)
			return r;
		n = strtoull(line->d, &end, 16);
		if (end == line->d)
			return NET_ERR_PROTO;
		if (n == 0)
			break;
		if ((r = net_body(c, (int64_t)n)) != 0)
			return r;
		if ((r = net_line(c, line)) != 0)
			return r;
	}
	/* trailers up to the blank line */
	do {
		if ((r = net_line(c, line)) != 0)
			return r;
	} while (line->len > 0);
	return 0;
}

/* Sends the body from readfn, chunked when the length is unknown. */
static int
net_upload(struct net_conn *c)
{
	char *chunk = xmalloc(NET_CHUNK + 32);
	int chunked = c->r->upload_len < 0, r = 0;

	for (;;) {
		size_t n = c->r->readfn(chunk + 16, 1, NET_CHUNK,
		    c->r->readarg);
		if (n > NET_CHUNK) {
			r = NET_ERR_ABORT;
			break;
		}
		if (n == 0) {
			if (chunked)
				r = net_send(c, "0\r\n\r\n", 5);
			break;
		}
		if (chunked) {
			char h[16];
			int hl = snprintf(h, sizeof h, "%zx\r\n", n);
			memcpy(chunk + 16 - hl, h, (size_t)hl);
			memcpy(chunk + 16 + n, "\r\n", 2);
			r = net_send(c, chunk + 16 - hl, (size_t)hl + n + 2);
		} else
			r = net_send(c, chunk + 16, n);
		if (r != 0)
			break;
		c->up += (int64_t)n;
	}
	free(chunk);
	return r;
}

int
net_perform(struct net_req *rq)
{
	struct net_conn c;
	struct buf *req = buf_new(0);
	struct net_line *line = xmalloc(sizeof *line);
	char *host = NULL, *port = NULL, ctype[128];
	const char *u = rq->url + 7, *slash, *path;
	int64_t clen = -1;
	int chunked = 0, r, head_only;

	memset(&c, 0, sizeof c);
	c.r = rq;
	c.fd = -1;
	rq->oserr = 0;
	rq->sent = 0;
	rq->status = 0;
	if (rq->timeout_s > 0)
		c.deadline = net_ms() + rq->timeout_s * 1000;
	if (!net_handles(rq->url)) {
		r = NET_ERR_URL;
		goto out;
	}
	slash = strchr(u, '/');
	path = slash != NULL ? slash : "/";
	{
		size_t hl = slash != NULL ? (size_t)(slash - u) : strlen(u);
		char *hp = xstrndup(u, hl), *colon;

		if (hp[0] == '[' && (colon = strchr(hp, ']')) != NULL) {
			host = xstrndup(hp + 1, (size_t)(colon - hp - 1));
			port = xstrdup(colon[1] == ':' ? colon + 2 : "80");
		} else if ((colon = strrchr(hp, ':')) != NULL) {
			host = xstrndup(hp, (size_t)(colon - hp));
			port = xstrdup(colon + 1);
		} else {
			host = xstrdup(hp);
			port = xstrdup("80");
		}
		buf_appendf(req, "%s %s HTTP/1.1\r\nHost: %s\r\n", rq->method,
		    path, hp);
		free(hp);
		if (*host == '\0' || *port == '\0') {
			r = NET_ERR_URL;
			goto out;
		}
	}
	for (const char *const *h = rq->headers; h != NULL && *h != NULL; h++)
		if (strchr(*h, ':')[1] != '\0')	/* "Expect:" removes */
			buf_appendf(req, "%s\r\n", *h);
	if (rq->readfn != NULL) {
		if (rq->upload_len >= 0)
			buf_appendf(req, "Content-Length: %lld\r\n",
			    (long long)rq->upload_len);
		else
			buf_appendf(req, "Transfer-Encoding: chunked\r\n");
	} else if (rq->body != NULL || strcmp(rq->method, "POST") == 0 ||
	    strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "PATCH") == 0)
		buf_appendf(req, "Content-Length: %zu\r\n", rq->bodylen);
	buf_appendf(req, "Connection: close\r\n\r\n");
	if (rq->trace != NULL)
		rq->trace(rq->arg, '>', buf_data(req), buf_len(req));

	if ((r = net_connect(&c, host, port)) != 0)
		goto out;
	if ((r = net_send(&c, buf_data(req), buf_len(req))) == 0) {
		if (rq->readfn != NULL)
			r = net_upload(&c);
		else if (rq->bodylen > 0)
			r = net_send(&c, rq->body, rq->bodylen);
	}
	/* a server may answer (and close) before taking the whole body:
	 * read its reply anyway */
	if (r == 0)
		rq->sent = 1;
	else if (r != NET_ERR_IO)
		goto out;

	/* the status line; 1xx replies are skipped */
	for (;;) {
		int maj, min;

		if ((r = net_line(&c, line)) != 0)
			goto out;
		if (sscanf(line->d, "HTTP/%d.%d %ld", &maj, &min,
		    &rq->status) != 3 || maj != 1) {
			r = NET_ERR_PROTO;
			goto out;
		}
		if (rq->trace != NULL)
			rq->trace(rq->arg, '<', line->d, line->len);
		ctype[0] = '\0';
		for (;;) {
			const char *l, *v;

			if ((r = net_line(&c, line)) != 0)
				goto out;
			if (line->len == 0)
				break;
			l = line->d;
			if (rq->trace != NULL)
				rq->trace(rq->arg, '<', l, line->len);
			if (rq->on_header != NULL)
				rq->on_header(rq->arg, l);
			if ((v = strchr(l, ':')) == NULL)
				continue;
			for (v++; *v == ' ' || *v == '\t'; v++)
				;
			if (strncasecmp(l, "content-length:", 15) == 0)
				clen = strtoll(v, NULL, 10);
			else if (strncasecmp(l, "transfer-encoding:", 18) == 0)
				chunked = strcasestr(v, "chunked") != NULL;
			else if (strncasecmp(l, "content-type:", 13) == 0)
				snprintf(ctype, sizeof ctype, "%s", v);
		}
		if (rq->status >= 200 || rq->status == 101)
			break;
		clen = -1;
		chunked = 0;
	}
	c.downtotal = clen > 0 ? clen : 0;
	if (rq->on_head != NULL)
		rq->on_head(rq->arg, rq->status, ctype);
	head_only = strcmp(rq->method, "HEAD") == 0 || rq->status == 204 ||
	    rq->status == 304;
	if (head_only)
		r = 0;
	else if (chunked)
		r = net_chunked(&c, line);
	else
		r = net_body(&c, clen);
out:
	if (c.fd >= 0)
		close(c.fd);
	buf_free(req);
	free(line);
	free(host);
	free(port);
	return r;
}
