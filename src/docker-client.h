/* docker-client.h: HTTP/1.1 requests to the Docker Engine API (v1.41) over
 * its unix socket, JSON in and out, and the mapping of engine errors to
 * ERR_* codes with messages people can act on. Internal to docker-*.c.
 * Thread-safe: a client keeps a small pool of curl handles behind a lock;
 * each request uses one handle exclusively. */
#ifndef BERTH_DOCKER_CLIENT_H
#define BERTH_DOCKER_CLIENT_H

#include <jansson.h>

struct dc;
struct buf;

#define DC_API_PREFIX		"/v1.41"
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

/* Maps a non-2xx answer to ERR_* and sets err_msg() to "<what>: <engine
 * message>", e.g. dc_error(404, resp, "no such image 'x'") →
 * ERR_NOTFOUND "no such image 'x'". what may be NULL. */
int	dc_error(long status, json_t *resp, const char *what);
/* The engine's "message" field of an error body, or "". */
const char *dc_message(json_t *resp);

/* Connects a blocking AF_UNIX stream socket to the engine within
 * timeout_ms. 0 and *fdp on success; ERR_BACKEND otherwise. */
int	dc_connect(struct dc *, int timeout_ms, int *fdp);

/* Appends s to b percent-encoded for a query string. */
int	dc_escape(struct buf *b, const char *s);

#endif
