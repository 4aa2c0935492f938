/* docker-client.h: JSON requests to the Docker Engine API (v1.41) over its
 * unix socket, on docker-http.c's connections kept alive in a small pool.
 * Internal to docker-*.c. Thread-safe: the pool is behind a lock and each
 * request holds its connection alone. */
#ifndef BERTH_DOCKER_CLIENT_H
#define BERTH_DOCKER_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "docker-http.h"

struct dc;
struct buf;

#define DC_API_PREFIX		DHTTP_API_PREFIX
#define DC_CONNECT_MS		5000	/* connect timeout of every call */
#define DC_DEFAULT_MS		30000	/* total time of a call by default */

/* A client for host ("unix:///var/run/docker.sock" or a plain absolute
 * path). Does not connect. NULL (with err_msg()) on bad syntax. */
struct dc	*dc_new(const char *host);
void		 dc_free(struct dc *);
/* The host as given ("unix:///var/run/docker.sock"), and the socket path. */
const char	*dc_host(const struct dc *);
const char	*dc_sock_path(const struct dc *);
/* Total time allowed per call when a request passes timeout_ms 0. */
void		 dc_set_timeout(struct dc *, long timeout_ms);

/* A request: method, path below the API prefix ("/containers/json?all=1"),
 * an optional JSON body (borrowed). On a transport failure returns
 * ERR_BACKEND ("docker engine not reachable at …") or ERR_TIMEOUT; any
 * HTTP answer is 0 with *statusp set and, when resp is not NULL, *resp the
 * parsed JSON body (NULL when empty or not JSON; caller json_decref()s).
 * rawp (may be NULL) receives the raw body (caller buf_free()s).
 * The body is capped at LIMIT_DOCKER_RESPONSE (ERR_TOOBIG past it). */
int	dc_request(struct dc *, const char *method, const char *path,
	    json_t *body, long timeout_ms, long *statusp, json_t **resp,
	    struct buf **rawp);

/* The engine's error mapping (docker-http.h), under the client's names. */
#define dc_error	dhttp_error
#define dc_message	dhttp_message

/* A fresh connection of its own (streams, exec), not pooled; what names
 * it in messages, rbuf is its read buffer's size. */
int	dc_open(struct dc *, const char *what, size_t rbuf, int connect_ms,
	    struct dconn **);

/* Appends s to b percent-encoded for a query string. */
int	dc_escape(struct buf *b, const char *s);

#endif
