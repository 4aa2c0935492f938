/* proxy.h: the port proxy, /w/{id}/ports/{port}/... to an HTTP server
 * inside a workspace (proxy.c: the routes and the relay threads), and the
 * pure rewriting of the server's response head it does (proxy-head.c,
 * fuzzed by tests/fuzz/fuzz-proxy-head.c). Any thread. */
#ifndef BERTH_PROXY_H
#define BERTH_PROXY_H

#include <stddef.h>

struct buf;

#define PROXY_HEAD_MAX	(32 * 1024)	/* a longer response head: 502 */

/* Rewrites one response head in[0..len) (its blank line included) from
 * the server inside for the browser: a Location that is a path on the
 * server gets prefix in front, and unless the status is 101 the
 * Connection and Keep-Alive headers are replaced by "Connection: close"
 * (the proxy closes after each response). Appends the result to out and
 * sets *status. ERR_INVAL for something that is not an HTTP/1.x response
 * head, ERR_TOOBIG when out fills. */
int	proxy_rewrite_head(const char *in, size_t len, const char *prefix,
	    struct buf *out, int *status);

#endif
