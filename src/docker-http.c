/* docker-http.c: HTTP/1.1 to the engine over its unix socket (see
 * docker-http.h): a pure response-head parser, a pure chunked decoder,
 * and connections that send requests and read answers in bounded memory
 * with a timeout on every wait. Sockets are non-blocking and waited on
 * with poll, so no call blocks past its deadline. Any thread; one struct
 * dconn per thread at a time. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent-link.h"
#include "buf.h"
#include "docker-http.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

#define DHTTP_SEND_MS	300000	/* one send may wait this long */
#define DHTTP_TRAILER_MAX (64 * 1024)

/* ---- the response head ---- */

void
dhttp_head_clear(struct dhttp_head *h)
{
	free(h->path_stat);
	memset(h, 0, sizeof *h);
	h->clen = -1;
}

/* 1 when the header line's name (up to the colon) is name. */
static int
hdr_is(const char *line, size_t nlen, const char *name)
{
	return strlen(name) == nlen && strncasecmp(line, name, nlen) == 0;
}

/* 1 when the comma-separated value v[0..n) holds token tok. */
static int
has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

static int
head_bad(const char *why)
{
	return err_set(ERR_BACKEND, "docker engine sent a bad answer head: "
	    "%s", why);
}

/* One header line (no line end). */
static int
head_field(struct dhttp_head *h, const char *line, size_t len, int *ka)
{
	const char *colon = memchr(line, ':', len), *v;
	size_t nlen, vlen;
	int64_t n = 0;

	if (colon == NULL)
		return 0;		/* tolerated, as before */
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (hdr_is(line, nlen, "Content-Length")) {
		if (vlen == 0 || vlen > 18)
			return head_bad("Content-Length");
		for (size_t i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return head_bad("Content-Length");
			n = n * 10 + (v[i] - '0');
		}
		if (h->clen >= 0 && h->clen != n)
			return head_bad("two Content-Lengths");
		h->clen = n;
	} else if (hdr_is(line, nlen, "Transfer-Encoding")) {
		if (has_token(v, vlen, "chunked"))
			h->chunked = 1;
	} else if (hdr_is(line, nlen, "Connection")) {
		if (has_token(v, vlen, "close"))
			h->close = 1;
		if (has_token(v, vlen, "upgrade"))
			h->upgrade = 1;
		if (has_token(v, vlen, "keep-alive"))
			*ka = 1;
	} else if (hdr_is(line, nlen, "X-Docker-Container-Path-Stat")) {
		free(h->path_stat);
		h->path_stat = xstrndup(v, vlen);
	}
	return 0;
}

ssize_t
dhttp_head_parse(const char *p, size_t n, struct dhttp_head *h)
{
	const char *nl;
	size_t off = 0, len;
	int first = 1, ka = 0, r;

	dhttp_head_clear(h);
	if (n > DHTTP_HEAD_MAX)
		n = DHTTP_HEAD_MAX;
	for (;;) {
		if ((nl = memchr(p + off, '\n', n - off)) == NULL)
			break;
		len = (size_t)(nl - (p + off));
		if (len > 0 && p[off + len - 1] == '\r')
			len--;
		if (first) {
			const char *l = p + off;
			if (len < 12 || strncmp(l, "HTTP/1.", 7) != 0 ||
			    l[7] < '0' || l[7] > '9' || l[8] != ' ' ||
			    l[9] < '1' || l[9] > '5' || l[10] < '0' ||
			    l[10] > '9' || l[11] < '0' || l[11] > '9' ||
			    (len > 12 && l[12] != ' ')) {
				r = head_bad("no HTTP status line");
				goto fail;
			}
			h->minor = l[7] - '0';
			h->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 +
			    (l[11] - '0');
			first = 0;
		} else if (len == 0) {
			if (h->chunked)
				h->clen = -1;
			if (h->minor == 0 && !ka)
				h->close = 1;
			return (ssize_t)(nl - p) + 1;
		} else if ((r = head_field(h, p + off, len, &ka)) != 0)
			goto fail;
		off = (size_t)(nl - p) + 1;
	}
	if (n == DHTTP_HEAD_MAX) {
		r = head_bad("longer than 64 KiB");
		goto fail;
	}
	dhttp_head_clear(h);
	return 0;
 fail:
	dhttp_head_clear(h);
	return r;
}

/* ---- chunked bodies ---- */

