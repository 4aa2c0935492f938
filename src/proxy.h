/* proxy.h: the port proxy, /w/{id}/ports/{port}/... to an HTTP server
 * inside a workspace: the routes and the request's way through
 * (proxy.c), the server's side (proxy-up.c: its address, connections to
 * it, idle ones kept for the next request), the response and the
 * WebSocket relay (proxy-relay.c), and the pure rewriting of the
 * server's response head (proxy-head.c, fuzzed by
 * tests/fuzz/fuzz-proxy-head.c). Any thread. */
#ifndef BERTH_PROXY_H
#define BERTH_PROXY_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct req;
struct rt;

#define PROXY_HEAD_MAX	(32 * 1024)	/* a longer response head: 502 */

/* proxy_rewrite_head's flags. */
#define PROXY_KEEP	0x1	/* the client's connection may carry more */
#define PROXY_HEAD	0x2	/* the request was HEAD: no body follows */
#define PROXY_HTTP10	0x4	/* an HTTP/1.0 client: no chunked body */

/* How the response's body ends (RFC 9112 section 6.3). */
enum {
	PROXY_BODY_NONE,	/* HEAD, 1xx, 204, 304 */
	PROXY_BODY_LENGTH,	/* Content-Length bytes */
	PROXY_BODY_CHUNKED,	/* Transfer-Encoding: ..., chunked */
	PROXY_BODY_CLOSE	/* until the server closes */
};

struct proxy_resp {
	int	status;
	int	body;		/* PROXY_BODY_* */
	int64_t	length;		/* PROXY_BODY_LENGTH: its Content-Length */
	int	up_close;	/* the server closes after it (or HTTP/1.0) */
	int	client_close;	/* "Connection: close" went to the client */
	int	dechunk;	/* a chunked body goes to an HTTP/1.0 client
				 * decoded, ended by the close */
};

/* Rewrites one response head in[0..len) (its blank line included) from
 * the server inside for the browser: a Location that is a path on the
 * server gets prefix in front; unless the status is 101, the
 * Connection and Keep-Alive headers are dropped, and for a final
 * response "Connection: close" is added when the client's connection
 * can't carry another response (flags without PROXY_KEEP, or a body
 * that ends only when the server closes). A Content-Length next to a
 * Transfer-Encoding is dropped. For an HTTP/1.0 client (PROXY_HTTP10),
 * which can't read chunks, a chunked body's Transfer-Encoding is dropped
 * too and resp->dechunk set: the body goes decoded, ended by the close.
 * Appends the result to out and fills *resp. ERR_INVAL for something
 * that is not an HTTP/1.x response head (or a bad or conflicting
 * Content-Length), ERR_TOOBIG when out fills. */
int	proxy_rewrite_head(const char *in, size_t len, const char *prefix,
	    int flags, struct buf *out, struct proxy_resp *resp);

/* proxy-up.c: the server's side. */

/* The address of container cid on the workspace network into ip (a
 * cache of 10 s, skipped with fresh): 0, 1 when it came from the cache,
 * or an error. */
int	proxy_addr(struct rt *, const char *cid, int fresh, char *ip,
	    size_t ipsz);
/* Connects to ip:port within 3 s: a non-blocking socket, or -1 with
 * errno. */
int	proxy_connect(const char *ip, int port);
/* An idle connection to cid's ip:port kept from an earlier request (its
 * server has not closed it), or -1. */
int	proxy_pool_get(const char *cid, const char *ip, int port);
/* Keeps fd, a connection whose last response ended cleanly, for the
 * next request to the same server (for a few seconds); closes it when
 * there is no room. */
void	proxy_pool_put(int fd, const char *cid, const char *ip, int port);

/* proxy-relay.c: the response and the WebSocket relay. */

/* What proxy_response did. */
enum {
	PROXY_DONE,		/* the response went through; ufd reusable */
	PROXY_DONE_CLOSE,	/* ... ufd is not reusable */
	PROXY_NOTHING,		/* the server closed before a byte: retry */
	PROXY_BAD_HEAD,		/* not a valid response head: nothing sent */
	PROXY_CUT,		/* something was sent, then a side failed */
	PROXY_UPGRADED		/* a 101: the relay thread has both */
};

/* Reads the server's response on ufd (interim 1xx heads first) and
 * sends it to the client, the head rewritten (under prefix) and the
 * body as framed, then leaves the client's connection to the HTTP layer
 * for its next request (or closed). For a WebSocket upgrade the server
 * accepted (upgrade set, status 101), the client's socket leaves the
 * HTTP layer and a relay thread copies both ways until either side ends;
 * ufd is then the thread's. ws_id's activity is noted while bytes move.
 * Returns a PROXY_* value above. */
int	proxy_response(struct req *, int ufd, const char *prefix,
	    const char *ws_id, int upgrade);
/* Writes all of buf to non-blocking fd, giving up after 60 s without
 * progress (a peer not reading): 0 or -1. */
int	proxy_write_all(int fd, const void *buf, size_t n);
/* WebSocket relays open now (each a thread). */
int	proxy_relays(void);

#endif
