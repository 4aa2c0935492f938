/* err.h: error codes shared by every module, and a per-thread message that
 * carries the cause for people ("image 'x' is not allowed; allowed: a, b").
 * Any thread may call these; the message is thread-local. */
#ifndef BERTH_ERR_H
#define BERTH_ERR_H

enum {
	ERR_OK = 0,
	ERR_INVAL = -1,		/* bad input: 400 */
	ERR_UNAUTH = -2,	/* no or bad credentials: 401 */
	ERR_FORBIDDEN = -3,	/* not yours / not admin: 403 */
	ERR_NOTFOUND = -4,	/* 404 */
	ERR_CONFLICT = -5,	/* exists, ambiguous, wrong state: 409 */
	ERR_TOOBIG = -6,	/* 413 */
	ERR_UNSAT = -7,		/* unsatisfiable, e.g. no free GPU: 422 */
	ERR_QUOTA = -8,		/* quota or rate limit: 429 */
	ERR_INTERNAL = -9,	/* 500 */
	ERR_BACKEND = -10,	/* engine down or failing: 503 */
	ERR_IO = -11,		/* local I/O or socket failure: 500 */
	ERR_TIMEOUT = -12,	/* a bounded wait ran out: 504 in HTTP */
	ERR_NOMEM = -13,
	ERR_EOF = -14,		/* peer closed */
	ERR_AGAIN = -15,	/* would block; try again */
};

/* Sets the calling thread's message and returns code, so callers can write
 * "return err_set(ERR_INVAL, "bad name '%s'", n);". */
int		 err_set(int code, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The calling thread's last message; never NULL ("" when none). */
const char	*err_msg(void);
/* A copy of the calling thread's message, kept across calls that may set
 * their own: err_save(&s); cleanup(); return err_restore(code, &s); */
#define ERR_MSG_MAX	1024
struct err_saved {
	char	msg[ERR_MSG_MAX];
};
void		 err_save(struct err_saved *);
/* Makes the saved message the thread's again; returns code. */
int		 err_restore(int code, const struct err_saved *);
/* Clears the calling thread's message. */
void		 err_clear(void);
/* A short name for a code ("not_found"), used as the API error code. */
const char	*err_str(int code);
/* The HTTP status for a code. */
int		 err_http_status(int code);

#endif
