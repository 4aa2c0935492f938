/* test-proxy-head.c: the port proxy's response-head rewriting. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "proxy.h"

static char out[4096];

static const char *
rw(const char *in, int *st)
{
	struct buf *b = buf_new(sizeof out - 1);
	int rc = proxy_rewrite_head(in, strlen(in), "/w/a/ports/8", b, st);

	if (rc == 0)
		snprintf(out, sizeof out, "%.*s", (int)buf_len(b),
		    buf_data(b));
	else
		snprintf(out, sizeof out, "ERR %d", rc);
	buf_free(b);
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
	CHECK_DONE();
}
