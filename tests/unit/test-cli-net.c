/* test-cli-net.c: the CLI's built-in HTTP/1.1 client against a canned
 * server thread on 127.0.0.1: Content-Length, chunked and close-delimited
 * replies, chunked and sized uploads, 1xx skipping, errors, timeouts. */
#include <sys/socket.h>

#include <netinet/in.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "cli-net.c"

#include "test-cli-util.h"

struct srv {
	int	 lfd;
	int	 port;
	const char *reply;	/* sent after the request is read */
	size_t	 replylen;
	int	 stall;		/* never answer */
	char	 req[1 << 20];	/* what the client sent */
	size_t	 reqlen;
};

/* Reads a request: the head, then a body by Content-Length or chunked
 * (till "0\r\n\r\n"). */
static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	ssize_t n;

	s->reqlen = 0;
	for (;;) {
		char *he;
		n = read(fd, s->req + s->reqlen, sizeof s->req - 1 - s->reqlen);
		if (n <= 0)
			break;
		s->reqlen += (size_t)n;
		s->req[s->reqlen] = '\0';
		if ((he = strstr(s->req, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(s->req, "Content-Length: ");
			size_t hl = (size_t)(he + 4 - s->req);
			if (strcasestr(s->req, "chunked") != NULL) {
				if (strstr(he + 4, "0\r\n\r\n") != NULL)
					break;
			} else if (cl == NULL || s->reqlen - hl >=
			    strtoul(cl + 16, NULL, 10))
				break;
		}
	}
	if (s->stall)
		usleep(1300000);
	else if (s->reply != NULL) {
		if (write(fd, s->reply, s->replylen) < 0)
			perror("write");
	}
	close(fd);
	return NULL;
}

static pthread_t srv_thr;

static void
srv_start(struct srv *s, const char *reply)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s->lfd, (struct sockaddr *)&a, sizeof a);
	listen(s->lfd, 1);
	getsockname(s->lfd, (struct sockaddr *)&a, &al);
	s->port = ntohs(a.sin_port);
	s->reply = reply;
	s->replylen = reply != NULL ? strlen(reply) : 0;
	pthread_create(&srv_thr, NULL, srv_main, s);
}

static void
srv_stop(struct srv *s)
{
	pthread_join(srv_thr, NULL);
	close(s->lfd);
}

struct got {
	long	 status;
	char	 ctype[128];
	char	 body[1 << 16];
	size_t	 len;
	int	 ticks;
	char	 hdrs[512];
};

static void
t_head(void *arg, long st, const char *ct)
{
	struct got *g = arg;

	g->status = st;
	snprintf(g->ctype, sizeof g->ctype, "%s", ct);
}

static size_t
t_body(char *p, size_t sz, size_t n, void *arg)
{
	struct got *g = arg;

	if (g->len + n < sizeof g->body) {
		memcpy(g->body + g->len, p, n);
		g->len += n;
	}
	g->body[g->len] = '\0';
	return n;
}

static void
t_header(void *arg, const char *l)
{
	struct got *g = arg;
	size_t n = strlen(g->hdrs);

	snprintf(g->hdrs + n, sizeof g->hdrs - n, "%s|", l);
}

static void
t_tick(void *arg, int64_t a, int64_t b, int64_t c, int64_t d)
{
	((struct got *)arg)->ticks++;
}

static int
t_run(struct srv *s, struct net_req *rq, struct got *g, const char *path)
{
	char url[128];
	static const char *const hdrs[] = { "Authorization: Bearer k",
	    "Expect:", NULL };

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
	memset(g, 0, sizeof *g);
	rq->url = url;
	if (rq->method == NULL)
		rq->method = "GET";
	rq->headers = hdrs;
	rq->on_head = t_head;
	rq->on_body = t_body;
	rq->on_header = t_header;
	rq->arg = g;
	rq->connect_timeout_s = 2;
	return net_perform(rq);
}

static void
test_replies(void)
{
	struct srv *s = xcalloc(1, sizeof *s);
	struct net_req rq;
	struct got g;

	/* Content-Length, and the request line/headers we send */
	srv_start(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 7\r\n\r\n{\"a\":1}");
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/v1/x?y=1") == NET_OK);
	srv_stop(s);
	CHECK(g.status == 200);
	CHECK_STR(g.ctype, "application/json");
	CHECK_STR(g.body, "{\"a\":1}");
	CHECK_STR(g.hdrs, "Content-Type: application/json|Content-Length: 7|");
	CHECK(strncmp(s->req, "GET /v1/x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:", 39)
	    == 0);
	CHECK(strstr(s->req, "Authorization: Bearer k\r\n") != NULL);
	CHECK(strstr(s->req, "Expect") == NULL);
	CHECK(strstr(s->req, "Connection: close\r\n") != NULL);

	/* chunked, after a 100 Continue */
	srv_start(s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
	    "a;ext=1\r\n, world!!!\r\n0\r\nX-Trailer: 1\r\n\r\n");
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_OK);
	srv_stop(s);
	CHECK(g.status == 404);
	CHECK_STR(g.body, "hello, world!!!");

	/* close-delimited */
	srv_start(s, "HTTP/1.0 200 OK\r\n\r\nto the end");
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_OK);
	srv_stop(s);
	CHECK_STR(g.body, "to the end");

	/* 204: no body read */
	srv_start(s, "HTTP/1.1 204 No Content\r\n\r\n");
	memset(&rq, 0, sizeof rq);
	rq.method = "DELETE";
	CHECK(t_run(s, &rq, &g, "/") == NET_OK);
	srv_stop(s);
	CHECK(g.status == 204 && g.len == 0);

	/* a truncated Content-Length body is an error */
	srv_start(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_ERR_IO);
	srv_stop(s);

	/* garbage is not HTTP */
	srv_start(s, "SSH-2.0-OpenSSH\r\n\r\n");
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_ERR_PROTO);
	srv_stop(s);
	free(s);
}

