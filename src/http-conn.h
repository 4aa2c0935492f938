/* http-conn.h: the connection layer under the router. One event-loop
 * thread (epoll) accepts, enforces the connection caps, and reads request
 * heads (and small bodies) under time limits; a complete request goes to a
 * worker thread from a pool that grows with demand, which runs the handler
 * with blocking-style I/O (poll with timeouts) and hands the connection
 * back for keep-alive. An idle or slow connection costs a socket and a
 * small buffer, never a thread. */
#ifndef BERTH_HTTP_CONN_H
#define BERTH_HTTP_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hconn;
struct http_head;

struct hconn_limits {
	int	max_conns;	/* open connections in all */
	int	max_per_addr;	/* from one client address */
	int	header_timeout;	/* s: from a request's first byte to its body */
	int	idle_timeout;	/* s: keep-alive wait for the next request */
	int	body_timeout;	/* s: with no body byte arriving */
	int	send_timeout;	/* s: with no reply byte leaving */
	int	min_workers;
	int	max_workers;
};

/* Runs on a worker thread with a complete request head. */
typedef void (*hconn_fn)(struct hconn *, void *arg);

/* Listens on every address in the comma-separated list ("127.0.0.1:8080",
 * "[::1]:8080", "8080") and starts the loop and the workers. ERR_IO with a
 * message when an address can't be bound. */
int	 hconn_start(const char *listen, const struct hconn_limits *,
	    hconn_fn, void *arg);
/* Stops accepting, closes idle connections, waits up to 2 s for workers
 * to leave (their handlers were drained by the caller). */
void	 hconn_stop(void);

/* For the handler, on its worker thread. */
const struct http_head *hconn_head(const struct hconn *);
const char	*hconn_addr(const struct hconn *);
int		 hconn_fd(const struct hconn *);
/* The request body, decoded (Content-Length or chunked): >0 bytes, 0 at
 * its end, ERR_IO / ERR_TIMEOUT / ERR_INVAL (bad chunking) with a message.
 * Sends "100 Continue" first when the client asked for it. */
ssize_t		 hconn_read(struct hconn *, void *, size_t);
/* Sends "100 Continue" now if the client expects it and it wasn't sent. */
void		 hconn_continue(struct hconn *);
/* Writes all of it (bounded by send_timeout without progress): 0 or
 * ERR_IO. */
int		 hconn_write(struct hconn *, const void *, size_t);
/* The connection closes after this request. */
void		 hconn_close_after(struct hconn *);
/* Takes the socket out of the HTTP layer (after a 101 reply): returns
 * the fd, now the caller's, and the bytes already read past the request
 * head (*rest malloc'd, NULL when none). The connection record goes when
 * the handler returns; the socket no longer counts against the caps. */
int		 hconn_detach(struct hconn *, void **rest, size_t *restlen);

/* Open connections now, for /metrics. */
int		 hconn_count(void);

#endif
