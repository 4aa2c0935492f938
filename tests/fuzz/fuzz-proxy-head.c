/* fuzz-proxy-head.c: what a server inside a workspace answers the port
 * proxy: the response head it rewrites (status line, Location under the
 * prefix, Connection dropped, how the body ends). The first byte picks
 * the prefix and the flags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "proxy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "/w/a/ports/80", "/w/x",
	    "", "/w/0123456789abcdef/ports/65535" };
	struct proxy_resp resp;
	struct buf *out;

	if (size < 1)
		return 0;
	out = buf_new(PROXY_HEAD_MAX + 4096);
	if (proxy_rewrite_head((const char *)data + 1, size - 1,
	    prefixes[data[0] % 4], (data[0] >> 2) & 7, out, &resp) == 0) {
		if (resp.status < 100 || resp.status > 599)
			abort();
		if (resp.body < PROXY_BODY_NONE || resp.body >
		    PROXY_BODY_CLOSE || (resp.body == PROXY_BODY_LENGTH &&
		    resp.length < 0))
			abort();
		/* A body to the server's close (or decoded for HTTP/1.0)
		 * can't keep the client. */
		if ((resp.body == PROXY_BODY_CLOSE || resp.dechunk) &&
		    resp.status != 101 && !resp.client_close)
			abort();
		if (buf_len(out) < 4 || memcmp(buf_data(out) + buf_len(out) -
		    4, "\r\n\r\n", 4) != 0)
			abort();
	}
	buf_free(out);
	return 0;
}