struct src {
	const char *p;
	size_t	 left;
	size_t	 step;
};

static size_t
t_read(char *p, size_t sz, size_t n, void *arg)
{
	struct src *s = arg;
	size_t k = s->left < s->step ? s->left : s->step;

	if (k > sz * n)
		k = sz * n;
	memcpy(p, s->p, k);
	s->p += k;
	s->left -= k;
	return k;
}

static void
test_uploads(void)
{
	struct srv *s = xcalloc(1, sizeof *s);
	struct net_req rq;
	struct got g;
	struct src src;
	const char *ok = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	char *he;

	/* JSON body with Content-Length */
	srv_start(s, ok);
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.body = "{\"name\":\"x\"}";
	rq.bodylen = strlen(rq.body);
	CHECK(t_run(s, &rq, &g, "/v1/w") == NET_OK);
	srv_stop(s);
	CHECK(g.status == 201);
	CHECK(strstr(s->req, "Content-Length: 12\r\n") != NULL);
	he = strstr(s->req, "\r\n\r\n");
	CHECK(he != NULL && strcmp(he + 4, "{\"name\":\"x\"}") == 0);

	/* unknown length: chunked */
	srv_start(s, ok);
	memset(&rq, 0, sizeof rq);
	src.p = "abcdefghij";
	src.left = 10;
	src.step = 4;
	rq.method = "PUT";
	rq.readfn = t_read;
	rq.readarg = &src;
	rq.upload_len = -1;
	CHECK(t_run(s, &rq, &g, "/f") == NET_OK);
	srv_stop(s);
	CHECK(strstr(s->req, "Transfer-Encoding: chunked\r\n") != NULL);
	he = strstr(s->req, "\r\n\r\n");
	CHECK(he != NULL && strcmp(he + 4,
	    "4\r\nabcd\r\n4\r\nefgh\r\n2\r\nij\r\n0\r\n\r\n") == 0);

	/* known length: raw */
	srv_start(s, ok);
	memset(&rq, 0, sizeof rq);
	src.p = "abcdefghij";
	src.left = 10;
	rq.method = "PUT";
	rq.readfn = t_read;
	rq.readarg = &src;
	rq.upload_len = 10;
	CHECK(t_run(s, &rq, &g, "/f") == NET_OK);
	srv_stop(s);
	CHECK(strstr(s->req, "Content-Length: 10\r\n") != NULL);
	he = strstr(s->req, "\r\n\r\n");
	CHECK(he != NULL && strcmp(he + 4, "abcdefghij") == 0);
	free(s);
}

static void
test_errors(void)
{
	struct srv *s = xcalloc(1, sizeof *s);
	struct net_req rq;
	struct got g;
	int port;

	/* refused: a port that was just closed */
	srv_start(s, "HTTP/1.1 200 OK\r\n\r\n");
	port = s->port;
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_OK);
	srv_stop(s);
	s->port = port;
	memset(&rq, 0, sizeof rq);
	CHECK(t_run(s, &rq, &g, "/") == NET_ERR_CONNECT);
	CHECK(rq.oserr == ECONNREFUSED);

	/* a server that never answers: the total timeout, with ticks */
	s->stall = 1;
	srv_start(s, NULL);
	memset(&rq, 0, sizeof rq);
	rq.timeout_s = 1;
	rq.tick = t_tick;
	CHECK(t_run(s, &rq, &g, "/") == NET_ERR_TIMEOUT);
	CHECK(g.ticks >= 5);
	srv_stop(s);

	memset(&rq, 0, sizeof rq);
	rq.url = "https://127.0.0.1/";
	rq.method = "GET";
	CHECK(net_perform(&rq) == NET_ERR_URL);
	CHECK(net_handles("http://x") && net_handles("HTTP://x") &&
	    !net_handles("https://x"));
	free(s);
}

int
main(void)
{
	test_replies();
	test_uploads();
	test_errors();
	TEST_DONE();
}
