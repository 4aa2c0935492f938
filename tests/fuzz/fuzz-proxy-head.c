/* fuzz-proxy-head.c: what a server inside a workspace answers the port
 * proxy: the response head it rewrites (status line, Location under the
 * prefix, Connection dropped). The first byte picks the prefix. */
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
	struct buf *out;
	int st;

	if (size < 1)
		return 0;
	out = buf_new(PROXY_HEAD_MAX + 4096);
	if (proxy_rewrite_head((const char *)data + 1, size - 1,
	    prefixes[data[0] % 4], out, &st) == 0) {
		if (st < 100 || st > 599)
			abort();
		if (buf_len(out) < 4 || memcmp(buf_data(out) + buf_len(out) -
		    4, "\r\n\r\n", 4) != 0)
			abort();
	}
	buf_free(out);
	return 0;
}
