/* http-int.h: the request as the HTTP layer's files (http-server.c, the
 * router and replies; http-sub.c, requests run in-process) share it.
 * Worker threads; a struct req belongs to the one that runs it. */
#ifndef BERTH_HTTP_INT_H
#define BERTH_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"

struct app;
struct buf;
struct hconn;
struct http_head;
struct route;

#define MAXPARAMS	4
#define MAXQUERY	16
#define OUTBUF		16384

struct req {
	struct hconn			*hc;
	const struct http_head		*h;
	struct app			*app;
	const struct route		*route;
	struct principal		 who;
	char				 path[2048];
	char				*pnames[MAXPARAMS];
	char				*pvals[MAXPARAMS];
	int				 nparams;
	char				*qnames[MAXQUERY];
	char				*qvals[MAXQUERY];
	int				 nquery;
	int				 replied;
	int				 bad_path;
	int				 chunked;
	int				 head_only;	/* HEAD: no body */
	int				 status;
	int				 failed;	/* a write failed */
	int64_t				 length;	/* declared, or -1 */
	int64_t				 sent;		/* body bytes */
	const char			*origin;	/* CORS origin */
	int				 msgerr;	/* req_msg_errors */
	int				 by_session;	/* cookie auth */
	struct buf			*cap;		/* req_capture */
	int				 cap_status;
	const char			*inj;		/* injected body */
	size_t				 injlen;
	int				 cap_keep;	/* keep what fits */
	int				 cap_cut;	/* ... and it was cut */
	size_t				 cap_limit;
	char				 cap_ctype[128];
	char				 cap_hdrs[512];
	size_t				 outlen;
	char				 out[OUTBUF];
};

/* Matches path against a route pattern, filling r's parameters: 1 on a
 * match. */
int	http_match(struct req *, const char *pattern, const char *path);
/* Frees the parameters a match filled. */
void	http_params_clear(struct req *);

#endif