enum {
	CS_SIZE, CS_EXT, CS_SIZE_LF, CS_DATA, CS_DATA_CR, CS_DATA_LF,
	CS_TRAILER, CS_TRAILER_LINE, CS_TRAILER_LF, CS_DONE, CS_BROKEN
};

void
dhttp_chunk_init(struct dhttp_chunk *c)
{
	memset(c, 0, sizeof *c);
	c->state = CS_SIZE;
}

int
dhttp_chunk_done(const struct dhttp_chunk *c)
{
	return c->state == CS_DONE;
}

static ssize_t
chunk_bad(struct dhttp_chunk *c)
{
	c->state = CS_BROKEN;
	return err_set(ERR_BACKEND, "docker engine sent a bad chunk");
}

/* The size line ended. */
static void
chunk_sized(struct dhttp_chunk *c)
{
	c->state = c->left == 0 ? CS_TRAILER : CS_DATA;
	c->digits = 0;
}

ssize_t
dhttp_chunk_feed(struct dhttp_chunk *c, const uint8_t *in, size_t n,
    const uint8_t **out, size_t *outlen)
{
	size_t used = 0, k;
	int x;

	*out = NULL;
	*outlen = 0;
	while (used < n) {
		uint8_t ch = in[used];

		switch (c->state) {
		case CS_SIZE:
			if (ch >= '0' && ch <= '9')
				x = ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				x = ch - 'a' + 10;
			else if (ch >= 'A' && ch <= 'F')
				x = ch - 'A' + 10;
			else
				x = -1;
			if (x >= 0) {
				if (++c->digits > 15)
					return chunk_bad(c);
				c->left = c->left << 4 | (uint64_t)x;
			} else if (c->digits == 0)
				return chunk_bad(c);
			else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CS_EXT;
				c->digits = 0;
			} else if (ch == '\r')
				c->state = CS_SIZE_LF;
			else if (ch == '\n')
				chunk_sized(c);
			else
				return chunk_bad(c);
			break;
		case CS_EXT:
			if (ch == '\n')
				chunk_sized(c);
			else if (++c->digits > 4096)
				return chunk_bad(c);
			break;
		case CS_SIZE_LF:
			if (ch != '\n')
				return chunk_bad(c);
			chunk_sized(c);
			break;
		case CS_DATA:
			k = n - used;
			if ((uint64_t)k > c->left)
				k = (size_t)c->left;
			c->left -= k;
			if (c->left == 0)
				c->state = CS_DATA_CR;
			*out = in + used;
			*outlen = k;
			return (ssize_t)(used + k);
		case CS_DATA_CR:
			if (ch == '\r')
				c->state = CS_DATA_LF;
			else if (ch == '\n')
				c->state = CS_SIZE;
			else
				return chunk_bad(c);
			break;
		case CS_DATA_LF:
			if (ch != '\n')
				return chunk_bad(c);
			c->state = CS_SIZE;
			break;
		case CS_TRAILER:
			if (ch == '\r')
				c->state = CS_TRAILER_LF;
			else if (ch == '\n')
				c->state = CS_DONE;
			else
				c->state = CS_TRAILER_LINE;
			break;
		case CS_TRAILER_LINE:
			if (ch == '\n')
				c->state = CS_TRAILER;
			else if (++c->digits > DHTTP_TRAILER_MAX)
				return chunk_bad(c);
			break;
		case CS_TRAILER_LF:
			if (ch != '\n')
				return chunk_bad(c);
			c->state = CS_DONE;
			break;
		case CS_DONE:
			return (ssize_t)used;
		default:
			return err_set(ERR_BACKEND, "docker engine sent a bad "
			    "chunk");
		}
		used++;
	}
	return (ssize_t)used;
}

/* ---- connections ---- */

struct dconn {
	int			 fd;
	char			*what;
	char			*host;
	uint8_t			*rbuf;
	size_t			 rcap, roff, rlen;
	size_t			 received;
	struct dhttp_head	 head;
	int			 have_head;
	int			 pending;	/* an answer is due or unread */
	int			 broken;
	int			 req_chunked;
	struct dhttp_chunk	 ch;
	int64_t			 left;		/* -1: up to the close */
	int			 body_eof;
};

