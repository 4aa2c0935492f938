/* http-parse.h: the HTTP/1.x request-head parser, the chunked-body decoder
 * and URL decoding. Pure functions over caller buffers (untrusted input,
 * fuzzed by tests/fuzz/fuzz-http-parse.c); any thread. */
#ifndef BERTH_HTTP_PARSE_H
#define BERTH_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	64
#define HTTP_MAX_HEAD		(32 * 1024)	/* larger: 431 */

struct http_header {
	const char	*name;
	const char	*value;
};

struct http_head {
	const char		*method;
	const char		*target;	/* as sent, without the query */
	const char		*query;		/* after '?', or NULL */
	int			 minor;		/* HTTP/1.<minor> */
	struct http_header	 h[HTTP_MAX_HEADERS];
	int			 nh;
	int64_t			 content_length; /* -1: none */
	int			 chunked;
	int			 keep_alive;
	int			 expect_continue;
	int			 upgrade;	/* an Upgrade header was sent */
};

/* The length of the head at the start of buf, blank line included; 0
 * while it is incomplete. */
size_t		 http_head_end(const char *buf, size_t len);
/* Parses the head of length len in place (NUL-terminating its parts; buf
 * must stay alive as long as h). Returns 0, or the HTTP status to answer
 * (400, 431, 501, 505) with *why set to a message for people. */
int		 http_parse_head(char *buf, size_t len, struct http_head *h,
		    const char **why);
/* A header's value by name (case-insensitive), NULL when absent. */
const char	*http_head_get(const struct http_head *, const char *name);

/* Percent-decodes n bytes of s into out (size outsz, NUL-terminated);
 * with form, '+' is a space. Returns the decoded length, or -1 for a bad
 * escape, an encoded NUL or no room. */
int		 http_url_decode(const char *s, size_t n, char *out,
		    size_t outsz, int form);
/* The decoded value of the first name=value pair called name in an
 * application/x-www-form-urlencoded string; -1 when absent or bad. */
int		 http_query_get(const char *qs, const char *name, char *out,
		    size_t outsz);

/* Incremental chunked-body decoder. */
struct http_chunked {
	int		state;
	uint64_t	left;		/* bytes left in this chunk */
	int		ndigits;
	int		extlen;
};

/* Decodes in place: consumes bytes from buf[0..len), moves the payload to
 * the front of buf. Returns the payload length, with *used set to the bytes
 * consumed; -1 on a malformed stream. *done becomes 1 after the last chunk
 * and its trailers. */
long		 http_chunked_decode(struct http_chunked *, char *buf,
		    size_t len, size_t *used, int *done);

#endif
