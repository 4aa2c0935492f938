/* http-server.h: starting and stopping the HTTP server (civetweb) that
 * serves the REST API, the web UI and the terminal WebSocket. Main thread. */
#ifndef BERTH_HTTP_SERVER_H
#define BERTH_HTTP_SERVER_H

struct app;
struct mg_context;

/* Starts listening on app->cfg.listen. ERR_IO with a message when the
 * address can't be bound. */
int	http_start(struct app *);
/* Stops accepting, lets in-flight requests finish, joins the workers. */
void	http_stop(void);
/* The civetweb context, for modules that add handlers (WebSocket). */
struct mg_context *http_context(void);
/* All route tables, NULL-terminated (http-routes.c). */
extern const struct route *const http_route_tables[];

#endif
