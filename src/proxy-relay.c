/* proxy-relay.c: the port proxy's response path. A response goes
 * through on the request's worker thread, its head rewritten and its
 * body framed as the server framed it (Content-Length, chunked, or to
 * the server's close), so that the client's connection returns to the
 * HTTP layer for its next request (HTTP/1.1 keep-alive, pipelining
 * included). A WebSocket upgrade leaves the HTTP layer: a relay thread
 * of its own copies both ways until either side ends. Bodies of any
 * size move socket to socket through a pipe with splice(2), never
 * through a buffer of ours; a chunked body is read to find its end.
 * Request threads and the relay threads they start. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activity.h"
#include "app.h"
#include "buf.h"
#include "err.h"
#include "http-parse.h"
#include "http.h"
#include "log.h"
#include "proxy.h"
#include "timeutil.h"
#include "xmalloc.h"

#define RELAY_BUF	(1024 * 1024)	/* per direction, in a pipe */
#define SPLICE_MIN	(64 * 1024)	/* smaller bodies: read and write */
#define IDLE_S		3600		/* the server quiet (long polls) */
#define SEND_S		60	/* a peer not reading (proxy_write_all) */
#define TOUCH_S		1		/* activity, noted this often */

static atomic_int nrelays;

int
proxy_relays(void)
{
	return atomic_load(&nrelays);
}

/* Bytes on their way, and the activity they make. */
struct flow {
	int		 cfd, ufd;
	const char	*ws_id;
	volatile int	*stopping;	/* berthd is stopping: end a stream */
	int		 dechunk;	/* a chunked body goes decoded */
	int64_t		 last_move;	/* mono_ms() */
	int64_t		 last_touch;
};

static void
moved(struct flow *f)
{
	int64_t now = mono_ms();

	f->last_move = now;
	if (now - f->last_touch > TOUCH_S * 1000) {
		ws_activity(f->ws_id, "port-proxy");
		f->last_touch = now;
	}
}

int
proxy_write_all(int fd, const void *buf, size_t n)
{
	struct pollfd pf = { fd, POLLOUT, 0 };
	const char *p = buf;
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
		if (w < 0 && errno == EAGAIN && poll(&pf, 1, SEND_S * 1000) !=
		    1)
			return -1;
	}
	return 0;
}

/* Waits until the server has bytes (1), or returns -1 when the client
 * went away or the server was quiet for IDLE_S. */
