/* err.c: error codes, names, HTTP statuses and the per-thread message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static __thread char err_buf[ERR_MSG_MAX];

int
err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof err_buf, fmt, ap);
	va_end(ap);
	return code;
}

const char *
err_msg(void)
{
	return err_buf;
}

void
err_save(struct err_saved *s)
{
	memcpy(s->msg, err_buf, sizeof s->msg);
}

int
err_restore(int code, const struct err_saved *s)
{
	memcpy(err_buf, s->msg, sizeof err_buf);
	err_buf[sizeof err_buf - 1] = '\0';
	return code;
}

void
err_clear(void)
{
	err_buf[0] = '\0';
}

const char *
err_str(int code)
{
	switch (code) {
	case ERR_OK:		return "ok";
	case ERR_INVAL:		return "bad_request";
	case ERR_UNAUTH:	return "unauthorized";
	case ERR_FORBIDDEN:	return "forbidden";
	case ERR_NOTFOUND:	return "not_found";
	case ERR_CONFLICT:	return "conflict";
	case ERR_TOOBIG:	return "too_large";
	case ERR_UNSAT:		return "unsatisfiable";
	case ERR_QUOTA:		return "quota_exceeded";
	case ERR_BACKEND:	return "backend_unavailable";
	case ERR_TIMEOUT:	return "timeout";
	case ERR_NOMEM:		return "out_of_memory";
	case ERR_EOF:		return "eof";
	case ERR_AGAIN:		return "again";
	case ERR_IO:
	case ERR_INTERNAL:
	default:		return "internal";
	}
}

int
err_http_status(int code)
{
	switch (code) {
	case ERR_OK:		return 200;
	case ERR_INVAL:		return 400;
	case ERR_UNAUTH:	return 401;
	case ERR_FORBIDDEN:	return 403;
	case ERR_NOTFOUND:	return 404;
	case ERR_CONFLICT:	return 409;
	case ERR_TOOBIG:	return 413;
	case ERR_UNSAT:		return 422;
	case ERR_QUOTA:		return 429;
	case ERR_BACKEND:	return 503;
	case ERR_TIMEOUT:	return 504;
	default:		return 500;
	}
}
