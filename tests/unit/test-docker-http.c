/* test-docker-http.c: the engine's HTTP/1.1 client (docker-http.c) and the
 * JSON requests on it (docker-client.c): the response-head parser and the
 * chunked decoder fed in every split, then real exchanges with a scripted
 * engine on a unix socket: lengths, chunks, bodies up to the close,
 * keep-alive reuse, a kept connection the engine closed, timeouts, the
 * size cap, an upgrade with early stream bytes, and a dead socket. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "check.h"
#include "docker-client.h"
#include "docker-http.h"
#include "err.h"
#include "xmalloc.h"

static void
test_head(void)
{
	struct dhttp_head h = { 0 };
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n"
	    "X-Docker-Container-Path-Stat: eyJuYW1lIjoieCJ9\r\n"
	    "Connection: keep-alive\r\n\r\nbody";
	ssize_t n;

	dhttp_head_clear(&h);
	n = dhttp_head_parse(ok, strlen(ok), &h);
	CHECK_EQ_INT(n, strlen(ok) - 4);
	CHECK_EQ_INT(h.status, 200);
	CHECK_EQ_INT(h.clen, 12);
	CHECK_EQ_INT(h.chunked, 0);
	CHECK_EQ_INT(h.close, 0);
	CHECK_EQ_STR(h.path_stat, "eyJuYW1lIjoieCJ9");
	/* Every prefix is "more needed", never an error. */
	for (size_t i = 0; i < strlen(ok) - 4; i++)
		CHECK_EQ_INT(dhttp_head_parse(ok, i, &h), 0);
	/* Chunked wins over a length; bare LF lines; Connection tokens. */
	n = dhttp_head_parse("HTTP/1.1 101 UPGRADED\nContent-Length: 5\n"
	    "Transfer-Encoding: gzip, Chunked\nConnection: Upgrade, close\n\n",
	    200, &h);
	CHECK(n > 0);
	CHECK_EQ_INT(h.status, 101);
	CHECK_EQ_INT(h.chunked, 1);
	CHECK_EQ_INT(h.clen, -1);
	CHECK_EQ_INT(h.upgrade, 1);
	CHECK_EQ_INT(h.close, 1);
	/* HTTP/1.0 closes unless it says keep-alive. */
	CHECK(dhttp_head_parse("HTTP/1.0 204 No Content\r\n\r\n", 27, &h) > 0);
	CHECK_EQ_INT(h.close, 1);
	CHECK(dhttp_head_parse("HTTP/1.0 204 X\r\nConnection: Keep-Alive\r\n"
	    "\r\n", 43, &h) > 0);
	CHECK_EQ_INT(h.close, 0);
	/* Refused: no status line, a bad status, bad or two lengths. */
	CHECK_EQ_INT(dhttp_head_parse("SSH-2.0-x\r\n\r\n", 13, &h),
	    ERR_BACKEND);
	CHECK_EQ_INT(dhttp_head_parse("HTTP/1.1 2x0 OK\r\n\r\n", 19, &h),
	    ERR_BACKEND);
	CHECK_EQ_INT(dhttp_head_parse("HTTP/1.1 200OK\r\n\r\n", 18, &h),
	    ERR_BACKEND);
	CHECK_EQ_INT(dhttp_head_parse("HTTP/1.1 200 OK\r\nContent-Length: "
	    "-1\r\n\r\n", 38, &h), ERR_BACKEND);
	CHECK_EQ_INT(dhttp_head_parse("HTTP/1.1 200 OK\r\nContent-Length: "
	    "99999999999999999999\r\n\r\n", 57, &h), ERR_BACKEND);
	CHECK_EQ_INT(dhttp_head_parse("HTTP/1.1 200 OK\r\nContent-Length: 1"
	    "\r\nContent-Length: 2\r\n\r\n", 56, &h), ERR_BACKEND);
	/* A head that never ends is refused at 64 KiB. */
	{
		size_t big = DHTTP_HEAD_MAX + 100;
		char *p = xmalloc(big);
		memset(p, 'a', big);
		memcpy(p, "HTTP/1.1 200 OK\r\nX: ", 20);
		CHECK_EQ_INT(dhttp_head_parse(p, big, &h), ERR_BACKEND);
		CHECK_EQ_INT(dhttp_head_parse(p, DHTTP_HEAD_MAX - 1, &h), 0);
		free(p);
	}
	dhttp_head_clear(&h);
}

