/* http-server.h: starting and stopping the HTTP server that serves the
 * REST API. Main thread. */
#ifndef BERTH_HTTP_SERVER_H
#define BERTH_HTTP_SERVER_H

struct app;
struct principal;
struct route;

/* Starts listening on app->cfg.listen, serving the NULL-terminated route
 * tables (http_route_tables). ERR_IO with a message when the address
 * can't be bound. */
int	http_start(struct app *, const struct route *const *tables);
/* Stops accepting, lets in-flight requests finish, joins the workers. */
void	http_stop(void);
/* The route tables being served (for the OpenAPI document). */
const struct route *const *http_routes(void);
/* Open HTTP connections, for /metrics. */
int	http_connections(void);
/* http-scope.c: 0, or ERR_FORBIDDEN with a message, for who (a key with
 * scopes or workspace limits) on route rt; the key's workspaces are
 * checked where the workspace is resolved. */
int	http_scope_check(const struct principal *who, const struct route *rt);
/* 0 when every route that takes a key declares exactly one scope;
 * otherwise logs each that doesn't and returns ERR_INTERNAL. */
int	http_routes_check(const struct route *const *tables);
/* All route tables, NULL-terminated (http-routes.c). */
extern const struct route *const http_route_tables[];

/* What the router asks the dashboard (web.h), set before http_start: its
 * files for a GET no route took (ERR_NOTFOUND: none), and its session
 * cookie (ERR_NOTFOUND: none sent) with the CSRF check. Through pointers,
 * as the route tables are: the dashboard's modules call the router. */
struct principal;
struct req;
struct http_web_hooks {
	int	(*static_file)(struct req *);
	int	(*session_auth)(struct req *, struct principal *);
	int	(*session_csrf_ok)(struct req *);
};
extern const struct http_web_hooks http_web_hooks;	/* http-routes.c */
void	http_set_web(const struct http_web_hooks *);

#endif