int
dconn_open(const char *sock, const char *host, const char *what, size_t rbuf,
    int connect_ms, struct dconn **cp)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	struct dconn *c;
	socklen_t sl;
	int fd, r, soerr = 0;

	*cp = NULL;
	if (strncmp(sock, AGENT_URL_PREFIX, strlen(AGENT_URL_PREFIX)) == 0) {
		/* A cluster node's engine, through its berth agent. */
		if ((r = agent_dial(sock + strlen(AGENT_URL_PREFIX),
		    "engine", connect_ms, &fd)) != 0)
			return r;
		goto connected;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy_b(sun.sun_path, sock, sizeof sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	r = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	if (r == -1 && (errno == EINPROGRESS || errno == EAGAIN)) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, connect_ms);
		if (r == 0) {
			close(fd);
			return err_set(ERR_TIMEOUT, "docker engine not "
			    "reachable at %s: connect timed out", host);
		}
		sl = sizeof soerr;
		if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) == 0 && soerr == 0)
			r = 0;
		else {
			errno = soerr ? soerr : errno;
			r = -1;
		}
	}
	if (r == -1) {
		int e = errno;
		close(fd);
		return err_set(ERR_BACKEND, "docker engine not reachable at "
		    "%s: %s (is dockerd running?)", host, strerror(e));
	}
connected:
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->what = xstrdup(what);
	c->host = xstrdup(host);
	c->rcap = rbuf < 4096 ? 4096 : rbuf;
	c->rbuf = xmalloc(c->rcap);
	c->left = -1;
	c->head.clen = -1;
	*cp = c;
	return 0;
}

void
dconn_free(struct dconn *c)
{
	if (c == NULL)
		return;
	if (c->fd != -1)
		close(c->fd);
	dhttp_head_clear(&c->head);
	free(c->rbuf);
	free(c->what);
	free(c->host);
	free(c);
}

void
dconn_set_what(struct dconn *c, const char *what)
{
	free(c->what);
	c->what = xstrdup(what);
}

int
dconn_reusable(struct dconn *c)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };

	if (c->fd == -1 || c->broken || c->pending || c->head.close ||
	    c->roff != c->rlen)
		return 0;
	/* Readable while idle: the engine closed it (or sent junk). */
	return poll(&pfd, 1, 0) == 0;
}

size_t
dconn_received(const struct dconn *c)
{
	return c->received;
}

const struct dhttp_head *
dconn_head(const struct dconn *c)
{
	return &c->head;
}

int
dconn_body_done(const struct dconn *c)
{
	return c->body_eof;
}

int
dconn_send(struct dconn *c, const struct iovec *iov0, int iovcnt)
{
	struct iovec iov[8];
	struct pollfd pfd = { c->fd, POLLOUT, 0 };
	int64_t deadline = mono_ms() + DHTTP_SEND_MS;
	struct msghdr mh;
	ssize_t w;
	int n = 0;

	if (c->broken)
		return err_set(ERR_BACKEND, "the connection to the docker "
		    "engine for %s broke earlier", c->what);
	for (int i = 0; i < iovcnt && n < 8; i++)
		if (iov0[i].iov_len > 0)
			iov[n++] = iov0[i];
	while (n > 0) {
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN) {
			int left = (int)(deadline - mono_ms());
			if (left <= 0) {
				c->broken = 1;
				return err_set(ERR_TIMEOUT, "docker engine "
				    "stopped reading %s", c->what);
			}
			poll(&pfd, 1, left);
			continue;
		}
		if (w == -1) {
			c->broken = 1;
			return err_set(ERR_BACKEND, "docker engine closed %s: "
			    "%s", c->what, strerror(errno));
		}
		while (n > 0 && (size_t)w >= iov[0].iov_len) {
			w -= (ssize_t)iov[0].iov_len;
			memmove(iov, iov + 1, (size_t)(n - 1) * sizeof *iov);
			n--;
		}
		if (n > 0) {
			iov[0].iov_base = (char *)iov[0].iov_base + w;
			iov[0].iov_len -= (size_t)w;
		}
	}
	return 0;
}

