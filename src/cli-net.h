/* cli-net.h: a small HTTP/1.1 client for plain http:// API URLs, so a
 * CLI run need not load libcurl (~10 ms of dynamic loading). It streams
 * both ways (Content-Length or chunked out; Content-Length, chunked or
 * close-delimited in), with connect and total timeouts and a tick for
 * spinners. https:// stays with libcurl. Single-threaded. */
#ifndef BERTH_CLI_NET_H
#define BERTH_CLI_NET_H

#include <stddef.h>
#include <stdint.h>

enum net_err {
	NET_OK = 0,
	NET_ERR_URL = -1,	/* not an http:// URL we can parse */
	NET_ERR_RESOLVE = -2,
	NET_ERR_CONNECT = -3,	/* oserr says why */
	NET_ERR_TIMEOUT = -4,
	NET_ERR_IO = -5,	/* connection lost; oserr may say why */
	NET_ERR_PROTO = -6,	/* not HTTP/1.x we understand */
	NET_ERR_ABORT = -7,	/* on_body or readfn aborted */
};

struct net_req {
	const char	*url;		/* http://host[:port]/path?query */
	const char	*method;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char	*body;		/* a body in memory, or ... */
	size_t		 bodylen;
	/* ... one read through readfn (curl's contract: 0 at the end,
	 * (size_t)-1 or CURL_READFUNC_ABORT to abort). */
	size_t		(*readfn)(char *, size_t, size_t, void *);
	void		*readarg;
	int64_t		 upload_len;	/* -1: chunked */
	/* Each reply header line, without its line end (may be NULL). */
	void		(*on_header)(void *, const char *);
	/* Called once the reply's head is in. */
	void		(*on_head)(void *, long status, const char *ctype);
	/* Body bytes; returns n to go on, anything else aborts. */
	size_t		(*on_body)(char *, size_t, size_t, void *);
	void		(*tick)(void *, int64_t dltotal, int64_t dlnow,
			    int64_t ultotal, int64_t ulnow);
	/* Header lines for --debug: dir '>' or '<'. */
	void		(*trace)(void *, int dir, const char *, size_t);
	void		*arg;
	long		 connect_timeout_s;
	long		 timeout_s;	/* 0: none */
	/* Set by net_perform. */
	int		 oserr;
	int		 sent;		/* the request went out whole */
	long		 status;
};

/* Runs the request; NET_OK once the whole reply was read. */
int	net_perform(struct net_req *);
/* 1 when url is http:// (not https://). */
int	net_handles(const char *url);

#endif
