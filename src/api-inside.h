/* api-inside.h: what the routes that reach into a running workspace (exec,
 * files, logs, stats) share. Request threads. */
#ifndef BERTH_API_INSIDE_H
#define BERTH_API_INSIDE_H

struct req;
struct ws;

/* Resolves the route's {id} like api_workspace() and requires a running
 * container: ERR_CONFLICT "workspace 'x' is stopped; start it first ..."
 * otherwise. *out is the caller's (ws_free). */
int	api_ws_running(struct req *, struct ws **out);
/* The numeric owner files get: the workspace's user when it is "uid" or
 * "uid:gid", else 1000:1000. */
void	api_ws_owner(const struct ws *, int *uid, int *gid);
/* The fd of the request's client socket, or -1: lets a long stream notice
 * that its client left while the stream is idle. */
int	api_client_fd(struct req *);
/* 1 when the client behind fd has closed or reset its side. */
int	api_client_gone(int fd);
/* Tells a client that sent "Expect: 100-continue" to send its body (the
 * server does not for handlers; curl would wait a second); call once,
 * before reading the body. */
void	api_body_continue(struct req *);

#endif
