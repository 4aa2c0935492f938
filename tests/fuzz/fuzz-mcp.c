/* fuzz-mcp.c: berthd's MCP message parser and dispatcher on untrusted
 * bytes (mcp-rpc.c): one message parsed and handled in an initialized
 * session, its tool calls answered by an executor that replies with
 * bytes from the input (any status, JSON or not, cut or not, with a
 * Content-Range size), so the tools' reply shaping (mcp-tools.c,
 * mcp-files.c) sees hostile replies too; plus the find listing parser
 * and base64. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

struct canned {
	const uint8_t	*p;
	size_t		 n;
	unsigned	 status;
};

static int
exec_canned(void *arg, const struct mcp_http *rq, struct mcp_reply *rp)
{
	static const int statuses[] = { 200, 201, 204, 206, 400, 404, 409,
	    416, 500 };
	struct canned *c = arg;

	if (rq->path == NULL || rq->method == NULL)
		abort();
	if (c->status % 17 == 16)
		return -1;	/* berthd unreachable */
	rp->status = statuses[c->status % 9];
	rp->body = xmalloc(c->n + 1);
	if (c->n > 0)	/* c->p is NULL for an empty canned body */
		memcpy(rp->body, c->p, c->n);
	rp->body[c->n] = '\0';
	rp->len = c->n;
	rp->cut = (c->status & 0x20) != 0;
	rp->size = (c->status & 0x40) ? (long long)c->n : -1;
	snprintf(rp->ctype, sizeof rp->ctype, "%s", (c->status & 0x80) ?
	    "application/x-tar" : "application/json");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, '\n', size);
	size_t mlen = sep != NULL ? (size_t)(sep - data) : size;
	struct canned c;
	struct mcp m;
	json_t *msg = NULL, *resp = NULL;
	unsigned char *dec = NULL;
	size_t declen;

	/* The message is the first line; the replies are the rest. */
	memset(&c, 0, sizeof c);
	if (sep != NULL) {
		c.p = sep + 1;
		c.n = size - mlen - 1;
		c.status = c.n > 0 ? c.p[0] : 0;
	}
	memset(&m, 0, sizeof m);
	m.exec = exec_canned;
	m.arg = &c;
	snprintf(m.version, sizeof m.version, "2025-06-18");
	if (mcp_parse((const char *)data, mlen, &msg, &resp) == 0) {
		if (resp != NULL)
			abort();
		resp = mcp_handle(&m, msg);
		if (resp != NULL && mcp_is_request(msg) &&
		    json_object_get(resp, "id") == NULL)
			abort();
	} else if (resp == NULL)
		abort();
	json_decref(msg);
	json_decref(resp);
	json_decref(mcp_listing("/p", data, size));
	if (mcp_b64_decode((const char *)data, size, &dec, &declen) == 0) {
		char *enc = mcp_b64_encode(dec, declen);
		free(enc);
	}
	free(dec);
	return 0;
}
