/* test-proxy-head.c: the port proxy's response-head rewriting. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "proxy.h"

static char out[4096];

static struct proxy_resp resp;

/* The head rewritten with flags (PROXY_KEEP, PROXY_HEAD), resp filled. */
static const char *
rwf(const char *in, int flags)
{
	struct buf *b = buf_new(sizeof out - 1);
	int rc = proxy_rewrite_head(in, strlen(in), "/w/a/ports/8", flags, b,
	    &resp);

	if (rc == 0)
		snprintf(out, sizeof out, "%.*s", (int)buf_len(b),
		    buf_data(b));
	else
		snprintf(out, sizeof out, "ERR %d", rc);
	buf_free(b);
	return out;
}

/* A client connection that closes after the response. */
static const char *
rw(const char *in, int *st)
{
	rwf(in, 0);
	*st = resp.status;
	return out;
}

int
main(void)
{
	int st;

	CHECK_EQ_STR(rw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n", &st),
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\n");
	CHECK_EQ_INT(st, 200);
	/* A path on the server goes under the prefix, once. */
	CHECK_EQ_STR(rw("HTTP/1.0 302 Found\r\nLocation: /tree?x=1\r\n\r\n",
	    &st), "HTTP/1.0 302 Found\r\nLocation: /w/a/ports/8/tree?x=1\r\n"
	    "Connection: close\r\n\r\n");
	CHECK_HAS(rw("HTTP/1.1 302 Found\r\nLocation: /w/a/ports/8/lab\r\n"
	    "\r\n", &st), "Location: /w/a/ports/8/lab\r\n");
	CHECK_HAS(rw("HTTP/1.1 302 Found\r\nlocation:/w/a/ports/80\r\n\r\n",
	    &st), "Location: /w/a/ports/8/w/a/ports/80\r\n");
	/* Another host, or a relative path: left alone. */
	CHECK_HAS(rw("HTTP/1.1 302 Found\r\nLocation: //h/x\r\n\r\n", &st),
	    "Location: //h/x\r\n");
	CHECK_HAS(rw("HTTP/1.1 302 Found\r\nLocation: http://h/x\r\n\r\n",
	    &st), "Location: http://h/x\r\n");
	CHECK_HAS(rw("HTTP/1.1 302 Found\r\nLocation: lab\r\n\r\n", &st),
	    "Location: lab\r\n");
	/* An upgrade keeps its Connection; a 1xx gets no close. */
	CHECK_EQ_STR(rw("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\n\r\n", &st),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\n\r\n");
	CHECK_EQ_INT(st, 101);
	CHECK_EQ_STR(rw("HTTP/1.1 100 Continue\r\n\r\n", &st),
	    "HTTP/1.1 100 Continue\r\n\r\n");
	/* Not a response head. */
	CHECK_HAS(rw("SSH-2.0-x\r\n\r\n", &st), "ERR");
	CHECK_HAS(rw("HTTP/1.1 999 X\r\n\r\n", &st), "ERR");
	CHECK_HAS(rw("HTTP/1.1 200 OK\r\n", &st), "ERR");
	CHECK_HAS(rw("HTTP/1.1 2000 OK\r\n\r\n", &st), "ERR");

	/* Keep-alive: the server's Connection and Keep-Alive dropped, no
	 * close added; the body's framing read. */
	CHECK_EQ_STR(rwf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
	    PROXY_KEEP), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_LENGTH);
	CHECK_EQ_INT((int)resp.length, 2);
	CHECK_EQ_INT(resp.up_close, 0);
	CHECK_EQ_INT(resp.client_close, 0);
	/* Chunked: Content-Length next to it dropped (RFC 9112 6.3). */
	CHECK_EQ_STR(rwf("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
	    "chunked\r\nContent-Length: 9\r\n\r\n", PROXY_KEEP),
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_CHUNKED);
	/* A coding other than chunked last, or no length: to the close. */
	CHECK_HAS(rwf("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    PROXY_KEEP), "Connection: close\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_CLOSE);
	CHECK_EQ_INT(resp.client_close, 1);
	CHECK_HAS(rwf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
	    PROXY_KEEP), "Connection: close\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_CLOSE);
	CHECK_EQ_INT(resp.up_close, 1);
	/* No body: HEAD, 204, 304, whatever the length says. */
	CHECK_EQ_STR(rwf("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
	    PROXY_KEEP | PROXY_HEAD), "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 99\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_NONE);
	rwf("HTTP/1.1 204 No Content\r\n\r\n", PROXY_KEEP);
	CHECK_EQ_INT(resp.body, PROXY_BODY_NONE);
	CHECK_EQ_INT(resp.client_close, 0);
	rwf("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
	    PROXY_KEEP);
	CHECK_EQ_INT(resp.body, PROXY_BODY_NONE);
	/* The server closes: Connection: close, or HTTP/1.0 without
	 * keep-alive. */
	rwf("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n"
	    "\r\n", PROXY_KEEP);
	CHECK_EQ_INT(resp.up_close, 1);
	CHECK_EQ_INT(resp.client_close, 0);
	rwf("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", PROXY_KEEP);
	CHECK_EQ_INT(resp.up_close, 1);
	rwf("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0"
	    "\r\n\r\n", PROXY_KEEP);
	CHECK_EQ_INT(resp.up_close, 0);
	/* Bad or conflicting lengths: not passed on. */
	CHECK_HAS(rwf("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", PROXY_KEEP), "ERR");
	CHECK_HAS(rwf("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    PROXY_KEEP), "ERR");
	CHECK_HAS(rwf("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
	    PROXY_KEEP), "ERR");
	rwf("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length:  7 \r\n"
	    "\r\n", PROXY_KEEP);
	CHECK_EQ_INT((int)resp.length, 7);
	/* An HTTP/1.0 client can't read chunks: decoded, to the close. */
	CHECK_EQ_STR(rwf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "X-A: b\r\n\r\n", PROXY_HTTP10), "HTTP/1.1 200 OK\r\nX-A: b\r\n"
	    "Connection: close\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_CHUNKED);
	CHECK_EQ_INT(resp.dechunk, 1);
	CHECK_EQ_INT(resp.client_close, 1);
	rwf("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", PROXY_HTTP10);
	CHECK_EQ_INT(resp.dechunk, 0);
	/* An interim head: no close, no body. */
	CHECK_EQ_STR(rwf("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
	    0), "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
	CHECK_EQ_INT(resp.body, PROXY_BODY_NONE);
	CHECK_DONE();
}