/* Decodes in with pieces of at most step bytes; the payload, or NULL on
 * a framing error. *done: the end was seen. */
static struct buf *
unchunk(const char *in, size_t n, size_t step, int *done)
{
	struct dhttp_chunk c;
	struct buf *b = buf_new(0);
	const uint8_t *out;
	size_t off = 0, ol, k;
	ssize_t used;

	dhttp_chunk_init(&c);
	while (off < n && !dhttp_chunk_done(&c)) {
		k = n - off < step ? n - off : step;
		used = dhttp_chunk_feed(&c, (const uint8_t *)in + off, k,
		    &out, &ol);
		if (used < 0) {
			buf_free(b);
			return NULL;
		}
		if (used == 0) {
			fprintf(stderr, "chunk decoder made no progress\n");
			check_failures++;
			break;
		}
		buf_append(b, out, ol);
		off += (size_t)used;
	}
	*done = dhttp_chunk_done(&c);
	return b;
}

static void
test_chunked(void)
{
	static const char good[] = "5\r\nhello\r\n1;ext=1\r\n \r\n"
	    "10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n";
	static const char *bad[] = { "x\r\n", "5\r\nhelloXX", "\r\n",
	    "1234567890123456\r\n", "5\rX", "0\r\n\rX" };
	struct buf *b;
	int done;

	for (size_t step = 1; step <= sizeof good; step++) {
		b = unchunk(good, sizeof good - 1, step, &done);
		CHECK(b != NULL);
		if (b == NULL)
			continue;
		CHECK_EQ_INT(done, 1);
		CHECK_EQ_INT(buf_len(b), 22);
		CHECK(memcmp(buf_data(b), "hello 0123456789abcdef", 22) == 0);
		buf_free(b);
	}
	/* LF-only framing is tolerated, as the engine's proxies send it. */
	b = unchunk("3\nabc\n0\n\n", 9, 1, &done);
	CHECK(b != NULL && done && buf_len(b) == 3);
	buf_free(b);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		b = unchunk(bad[i], strlen(bad[i]), 1, &done);
		CHECK(b == NULL);
		buf_free(b);
	}
}

/* ---- a scripted engine on a unix socket ---- */

struct fake {
	char		 path[108];
	int		 lfd;
	pthread_t	 th;
	int		 conns;		/* connections accepted */
	int		 requests;
	/* What to do per request, by its number (1-based). */
	const char	*(*answer)(int n, const char *req, int *close_after,
			    int *stall_ms, size_t *len);
};

struct fconn {
	struct fake	*f;
	int		 fd;
};

/* One connection: requests in, scripted answers out. */
static void *
fconn_main(void *arg)
{
	struct fconn *fc = arg;
	struct fake *f = fc->f;
	int fd = fc->fd;
	char *req = xmalloc(65536);
	size_t got = 0;

	free(fc);
	for (;;) {
		ssize_t n;
		char *eoh;
		const char *ans;
		int close_after = 0, stall = 0;
		size_t need, alen = 0;

		/* A head, then a Content-Length body. */
		while ((eoh = memmem(req, got, "\r\n\r\n", 4)) ==
		    NULL) {
			n = read(fd, req + got, 65535 - got);
			if (n <= 0)
				goto out;
			got += (size_t)n;
		}
		req[got] = '\0';
		need = (size_t)(eoh + 4 - req);
		{
			char *cl = strstr(req, "Content-Length: ");
			if (cl != NULL && cl < eoh)
				need += strtoul(cl + 16, NULL, 10);
		}
		while (got < need) {
			n = read(fd, req + got, 65535 - got);
			if (n <= 0)
				goto out;
			got += (size_t)n;
		}
		ans = f->answer(__atomic_add_fetch(&f->requests, 1,
		    __ATOMIC_SEQ_CST), req, &close_after, &stall, &alen);
		if (stall > 0)
			usleep((useconds_t)stall * 1000);
		if (ans != NULL && alen == 0)
			alen = strlen(ans);
		if (ans != NULL && write(fd, ans, alen) < 0)
			break;
		memmove(req, req + need, got - need);
		got -= need;
		if (close_after)
			break;
	}
 out:
	close(fd);
	free(req);
	return NULL;
}

