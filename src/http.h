/* http.h: the HTTP layer (http-conn.c underneath): one router over per-
 * resource route tables. Each api-<resource>.c exports one const table,
 * listed once in http-routes.c. Handlers run on the server's worker
 * threads, one request per thread; a struct req lives for one request. */
#ifndef BERTH_HTTP_H
#define BERTH_HTTP_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "auth.h"

struct req;
struct app;
struct db;
struct rt;

enum {
	ROUTE_NOAUTH = 0x1,	/* no API key needed */
	ROUTE_ADMIN = 0x2,	/* admin only (403 otherwise) */
	ROUTE_MSGERR = 0x4,	/* errors also carry a top-level "message" */
	ROUTE_UPGRADE = 0x8,	/* takes a WebSocket upgrade (req_upgrade) */
	ROUTE_NOTAPI = 0x10,	/* not REST (the port proxy): left out of
				 * /v1/openapi.json; method "*" matches any,
				 * a pattern ending in "/ *" (no space)
				 * matches any rest */
	ROUTE_NOCSRF = 0x20,	/* a dashboard session needs no CSRF
				 * header here (SameSite=Strict guards it) */
	/* The scope a route needs (exactly one on every route that takes
	 * a key; berthd refuses to start otherwise). A key without scopes
	 * has them all. See auth.h. */
	ROUTE_READ = 0x100,	/* look: lists, inspect, logs, stats */
	ROUTE_EXEC = 0x200,	/* run: exec, terminal, tasks */
	ROUTE_FILES = 0x400,	/* files in and out */
	ROUTE_LIFECYCLE = 0x800, /* create, start, stop, delete, patch */
	ROUTE_ANYKEY = 0x1000,	/* any valid key (who am I) */
	ROUTE_FULL = 0x2000,	/* only a key without limits (keys, users) */
	/* A route with a scope other than read, not under
	 * /v1/workspaces/{id} (or /v1/containers/{id}, /w/{id}), is
	 * refused to a key limited to some workspaces, unless its handler
	 * checks the key's workspaces itself (auth_require) and says so: */
	ROUTE_WSSELF = 0x4000,
};
#define ROUTE_SCOPES	(ROUTE_READ | ROUTE_EXEC | ROUTE_FILES | \
	ROUTE_LIFECYCLE | ROUTE_ANYKEY | ROUTE_FULL)

/* A handler replies itself and returns 0, or returns a negative ERR_*
 * without replying, and the router sends the error with err_msg(). */
typedef int (*route_fn)(struct req *);

struct route {
	const char	*method;	/* "GET", "POST", ... */
	const char	*pattern;	/* "/v1/workspaces/{id}/stop" */
	route_fn	 fn;
	int		 flags;
	const char	*summary;	/* one line, for /v1/openapi.json */
};

const char	*req_method(const struct req *);
const char	*req_path(const struct req *);
/* A {name} from the pattern, URL-decoded; NULL when absent. */
const char	*req_param(const struct req *, const char *name);
/* A query parameter, URL-decoded; NULL when absent. Valid for the
 * request's lifetime. */
const char	*req_query(struct req *, const char *name);
const char	*req_header(const struct req *, const char *name);
/* 1 when a browser's request may come from its Origin: none sent (not a
 * browser), this host's own pages, or an origin in cors_origins ("*"
 * counts only with any). http-origin.c. */
int		 req_origin_ok(struct req *, int any);
const char	*req_remote_addr(const struct req *);
const struct principal *req_who(const struct req *);
/* 1 when the caller was authenticated by the dashboard's session cookie
 * (web-session.c), 0 for an API key. */
int		 req_by_session(const struct req *);
/* The request target as sent (not decoded), without the query. */
const char	*req_target(const struct req *);
/* The query string as sent (after '?'), or NULL. */
const char	*req_query_string(const struct req *);
/* Header i (0..) as a name and value; 0, or -1 past the last. */
int		 req_header_at(const struct req *, int i, const char **name,
		    const char **value);
struct app	*req_app(const struct req *);
/* This thread's store connection and the runtime backend. */
struct db	*req_db(const struct req *);
struct rt	*req_rt(const struct req *);
/* The client socket (non-blocking), to notice a client that left a long
 * stream (poll POLLRDHUP); reading and writing go through req_read and
 * reply_*. */
int		 req_fd(const struct req *);
/* Sends "100 Continue" now when the client asked for it (req_read does it
 * on the first read anyway). */
void		 req_continue(struct req *);

/* Reads and parses a JSON object body (<= LIMIT_HTTP_BODY): ERR_INVAL
 * with a message naming line/column, ERR_TOOBIG. *out is the caller's. */
int		 req_json_body(struct req *, json_t **out);
/* The same with another size limit (exec bodies carry stdin). */
int		 req_json_body_limit(struct req *, size_t limit, json_t **out);
/* Streams the raw body: >0 bytes, 0 at end, <0 error. */
ssize_t		 req_read(struct req *, void *buf, size_t len);
/* Content-Length of the body, -1 when chunked/unknown. */
int64_t		 req_content_length(const struct req *);