int
dconn_request(struct dconn *c, const char *method, const char *path,
    const char *ctype, const char *extra, const void *body, int64_t body_len)
{
	struct buf *b = buf_new(0);
	struct iovec iov[2];
	int r;

	buf_appendf(b, "%s " DHTTP_API_PREFIX "%s HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: berthd\r\n", method, path);
	if (ctype != NULL)
		buf_appendf(b, "Content-Type: %s\r\n", ctype);
	if (extra != NULL)
		buf_appendf(b, "%s", extra);
	c->req_chunked = body_len == -2;
	if (c->req_chunked)
		buf_appendf(b, "Transfer-Encoding: chunked\r\n");
	else if (body_len >= 0)
		buf_appendf(b, "Content-Length: %" PRId64 "\r\n", body_len);
	buf_appendf(b, "\r\n");
	dhttp_head_clear(&c->head);
	c->have_head = 0;
	c->body_eof = 0;
	c->received = 0;
	c->pending = 1;
	iov[0].iov_base = (void *)buf_data(b);
	iov[0].iov_len = buf_len(b);
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = body != NULL && body_len > 0 ? (size_t)body_len : 0;
	r = dconn_send(c, iov, 2);
	buf_free(b);
	return r;
}

int
dconn_send_chunk(struct dconn *c, const void *p, size_t n)
{
	char head[24];
	struct iovec iov[3];

	if (n == 0)
		return dconn_send(c, &(struct iovec){ "0\r\n\r\n", 5 }, 1);
	snprintf(head, sizeof head, "%zx\r\n", n);
	iov[0].iov_base = head;
	iov[0].iov_len = strlen(head);
	iov[1].iov_base = (void *)p;
	iov[1].iov_len = n;
	iov[2].iov_base = "\r\n";
	iov[2].iov_len = 2;
	return dconn_send(c, iov, 3);
}

/* Reads more into rbuf (compacting it, growing it up to a head's size
 * when full). >0, 0 at EOF, ERR_TIMEOUT, ERR_BACKEND. */
static ssize_t
dconn_fill(struct dconn *c, int timeout_ms)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	int64_t deadline = timeout_ms < 0 ? 0 : mono_ms() + timeout_ms;
	ssize_t n;
	int r, left = timeout_ms;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen == c->rcap) {
		if (c->rcap > DHTTP_HEAD_MAX)
			return err_set(ERR_BACKEND, "docker engine sent an "
			    "over-long line in %s", c->what);
		c->rcap *= 2;
		c->rbuf = xrealloc(c->rbuf, c->rcap);
	}
	for (;;) {
		if ((r = poll(&pfd, 1, left)) == -1 && errno == EINTR)
			r = 1;
		if (r == 0)
			return err_set(ERR_TIMEOUT, "docker engine sent "
			    "nothing for %s within %d ms", c->what,
			    timeout_ms);
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen,
		    MSG_DONTWAIT);
		if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
			if (timeout_ms >= 0 &&
			    (left = (int)(deadline - mono_ms())) < 0)
				left = 0;
			continue;
		}
		if (n == -1 && errno == ECONNRESET)
			n = 0;
		if (n == -1) {
			c->broken = 1;
			return err_set(ERR_BACKEND, "docker engine connection "
			    "failed during %s: %s", c->what, strerror(errno));
		}
		c->rlen += (size_t)n;
		c->received += (size_t)n;
		return n;
	}
}

int
dconn_read_head(struct dconn *c, int head_request, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;
	ssize_t n;

	for (;;) {
		n = dhttp_head_parse((char *)c->rbuf + c->roff,
		    c->rlen - c->roff, &c->head);
		if (n < 0) {
			c->broken = 1;
			return (int)n;
		}
		if (n > 0) {
			c->roff += (size_t)n;
			if (c->head.status >= 100 && c->head.status < 200 &&
			    c->head.status != 101)
				continue;	/* 100 Continue and the like */
			break;
		}
		n = dconn_fill(c, (int)(deadline - mono_ms() > 0 ?
		    deadline - mono_ms() : 0));
		if (n == ERR_TIMEOUT)
			return err_set(ERR_TIMEOUT, "docker engine did not "
			    "answer %s in time", c->what);
		if (n < 0)
			return (int)n;
		if (n == 0) {
			c->broken = 1;
			return err_set(ERR_BACKEND, "docker engine closed %s "
			    "%s", c->what, c->received == 0 ? "without an "
			    "answer" : "mid-answer");
		}
	}
	c->have_head = 1;
	c->left = c->head.clen;
	if (c->head.chunked)
		dhttp_chunk_init(&c->ch);
	if (head_request || c->head.status < 200 || c->head.status == 204 ||
	    c->head.status == 304 || (!c->head.chunked && c->head.clen == 0))
		c->body_eof = 1;
	else if (!c->head.chunked && c->head.clen < 0)
		c->head.close = 1;	/* the body ends at the close */
	if (c->body_eof)
		c->pending = 0;
	return 0;
}

