/* web.h: what berthd serves to browsers besides the API: the dashboard's
 * static files (web-static.c, built from web/ at build time and compiled
 * in) and its login sessions (web-session.c): an API key exchanged for an
 * HttpOnly, SameSite=Strict cookie plus a CSRF token that every call
 * changing something must echo in X-CSRF-Token. Request threads. */
#ifndef BERTH_WEB_H
#define BERTH_WEB_H

struct principal;
struct req;

#define WEB_COOKIE	"berth_session"
#define WEB_SESSION_TTL	(12 * 3600)	/* s, from the login */

/* Serves GET/HEAD of a dashboard file for the request's path: 0 when it
 * replied, ERR_NOTFOUND (nothing sent) when the path is not one. */
int	web_static(struct req *);

/* The request's session cookie: ERR_NOTFOUND when it carries none, 0 with
 * *who filled for a live session (its API key still exists),
 * ERR_UNAUTH with a message for an expired or unknown one. */
int	web_session_auth(struct req *, struct principal *who);
/* 0 when the request's X-CSRF-Token is its session's; ERR_FORBIDDEN with a
 * message otherwise. */
int	web_session_csrf_ok(struct req *);

#endif