/* The Range of a GET for a body of size bytes whose validator (an ETag or
 * a Last-Modified date) is given: 0 for the whole body (no Range, several
 * ranges, or an If-Range that no longer matches), 1 for bytes
 * *first..*last (206), or -1 after replying 416 itself. */
int		 req_range(struct req *, int64_t size, const char *etag,
		    const char *last_modified, int64_t *first, int64_t *last);

/* Replies with a JSON value (stolen) and status. Returns 0. */
int	 reply_json(struct req *, int status, json_t *);
/* The same with extra header lines ("Name: value\r\n"...). */
int	 reply_json_headers(struct req *, int status, json_t *,
	    const char *extra);
/* Replies with the SPEC's error shape for code and a formatted message.
 * Returns 0. */
int	 reply_error(struct req *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* From now on this request's error bodies also carry a top-level
 * "message" (for clients that read only that: GPULab's). */
void	 req_msg_errors(struct req *);
/* Runs fn on this request with its reply kept instead of sent, for the
 * compatibility routes that reshape a native reply: *status and *out (NUL-
 * terminated, caller frees) get it; a reply over limit bytes (0: none)
 * makes reply_write fail and *status 413. With body, fn reads that as the
 * request body.
 * Returns fn's result; nothing is kept when fn replied nothing. */
int	 req_capture(struct req *, route_fn fn, const char *body, size_t limit,
	    int *status, char **out, size_t *outlen);
/* A request of berth's own API run in this process as this request's
 * principal, for MCP's tools: the route for method and target
 * ("/v1/...?query", escaped) is found in the route tables (WebSocket
 * routes excluded), refused with 403 as the router refuses it (an admin
 * route, a scoped key's missing scope: http_scope_check), and run
 * with body (bodylen bytes of type ctype_in; NULL: none) and range (a
 * Range header value; NULL: none). Its reply is kept: *out (NUL-
 * terminated, caller frees) up to limit bytes, cut set when there was
 * more. Returns 0 once the route answered (any status), ERR_NOTFOUND
 * when no route matches. */
struct req_sub {
	const char	*method;
	const char	*target;
	const char	*ctype_in;
	const char	*body;
	size_t		 bodylen;
	const char	*range;
	size_t		 limit;
	int		 status;	/* out: */
	char		*out;
	size_t		 outlen;
	int		 cut;
	char		 ctype[128];
	char		 headers[512];	/* extra reply header lines */
};
int	 req_subcall(struct req *, struct req_sub *);
/* 204 No Content. */
int	 reply_empty(struct req *);
/* Streaming replies: length -1 means chunked. Extra headers are full
 * "Name: value\r\n" lines or NULL. */
int	 reply_start(struct req *, int status, const char *content_type,
	    int64_t length, const char *extra_headers);
int	 reply_write(struct req *, const void *, size_t);
int	 reply_end(struct req *);
/* Answers "101 Switching Protocols" (Upgrade: websocket) with the extra
 * header lines and hands the socket over (ROUTE_UPGRADE routes): *fd is
 * then the caller's, with the bytes already read past the head in *rest
 * (malloc'd, NULL when none). ERR_IO when the client is gone. */
int	 req_upgrade(struct req *, const char *extra_headers, int *fd,
	    void **rest, size_t *restlen);

/* Hands the socket over without replying (the port proxy): as
 * req_upgrade, but nothing is written. */
int	 req_detach(struct req *, int *fd, void **rest, size_t *restlen);

/* The port proxy writes a server's response itself on the client's
 * socket (the returned fd, non-blocking): the request counts as answered
 * with status, and unless keep the connection closes after it (call
 * again with keep 0 when a response is cut). The bytes written must be
 * one whole HTTP/1.1 response for keep to hold. http-sub.c. */
int	 req_raw_reply(struct req *, int status, int keep);
/* 1 when the client's connection may carry another request after this
 * one (HTTP/1.1, no "Connection: close"). */
int	 req_keep_alive(const struct req *);
/* The request's HTTP/1.x minor version (0 or 1). */
int	 req_http_minor(const struct req *);

/* Route tables, NULL-method terminated, one per api-*.c. */
extern const struct route api_meta_routes[];
extern const struct route api_users_routes[];
extern const struct route api_keys_routes[];
extern const struct route api_templates_routes[];
extern const struct route api_volumes_routes[];
extern const struct route api_workspaces_routes[];
extern const struct route api_activity_routes[];
extern const struct route api_events_routes[];
extern const struct route api_sshkeys_routes[];
extern const struct route api_gpus_routes[];
extern const struct route compat_sandman_routes[];
extern const struct route api_exec_routes[];
extern const struct route api_files_routes[];
extern const struct route api_logs_routes[];
extern const struct route api_stats_routes[];
extern const struct route compat_gpulab_routes[];
extern const struct route api_terminal_routes[];
extern const struct route web_session_routes[];
extern const struct route proxy_routes[];
extern const struct route api_mcp_routes[];
extern const struct route api_tasks_routes[];

#endif
