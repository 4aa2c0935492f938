/* term.h: the browser terminal's sessions (SPEC section 6). One event-loop
 * thread (epoll) owns every terminal socket, once the HTTP layer has
 * answered 101 and let go of it, and every terminal process's fd; it
 * speaks ttyd's protocol over term-ws.c, keeps each session's last output
 * in a ring for reattaching viewers, and applies backpressure from the
 * slowest viewer to the process. Blocking steps (starting, reaping and
 * killing processes, touching the store) run on short-lived job threads.
 * The functions below may be called from any thread. */
#ifndef BERTH_TERM_H
#define BERTH_TERM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct app;
struct term_grant;

/* A socket handed over after the 101 reply. */
struct term_open {
	int			 fd;		/* becomes term's */
	const void		*pre;		/* bytes read past the head */
	size_t			 prelen;
	const char		*ws_ref;	/* the route's {id} */
	const char		*session;	/* ?session=NAME or NULL */
	const char		*task;		/* ?task=TID: attach to it */
	/* The URL's token, already taken: the terminal starts without
	 * waiting for a JSON first message. NULL: the first message must
	 * carry {"AuthToken"}. */
	const struct term_grant	*grant;
	int			 bad_token;	/* URL token refused: 1008 */
	const char		*addr;		/* the client, for logs */
};

/* Starts the loop thread (idle sessions live cfg.terminal_idle seconds). */
int	 term_start(struct app *);
/* Closes every terminal (1001), kills their processes, joins. */
void	 term_stop(void);
/* Hands a socket to the loop; on any failure the fd is closed. */
void	 term_open(const struct term_open *);
/* The sessions of a workspace for its JSON: [{name, viewers,
 * created_at, user}] (new reference). */
json_t	*term_sessions_json(const char *ws_id);
/* Writes msg as a line into every terminal open on the workspace. */
void	 term_notice(const char *ws_id, const char *msg);
/* The session name rule: 1-64 of [A-Za-z0-9._-]. */
int	 term_session_name_ok(const char *);

#endif
