/* proxy-head.c: the port proxy's reading and rewriting of a response
 * head from a server inside a workspace (untrusted input): its status,
 * how its body ends, the Location under the prefix, the hop-by-hop
 * headers. Pure; any thread. */
#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "proxy.h"

/* 1 when line[0..n) is header name followed by ':'. */
static int
is_header(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/* The value of header line[0..n) without the spaces around it. */
static const char *
value(const char *line, size_t n, size_t *vl)
{
	const char *v = memchr(line, ':', n), *e = line + n;

	for (v++; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*vl = (size_t)(e - v);
	return v;
}

/* 1 when the comma-separated list v[0..n) holds token (any case). */
static int
has_token(const char *v, size_t n, const char *token)
{
	size_t k = strlen(token), i = 0, j;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ','; j++)
			;
		while (j > i && (v[j - 1] == ' ' || v[j - 1] == '\t'))
			j--;
		if (j - i == k && strncasecmp(v + i, token, k) == 0)
			return 1;
		while (i < n && v[i] != ',')
			i++;
	}
	return 0;
}

/* 1 when the last coding of Transfer-Encoding v[0..n) is chunked. */
static int
last_chunked(const char *v, size_t n)
{
	const char *c = v + n;

	while (c > v && c[-1] != ',')
		c--;
	while (c < v + n && (*c == ' ' || *c == '\t'))
		c++;
	return (size_t)(v + n - c) == 7 && strncasecmp(c, "chunked", 7) == 0;
}

/* A Content-Length value: its number, or -1 when it is not one. */
static int64_t
length_of(const char *v, size_t n)
{
	int64_t x = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* The status line "HTTP/1.x NNN reason" of p[0..n): its status, its
 * minor version in *minor, or -1. */
static int
status_line(const char *p, size_t n, int *minor)
{
	if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' ||
	    p[7] > '9' || p[8] != ' ' || p[9] < '1' || p[9] > '5' ||
	    p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (n > 12 && p[12] != ' '))
		return -1;
	*minor = p[7] - '0';
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

/* The next line of the head at *p (before end): its length without the
 * line end, *p moved past it; -1 when no line end is left. */
static ssize_t
next_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n;

	if (nl == NULL)
		return -1;
	*line = *p;
	n = (size_t)(nl - *p);
	if (n > 0 && (*p)[n - 1] == '\r')
		n--;
	*p = nl + 1;
	return (ssize_t)n;
}

/* First pass: the status and how the body ends, into *resp. */
static int
scan(const char *in, size_t len, int flags, struct proxy_resp *resp,
    int *has_te)
{
	const char *p = in, *end = in + len, *line, *v;
	int minor = 0, st = -1, keep10 = 0, chunked = 0;
	int64_t cl = -1, x;
	ssize_t n;
	size_t vl;

	*has_te = 0;
	while ((n = next_line(&p, end, &line)) >= 0) {
		if (memchr(line, '\0', (size_t)n) != NULL)
			return err_set(ERR_INVAL, "NUL in the response head");
		if (st < 0) {
			if ((st = status_line(line, (size_t)n, &minor)) < 0)
				return err_set(ERR_INVAL, "not an HTTP/1.x "
				    "status line");
			continue;
		}
		if (n == 0)
			break;
		if (is_header(line, (size_t)n, "Connection")) {
			v = value(line, (size_t)n, &vl);
			if (has_token(v, vl, "close"))
				resp->up_close = 1;
			if (has_token(v, vl, "keep-alive"))
				keep10 = 1;
		} else if (is_header(line, (size_t)n, "Transfer-Encoding")) {
			v = value(line, (size_t)n, &vl);
			*has_te = 1;
			chunked = last_chunked(v, vl);
		} else if (is_header(line, (size_t)n, "Content-Length")) {
			v = value(line, (size_t)n, &vl);
			if ((x = length_of(v, vl)) < 0 || (cl >= 0 && x != cl))
				return err_set(ERR_INVAL, "bad Content-Length "
				    "in the response head");
			cl = x;
		}
	}
	if (st < 0)
		return err_set(ERR_INVAL, "empty response head");
	resp->status = st;
	if (minor == 0 && !keep10)
		resp->up_close = 1;
	if ((flags & PROXY_HEAD) || st < 200 || st == 204 || st == 304)
		resp->body = PROXY_BODY_NONE;
	else if (*has_te)
		resp->body = chunked ? PROXY_BODY_CHUNKED : PROXY_BODY_CLOSE;
	else if (cl >= 0) {
		resp->body = PROXY_BODY_LENGTH;
		resp->length = cl;
	} else
		resp->body = PROXY_BODY_CLOSE;
	if (resp->body == PROXY_BODY_CLOSE)
		resp->up_close = 1;
	if (resp->body == PROXY_BODY_CHUNKED && (flags & PROXY_HTTP10))
		resp->dechunk = 1;
	return 0;
}

int
proxy_rewrite_head(const char *in, size_t len, const char *prefix,
    int flags, struct buf *out, struct proxy_resp *resp)
{
	const char *p = in, *end = in + len, *line, *v;
	size_t plen = strlen(prefix), vl;
	int first = 1, st, has_te, rc;
	ssize_t n;

	memset(resp, 0, sizeof *resp);
	resp->length = -1;
	if (len < 4 || memcmp(in + len - 4, "\r\n\r\n", 4) != 0)
		return err_set(ERR_INVAL, "response head without its end");
	if ((rc = scan(in, len, flags, resp, &has_te)) != 0)
		return rc;
	st = resp->status;
	rc = 0;
	while ((n = next_line(&p, end, &line)) >= 0) {
		if (first) {
			first = 0;
			rc |= buf_append(out, line, (size_t)n);
			rc |= buf_append(out, "\r\n", 2);
		} else if (n == 0) {
			if (st != 101 && st >= 200 && (!(flags & PROXY_KEEP) ||
			    resp->body == PROXY_BODY_CLOSE || resp->dechunk)) {
				rc |= buf_append(out, "Connection: close\r\n",
				    19);
				resp->client_close = 1;
			}
			rc |= buf_append(out, "\r\n", 2);
			break;
		} else if (st != 101 && (is_header(line, (size_t)n,
		    "Connection") || is_header(line, (size_t)n,
		    "Keep-Alive"))) {
			/* hop-by-hop: this connection's, not the client's */
		} else if (has_te && is_header(line, (size_t)n,
		    "Content-Length")) {
			/* RFC 9112 6.3: not sent on with a Transfer-Encoding */
		} else if (resp->dechunk && is_header(line, (size_t)n,
		    "Transfer-Encoding")) {
			/* decoded for an HTTP/1.0 client */
		} else if (is_header(line, (size_t)n, "Location")) {
			v = value(line, (size_t)n, &vl);
			rc |= buf_append(out, "Location: ", 10);
			/* A path on the server (not "//host"), not already
			 * under the prefix, gets the prefix. */
			if (vl > 0 && v[0] == '/' && (vl < 2 || v[1] != '/') &&
			    !(vl >= plen && strncmp(v, prefix, plen) == 0 &&
			    (vl == plen || v[plen] == '/' || v[plen] == '?')))
				rc |= buf_append(out, prefix, plen);
			rc |= buf_append(out, v, vl);
			rc |= buf_append(out, "\r\n", 2);
		} else {
			rc |= buf_append(out, line, (size_t)n);
			rc |= buf_append(out, "\r\n", 2);
		}
	}
	if (rc != 0)
		return err_set(ERR_TOOBIG, "response head too large");
	return 0;
}
