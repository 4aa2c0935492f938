/* docker-http.h: the one HTTP/1.1 client berthd talks to the engine with,
 * over its unix socket: request heads, the response head, bodies (by
 * length, chunked, or up to the close) read in bounded pieces, and the
 * upgrade that hijacks a connection for an exec's stream. Every engine
 * call goes through here: docker-client.c's JSON requests (kept alive in
 * a pool), docker-io.c's logs and file streams, docker-exec.c's start.
 * The two parsers are pure and fuzzed (tests/fuzz/fuzz-docker-http.c).
 * Internal to docker-*.c. A struct dconn belongs to one thread at a time. */
#ifndef BERTH_DOCKER_HTTP_H
#define BERTH_DOCKER_HTTP_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define DHTTP_API_PREFIX	"/v1.41"	/* the Engine API version */
#define DHTTP_HEAD_MAX		(64 * 1024)	/* a response head */
#define DHTTP_ERRBODY_MAX	(64 * 1024)	/* an error answer's body */

/* A parsed response head. path_stat is allocated (dhttp_head_clear). */
struct dhttp_head {
	int	 status;
	int	 minor;		/* HTTP/1.minor */
	int64_t	 clen;		/* Content-Length; -1 when absent */
	int	 chunked;	/* Transfer-Encoding: chunked */
	int	 close;		/* the engine closes after this answer */
	int	 upgrade;	/* Connection: Upgrade */
	char	*path_stat;	/* X-Docker-Container-Path-Stat, or NULL */
};

/* Parses the response head at the start of p[0..n). Returns its length
 * through the blank line when it is complete (h filled), 0 when more
 * bytes are needed, ERR_BACKEND (with err_msg()) when it is malformed or
 * longer than DHTTP_HEAD_MAX. Pure. */
ssize_t	dhttp_head_parse(const char *p, size_t n, struct dhttp_head *h);
void	dhttp_head_clear(struct dhttp_head *);

/* Incremental decoder of a chunked body, fed in any split. */
struct dhttp_chunk {
	int	 state;
	int	 digits;	/* hex digits of the size line so far */
	uint64_t left;		/* payload bytes left in this chunk */
};

void	dhttp_chunk_init(struct dhttp_chunk *);
/* Consumes up to n bytes of in. When payload is available *out points
 * into in at *outlen bytes of it (else *outlen is 0). Returns the bytes
 * consumed, or ERR_BACKEND on bad framing (and on every later call).
 * Consumes at least one byte when n > 0 and the body is not done. Pure. */
ssize_t	dhttp_chunk_feed(struct dhttp_chunk *, const uint8_t *in, size_t n,
	    const uint8_t **out, size_t *outlen);
/* 1 once the last chunk and the trailers went through. */
int	dhttp_chunk_done(const struct dhttp_chunk *);

/* A connection to the engine. */
struct dconn;

/* Connects to the engine's unix socket sock within connect_ms (ERR_BACKEND
 * "docker engine not reachable at <host>: …", ERR_TIMEOUT); what names
 * the exchange in messages ("the logs of container 'x'"); rbuf is the
 * read buffer's size. */
int	 dconn_open(const char *sock, const char *host, const char *what,
	    size_t rbuf, int connect_ms, struct dconn **);
void	 dconn_free(struct dconn *);
/* Renames the exchange (a pooled connection serves many). */
void	 dconn_set_what(struct dconn *, const char *what);
/* 1 when the connection may still carry a request: connected, no answer
 * pending, the engine did not close it. */
int	 dconn_reusable(struct dconn *);
/* Sends a request: the head (API prefix added to path; ctype and extra
 * header lines may be NULL; extra ends each line with CRLF) and body_len
 * bytes of body in one write. body_len -1: no body and no length; -2:
 * chunked, the body follows through dconn_send_chunk; otherwise a
 * Content-Length, with body (may be NULL: the bytes follow through
 * dconn_send). */
int	 dconn_request(struct dconn *, const char *method, const char *path,
	    const char *ctype, const char *extra, const void *body,
	    int64_t body_len);
/* Sends raw bytes (a body announced by length); waits at most send_ms for
 * the engine to read. */
int	 dconn_send(struct dconn *, const struct iovec *, int iovcnt);
/* Sends n bytes as one chunk of a chunked body; n 0 ends the body. */
int	 dconn_send_chunk(struct dconn *, const void *, size_t n);
/* Reads the response head within timeout_ms (ERR_TIMEOUT). head_request:
 * the answer to HEAD has no body. */
int	 dconn_read_head(struct dconn *, int head_request, int timeout_ms);
const struct dhttp_head *dconn_head(const struct dconn *);
/* Reads decoded body bytes: >0, 0 at its end, ERR_TIMEOUT when nothing
 * came within timeout_ms (-1: forever; the connection stays usable),
 * ERR_BACKEND when the engine broke off. */
ssize_t	 dconn_read_body(struct dconn *, void *, size_t, int timeout_ms);
/* 1 when the whole body was read. */
int	 dconn_body_done(const struct dconn *);
/* Reads an error answer's body (up to DHTTP_ERRBODY_MAX) as JSON, or
 * NULL; caller json_decref()s. */
json_t	*dconn_error_body(struct dconn *, int timeout_ms);
/* Reads a non-2xx answer's body and maps it with dhttp_error. */
int	 dconn_error(struct dconn *, const char *what);
/* After a 101: hands over the socket and the stream bytes already read
 * past the head (at most cap of them; ERR_BACKEND when more). The
 * connection is then empty: dconn_free only frees. */
int	 dconn_hijack(struct dconn *, int *fdp, void *early, size_t cap,
	    size_t *earlyn);
/* Bytes received on this connection since the last request was sent. */
size_t	 dconn_received(const struct dconn *);

/* Maps a non-2xx answer to ERR_* and sets err_msg() to "<what> (docker:
 * <engine message>)", e.g. dhttp_error(404, resp, "no such image 'x'") →
 * ERR_NOTFOUND. what may be NULL. */
int	 dhttp_error(long status, json_t *resp, const char *what);
/* The engine's "message" field of an error body, or "". */
const char *dhttp_message(json_t *resp);

#endif