ssize_t
dconn_read_body(struct dconn *c, void *out, size_t len, int timeout_ms)
{
	const uint8_t *p;
	size_t n, plen;
	ssize_t f;

	if (!c->have_head)
		return err_set(ERR_INTERNAL, "body read before the head");
	for (;;) {
		if (c->body_eof || len == 0)
			return 0;
		if (c->roff == c->rlen) {
			if ((f = dconn_fill(c, timeout_ms)) < 0)
				return f;
			if (f == 0) {
				if (c->head.chunked || c->left > 0) {
					c->broken = 1;
					return err_set(ERR_BACKEND, "docker "
					    "engine cut %s short", c->what);
				}
				c->body_eof = 1;
				c->pending = 0;
				return 0;
			}
		}
		n = c->rlen - c->roff;
		if (c->head.chunked) {
			f = dhttp_chunk_feed(&c->ch, c->rbuf + c->roff,
			    n < len ? n : len, &p, &plen);
			if (f < 0) {
				c->broken = 1;
				return err_set(ERR_BACKEND, "docker engine "
				    "sent a bad chunk in %s", c->what);
			}
			c->roff += (size_t)f;
			if (dhttp_chunk_done(&c->ch)) {
				c->body_eof = 1;
				c->pending = 0;
			}
			if (plen == 0)
				continue;
			memmove(out, p, plen);
			return (ssize_t)plen;
		}
		if (n > len)
			n = len;
		if (c->left >= 0 && (int64_t)n > c->left)
			n = (size_t)c->left;
		memcpy(out, c->rbuf + c->roff, n);
		c->roff += n;
		if (c->left >= 0 && (c->left -= (int64_t)n) == 0) {
			c->body_eof = 1;
			c->pending = 0;
		}
		return (ssize_t)n;
	}
}

json_t *
dconn_error_body(struct dconn *c, int timeout_ms)
{
	struct buf *b = buf_new(DHTTP_ERRBODY_MAX);
	char chunk[4096];
	json_t *j;
	ssize_t n;

	while ((n = dconn_read_body(c, chunk, sizeof chunk, timeout_ms)) > 0)
		if (buf_append(b, chunk, (size_t)n) != 0) {
			c->broken = 1;
			break;
		}
	j = json_loadb(buf_data(b), buf_len(b), 0, NULL);
	buf_free(b);
	return j;
}

int
dconn_error(struct dconn *c, const char *what)
{
	json_t *j = dconn_error_body(c, 30000);
	int r = dhttp_error(c->head.status, j, what);

	json_decref(j);
	return r;
}

int
dconn_hijack(struct dconn *c, int *fdp, void *early, size_t cap,
    size_t *earlyn)
{
	size_t n = c->rlen - c->roff;
	int fl;

	if (n > cap)
		return err_set(ERR_BACKEND, "docker engine sent too much "
		    "early data for %s", c->what);
	memcpy(early, c->rbuf + c->roff, n);
	*earlyn = n;
	/* Callers of the hijacked stream choose their mode; blocking is
	 * the default. */
	if ((fl = fcntl(c->fd, F_GETFL)) != -1)
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	*fdp = c->fd;
	c->fd = -1;
	c->roff = c->rlen = 0;
	return 0;
}

const char *
dhttp_message(json_t *resp)
{
	const char *m = NULL;

	if (resp != NULL)
		m = json_string_value(json_object_get(resp, "message"));
	return m != NULL ? m : "";
}

int
dhttp_error(long status, json_t *resp, const char *what)
{
	const char *m = dhttp_message(resp);
	int code;

	switch (status) {
	case 400:
		code = ERR_INVAL;
		break;
	case 404:
		code = ERR_NOTFOUND;
		break;
	case 409:
		code = ERR_CONFLICT;
		break;
	default:
		code = ERR_BACKEND;
		break;
	}
	if (what != NULL && *m != '\0')
		return err_set(code, "%s (docker: %s)", what, m);
	if (what != NULL)
		return err_set(code, "%s (docker: HTTP %ld)", what, status);
	if (*m != '\0')
		return err_set(code, "docker: %s", m);
	return err_set(code, "docker engine answered HTTP %ld", status);
}