static int
wait_server(struct flow *f)
{
	struct pollfd pf[2] = { { f->ufd, POLLIN, 0 }, { f->cfd, 0, 0 } };

	for (;;) {
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			return -1;
		if (pf[0].revents != 0)
			return 1;
		/* Nothing asked of the client's side: an event there is
		 * its hang-up or an error. */
		if (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			return -1;
		if (mono_ms() - f->last_move > IDLE_S * 1000 ||
		    *f->stopping)
			return -1;
	}
}

/* Reads from the server into b until it holds a whole response head:
 * its length, 0 when the server closed first, or -1. */
static ssize_t
read_head(struct flow *f, struct buf *b)
{
	char tmp[16384];
	const char *e;
	ssize_t n;

	for (;;) {
		e = buf_len(b) >= 4 ? memmem(buf_data(b), buf_len(b),
		    "\r\n\r\n", 4) : NULL;
		if (e != NULL)
			return e - buf_data(b) + 4;
		if (wait_server(f) < 0)
			return -1;
		n = recv(f->ufd, tmp, sizeof tmp, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return buf_len(b) == 0 ? 0 : -1;
		if (n < 0 || buf_append(b, tmp, (size_t)n) != 0)
			return -1;
	}
}

/* A body of left bytes (or until the server closes, left -1) from the
 * server to the client through a pipe: 0 when all of it went, -1. */
static int
splice_body(struct flow *f, int64_t left)
{
	struct pollfd pf[2];
	size_t cap, inpipe = 0, want;
	int p[2], rc = -1, n, eof = 0, progress = 0;
	int64_t stuck = mono_ms();
	ssize_t k;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	/* As large as allowed (pipe-max-size), what it is when not. */
	fcntl(p[1], F_SETPIPE_SZ, RELAY_BUF);
	n = fcntl(p[1], F_GETPIPE_SZ);
	cap = n > 0 ? (size_t)n : 65536;
	/* Poll only when the last round moved nothing: a busy transfer
	 * goes splice to splice. */
	while ((left != 0 && !eof) || inpipe > 0) {
		if (!progress) {
			pf[0].fd = f->ufd;
			pf[0].events = inpipe < cap && left != 0 && !eof ?
			    POLLIN : 0;
			pf[1].fd = f->cfd;
			pf[1].events = inpipe > 0 ? POLLOUT : 0;
			if (poll(pf, 2, 1000) < 0 && errno != EINTR)
				goto out;
			if (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL))
				goto out;
		}
		progress = 0;
		if (inpipe < cap && left != 0 && !eof) {
			want = cap - inpipe;
			if (left > 0 && (int64_t)want > left)
				want = (size_t)left;
			k = splice(f->ufd, NULL, p[1], NULL, want,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (k > 0) {
				inpipe += (size_t)k;
				if (left > 0)
					left -= k;
				progress = 1;
			} else if (k == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				/* The server's end: the body's, when it is
				 * framed by the close. */
				if (left > 0 || k < 0)
					goto out;
				eof = 1;
			}
		}
		if (inpipe > 0) {
			k = splice(p[0], NULL, f->cfd, NULL, inpipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (k > 0) {
				inpipe -= (size_t)k;
				stuck = mono_ms();
				moved(f);
				progress = 1;
			} else if (k < 0 && errno != EAGAIN && errno != EINTR)
				goto out;
			else if (mono_ms() - stuck > SEND_S * 1000)
				goto out;
		} else
			stuck = mono_ms();
		if (inpipe == 0 && (mono_ms() - f->last_move > IDLE_S * 1000 ||
		    *f->stopping))
			goto out;
	}
	rc = 0;
out:
	close(p[0]);
	close(p[1]);
	return rc;
}

/* Sends on the part of a chunked body in p[0..n) up to its end: the
 * decoder moves the payload, so it reads a copy, and the client gets
 * the bytes as they came, or (f->dechunk, an HTTP/1.0 client) the
 * payload alone. *used: the bytes of p that belong to the body. 0, or
 * -1 when it is not chunked as it must be or the client is gone. */
static int
chunk_pass(struct flow *f, struct http_chunked *ch, const char *p, size_t n,
    size_t *used, int *done)
{
	char scratch[4096];
	size_t off = 0, k, u;
	long o;

	*done = 0;
	while (off < n && !*done) {
		k = n - off < sizeof scratch ? n - off : sizeof scratch;
		memcpy(scratch, p + off, k);
		if ((o = http_chunked_decode(ch, scratch, k, &u, done)) < 0)
			return -1;
		if (f->dechunk ? proxy_write_all(f->cfd, scratch, (size_t)o) :
		    proxy_write_all(f->cfd, p + off, u))
			return -1;
		off += u;
	}
	*used = off;
	return 0;
}

/* A body of left bytes, -1 until the server closes, or -2 chunked
 * (with ch), from the server to the client through a buffer; what the
 * server sent past its end is counted in *extra. 0 when all of it
 * went, -1. */
static int
copy_body(struct flow *f, int64_t left, struct http_chunked *ch,
    size_t *extra)
{
	char tmp[16384];
	size_t used, want;
	ssize_t n;
	int done = 0;

	while (left != 0 && !done) {
		if (wait_server(f) < 0)
			return -1;
		want = left > 0 && left < (int64_t)sizeof tmp ? (size_t)left :
		    sizeof tmp;
		n = recv(f->ufd, tmp, want, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0 && left == -1)
			return 0;
		if (n <= 0)
			return -1;
		if (left == -2) {
			if (chunk_pass(f, ch, tmp, (size_t)n, &used,
			    &done) != 0)
				return -1;
			*extra += (size_t)n - used;
			moved(f);
			continue;
		}
		if (left > 0)
			left -= n;
		if (proxy_write_all(f->cfd, tmp, (size_t)n) != 0)
			return -1;
		moved(f);
	}
	return 0;
}

/* The body after the head: rest[0..restlen) is what came with the head.
 * 0 when it all went; -1. *extra: bytes the server sent past it. */
static int
relay_body(struct flow *f, const struct proxy_resp *resp, const char *rest,
    size_t restlen, size_t *extra)
{
	struct http_chunked ch;
	int64_t left;
	size_t k;
	int done = 0;

	*extra = 0;
	switch (resp->body) {
	case PROXY_BODY_NONE:
		*extra = restlen;
		return 0;
	case PROXY_BODY_LENGTH:
		k = (int64_t)restlen > resp->length ? (size_t)resp->length :
		    restlen;
		*extra = restlen - k;
		if (proxy_write_all(f->cfd, rest, k) != 0)
			return -1;
		left = resp->length - (int64_t)k;
		if (left >= SPLICE_MIN)
			return splice_body(f, left);
		return copy_body(f, left, NULL, extra);
	case PROXY_BODY_CHUNKED:
		memset(&ch, 0, sizeof ch);
		f->dechunk = resp->dechunk;
		if (chunk_pass(f, &ch, rest, restlen, &k, &done) != 0)
			return -1;
		*extra = restlen - k;
		return done ? 0 : copy_body(f, -2, &ch, extra);
	default:
		if (proxy_write_all(f->cfd, rest, restlen) != 0)
			return -1;
		return splice_body(f, -1);
	}
}

/* One direction of a WebSocket relay, through a pipe. */
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
pipe_step(struct pipe_dir *d, short rev_from, short rev_to, int64_t *n_moved)
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
			*n_moved += n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (d->eof && d->len == 0 && !d->shut) {
		shutdown(d->to, SHUT_WR);
		d->shut = 1;
	}
	return 0;
}

struct relay {
	struct flow	 f;
	char		 ws_id[40];
	char		*to_up;		/* the client's bytes past its head */
	size_t		 to_uplen;
	char		*to_client;	/* the server's past the 101 head */
	size_t		 to_clientlen;
};

static void
relay_free(struct relay *x)
{
	free(x->to_up);
	free(x->to_client);
	free(x);
}

static void *
relay_main(void *arg)
{
	struct relay *x = arg;
	struct flow *f = &x->f;
	struct pipe_dir c2u, u2c;
	struct pollfd pf[2];
	int64_t n_moved = 0;

	c2u.p[0] = c2u.p[1] = u2c.p[0] = u2c.p[1] = -1;
	if (pipe_init(&c2u, f->cfd, f->ufd) != 0 ||
	    pipe_init(&u2c, f->ufd, f->cfd) != 0) {
		log_warn("proxy: no pipe for a relay");
		goto out;
	}
	fcntl(f->cfd, F_SETFL, fcntl(f->cfd, F_GETFL) | O_NONBLOCK);
	if (proxy_write_all(f->ufd, x->to_up, x->to_uplen) != 0 ||
	    proxy_write_all(f->cfd, x->to_client, x->to_clientlen) != 0)
		goto out;
	for (;;) {
		pf[0].fd = f->cfd;
		pf[0].events = (c2u.len < c2u.cap && !c2u.eof ? POLLIN : 0) |
		    (u2c.len > 0 ? POLLOUT : 0);
		pf[1].fd = f->ufd;
		pf[1].events = (u2c.len < u2c.cap && !u2c.eof ? POLLIN : 0) |
		    (c2u.len > 0 ? POLLOUT : 0);
		if (poll(pf, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pipe_step(&c2u, pf[0].revents, pf[1].revents,
		    &n_moved) != 0 || pipe_step(&u2c, pf[1].revents,
		    pf[0].revents, &n_moved) != 0)
			break;
		/* The server is done and everything it said was sent. */
		if (u2c.eof && u2c.len == 0)
			break;
		/* The client left: nobody to send to. */
		if ((pf[0].revents & (POLLERR | POLLNVAL)) ||
		    ((pf[0].revents & POLLHUP) && c2u.eof))
			break;
		if (n_moved > 0) {
			moved(f);
			n_moved = 0;
		} else if (mono_ms() - f->last_move > IDLE_S * 1000)
			break;
	}
out:
	close(f->cfd);
	close(f->ufd);
	pipe_close(&c2u);
	pipe_close(&u2c);
	relay_free(x);
	atomic_fetch_sub(&nrelays, 1);
	return NULL;
}

/* The server accepted the upgrade: the 101 head to the client, then a
 * relay thread for both sockets. */
static int
upgraded(struct req *r, struct flow *f, const struct buf *head,
    const char *rest, size_t restlen)
{
	struct relay *x;
	pthread_attr_t a;
	pthread_t t;
	void *pre = NULL;
	size_t prelen = 0;
	int cfd;

	if (proxy_write_all(f->cfd, buf_data(head), buf_len(head)) != 0)
		return PROXY_CUT;
	req_detach(r, &cfd, &pre, &prelen);
	req_raw_reply(r, 101, 0);
	x = xcalloc(1, sizeof *x);
	x->f = *f;
	x->f.cfd = cfd;
	strlcpy_b(x->ws_id, f->ws_id, sizeof x->ws_id);
	x->f.ws_id = x->ws_id;
	x->to_up = pre;
	x->to_uplen = prelen;
	if (restlen > 0) {
		x->to_client = xmalloc(restlen);
		memcpy(x->to_client, rest, restlen);
		x->to_clientlen = restlen;
	}
	atomic_fetch_add(&nrelays, 1);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&t, &a, relay_main, x) != 0) {
		log_warn("proxy: cannot start a relay thread");
		atomic_fetch_sub(&nrelays, 1);
		close(x->f.cfd);
		close(x->f.ufd);
		relay_free(x);
	}
	pthread_attr_destroy(&a);
	return PROXY_UPGRADED;
}

int
proxy_response(struct req *r, int ufd, const char *prefix,
    const char *ws_id, int upgrade)
{
	struct buf *in = buf_new(PROXY_HEAD_MAX), *out = NULL;
	struct proxy_resp resp;
	struct flow f;
	size_t extra = 0;
	ssize_t hl;
	int flags = 0, sent = 0, rc;

	memset(&f, 0, sizeof f);
	memset(&resp, 0, sizeof resp);
	f.cfd = req_fd(r);
	f.ufd = ufd;
	f.ws_id = ws_id;
	f.stopping = &req_app(r)->stopping;
	f.last_move = f.last_touch = mono_ms();
	if (req_keep_alive(r))
		flags |= PROXY_KEEP;
	if (strcmp(req_method(r), "HEAD") == 0)
		flags |= PROXY_HEAD;
	if (req_http_minor(r) == 0)
		flags |= PROXY_HTTP10;
	for (;;) {
		if ((hl = read_head(&f, in)) <= 0) {
			rc = hl == 0 && !sent ? PROXY_NOTHING : sent ?
			    PROXY_CUT : PROXY_BAD_HEAD;
			goto out;
		}
		buf_free(out);
		out = buf_new(PROXY_HEAD_MAX + 4096);
		if (proxy_rewrite_head(buf_data(in), (size_t)hl, prefix, flags,
		    out, &resp) != 0 || (resp.status == 101 && !upgrade)) {
			rc = sent ? PROXY_CUT : PROXY_BAD_HEAD;
			goto out;
		}
		if (resp.status == 101) {
			rc = upgraded(r, &f, out, buf_data(in) + hl,
			    buf_len(in) - (size_t)hl);
			goto out;
		}
		if (resp.status >= 200)
			break;
		/* An interim 1xx: its final head follows. */
		req_raw_reply(r, resp.status, 1);
		if (proxy_write_all(f.cfd, buf_data(out), buf_len(out)) != 0) {
			rc = PROXY_CUT;
			goto out;
		}
		sent = 1;
		buf_consume(in, (size_t)hl);
	}
	req_raw_reply(r, resp.status, !resp.client_close);
	if (proxy_write_all(f.cfd, buf_data(out), buf_len(out)) != 0 ||
	    relay_body(&f, &resp, buf_data(in) + hl, buf_len(in) - (size_t)hl,
	    &extra) != 0) {
		rc = PROXY_CUT;
		goto out;
	}
	rc = resp.up_close || extra > 0 ? PROXY_DONE_CLOSE : PROXY_DONE;
out:
	/* A cut response can't be followed by another. */
	if (rc == PROXY_CUT)
		req_raw_reply(r, resp.status > 0 ? resp.status : 502, 0);
	buf_free(in);
	buf_free(out);
	return rc;
}