static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	struct fconn *fc;
	pthread_t th;
	int fd;

	while ((fd = accept(f->lfd, NULL, NULL)) != -1) {
		__atomic_add_fetch(&f->conns, 1, __ATOMIC_SEQ_CST);
		fc = xmalloc(sizeof *fc);
		fc->f = f;
		fc->fd = fd;
		pthread_create(&th, NULL, fconn_main, fc);
		pthread_detach(th);
	}
	return NULL;
}

static void
fake_start(struct fake *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(f->path, sizeof f->path, "/tmp/berth-dhttp-%d.sock",
	    (int)getpid());
	unlink(f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	strlcpy_b(sun.sun_path, f->path, sizeof sun.sun_path);
	if (f->lfd == -1 || bind(f->lfd, (struct sockaddr *)&sun,
	    sizeof sun) != 0 || listen(f->lfd, 8) != 0) {
		perror("fake engine");
		exit(1);
	}
	pthread_create(&f->th, NULL, fake_main, f);
}

static void
fake_stop(struct fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	close(f->lfd);
	pthread_join(f->th, NULL);
	unlink(f->path);
}

static const char *
answer_script(int n, const char *req, int *close_after, int *stall_ms,
    size_t *len)
{
	static const char upgrade[] = "HTTP/1.1 101 UPGRADED\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	    "\001\000\000\000\000\000\000\002hi";

	switch (n) {
	case 1:		/* a length */
		return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: 11\r\n\r\n{\"a\":\"one\"}";
	case 2:		/* chunks, same connection */
		return "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n4\r\n{\"a\"\r\n7\r\n:\"two\"}\r\n0\r\n\r\n";
	case 3:		/* an error, then the engine drops the connection */
		*close_after = 1;
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 25\r\n\r\n"
		    "{\"message\":\"no such x\"}\r\n";
	case 4:		/* a body up to the close */
		*close_after = 1;
		return "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1,2,3]";
	case 5:		/* answered, then the kept connection is closed */
		*close_after = 1;
		return "HTTP/1.1 204 No Content\r\n\r\n";
	case 6:		/* too slow */
		*stall_ms = 600;
		*close_after = 1;
		return NULL;
	case 7:		/* too big */
		*close_after = 1;
		return "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n{";
	case 8:		/* garbage */
		*close_after = 1;
		return "SSH-2.0-OpenSSH\r\n\r\n";
	case 9:		/* an upgrade with stream bytes right behind it */
		*len = sizeof upgrade - 1;
		return upgrade;
	default:
		*close_after = 1;
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	}
}

static void
test_exchanges(void)
{
	struct fake f = { .answer = answer_script };
	struct dc *dc;
	struct dconn *c = NULL;
	json_t *j = NULL, *body;
	long st = 0;
	char early[64];
	size_t nearly = 0;
	int fd = -1;

	fake_start(&f);
	dc = dc_new(f.path);
	CHECK(dc != NULL);

	CHECK_EQ_INT(dc_request(dc, "GET", "/one", NULL, 2000, &st, &j,
	    NULL), 0);
	CHECK_EQ_INT(st, 200);
	CHECK_EQ_STR(json_string_value(json_object_get(j, "a")), "one");
	json_decref(j);
	body = json_pack("{s:i}", "x", 1);
	CHECK_EQ_INT(dc_request(dc, "POST", "/two", body, 2000, &st, &j,
	    NULL), 0);
	json_decref(body);
	CHECK_EQ_INT(st, 201);
	CHECK_EQ_STR(json_string_value(json_object_get(j, "a")), "two");
	json_decref(j);
	CHECK_EQ_INT(f.conns, 1);	/* kept alive */

	CHECK_EQ_INT(dc_request(dc, "DELETE", "/three", NULL, 2000, &st, &j,
	    NULL), 0);
	CHECK_EQ_INT(st, 404);
	CHECK_EQ_INT(dc_error(st, j, "gone"), ERR_NOTFOUND);
	CHECK_HAS(err_msg(), "gone (docker: no such x)");
	json_decref(j);

	/* The engine closed the kept connection after answer 3: a new one. */
	CHECK_EQ_INT(dc_request(dc, "GET", "/four", NULL, 2000, &st, &j,
	    NULL), 0);
	CHECK_EQ_INT(st, 200);
	CHECK(json_is_array(j) && json_array_size(j) == 3);
	json_decref(j);
	CHECK_EQ_INT(f.conns, 2);

	CHECK_EQ_INT(dc_request(dc, "POST", "/five", NULL, 2000, &st, NULL,
	    NULL), 0);
	CHECK_EQ_INT(st, 204);
	usleep(50000);			/* the close of 5 arrives */
	/* 6 stalls past the call's time. */
	CHECK_EQ_INT(dc_request(dc, "GET", "/six", NULL, 200, &st, NULL,
	    NULL), ERR_TIMEOUT);
	CHECK_HAS(err_msg(), "did not answer GET /six within 200 ms");
	usleep(600000);
	CHECK_EQ_INT(dc_request(dc, "GET", "/seven", NULL, 2000, &st, NULL,
	    NULL), ERR_TOOBIG);
	CHECK_EQ_INT(dc_request(dc, "GET", "/eight", NULL, 2000, &st, NULL,
	    NULL), ERR_BACKEND);
	CHECK_HAS(err_msg(), "no HTTP status line");

	/* 9: an upgrade hands over the socket with the early bytes. */
	CHECK_EQ_INT(dc_open(dc, "an exec", 4096, 1000, &c), 0);
	CHECK_EQ_INT(dconn_request(c, "POST", "/exec/x/start",
	    "application/json", "Connection: Upgrade\r\nUpgrade: tcp\r\n",
	    "{}", 2), 0);
	CHECK_EQ_INT(dconn_read_head(c, 0, 2000), 0);
	CHECK_EQ_INT(dconn_head(c)->status, 101);
	CHECK_EQ_INT(dconn_hijack(c, &fd, early, sizeof early, &nearly), 0);
	usleep(20000);
	CHECK(fd >= 0);
	/* What the read saw past the head; the rest is on the socket. */
	if (nearly < 10) {
		ssize_t n = read(fd, early + nearly, 10 - nearly);
		if (n > 0)
			nearly += (size_t)n;
	}
	CHECK_EQ_INT(nearly, 10);
	CHECK(memcmp(early + 8, "hi", 2) == 0);
	if (fd >= 0)
		close(fd);
	dconn_free(c);
	dc_free(dc);
	fake_stop(&f);

	/* Nothing listening. */
	dc = dc_new("unix:///nonexistent/berth-http.sock");
	CHECK_EQ_INT(dc_request(dc, "GET", "/_ping", NULL, 1000, &st, NULL,
	    NULL), ERR_BACKEND);
	CHECK_HAS(err_msg(), "docker engine not reachable at "
	    "unix:///nonexistent/berth-http.sock");
	dc_free(dc);
}

/* Many requests from many threads share the pool without mixing answers. */
static const char *
answer_echo(int n, const char *req, int *close_after, int *stall_ms,
    size_t *len)
{
	static __thread char out[256];
	char path[64] = "";

	sscanf(req, "GET /v1.41/%63s", path);
	snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
	    "\r\n\"%s\"", strlen(path) + 2, path);
	*close_after = n % 7 == 0;	/* now and then the engine closes */
	return out;
}

struct worker {
	struct dc	*dc;
	int		 id, bad;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	char path[32], want[32];
	json_t *j;
	long st;

	for (int i = 0; i < 50; i++) {
		j = NULL;
		snprintf(path, sizeof path, "/w%d-%d", w->id, i);
		snprintf(want, sizeof want, "w%d-%d", w->id, i);
		if (dc_request(w->dc, "GET", path, NULL, 5000, &st, NULL,
		    NULL) != 0)
			w->bad++;
		/* The raw body carries the path back. */
		{
			struct buf *raw = NULL;
			if (dc_request(w->dc, "GET", path, NULL, 5000, &st,
			    &j, &raw) != 0 || raw == NULL ||
			    buf_len(raw) != strlen(want) + 2 ||
			    memcmp(buf_data(raw) + 1, want, strlen(want)) != 0)
				w->bad++;
			buf_free(raw);
		}
		json_decref(j);
	}
	return NULL;
}

static void
test_pool_threads(void)
{
	struct fake f = { .answer = answer_echo };
	struct worker w[4];
	pthread_t th[4];
	struct dc *dc;

	fake_start(&f);
	dc = dc_new(f.path);
	for (int i = 0; i < 4; i++) {
		w[i].dc = dc;
		w[i].id = i;
		w[i].bad = 0;
		pthread_create(&th[i], NULL, worker_main, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_INT(w[i].bad, 0);
	}
	CHECK(f.conns < f.requests);	/* connections were reused */
	dc_free(dc);
	fake_stop(&f);
}

int
main(void)
{
	test_head();
	test_chunked();
	test_exchanges();
	test_pool_threads();
	CHECK_DONE();
}
