/* http-parse.c: the HTTP/1.x request-head parser, the chunked-body decoder
 * and URL decoding. Strict where leniency lets requests be smuggled (one
 * Content-Length, never with Transfer-Encoding; no folded lines); any
 * thread. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http-parse.h"

size_t
http_head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Cuts the line starting at *p (ending in LF or CRLF); returns it
 * NUL-terminated and moves *p past it, or NULL when there is none. */
static char *
next_line(char **p, char *end)
{
	char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));

	if (nl == NULL)
		return NULL;
	*p = nl + 1;
	if (nl > s && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	return s;
}

/* 1 when the comma-separated list v has token t (case-insensitive). */
static int
has_token(const char *v, const char *t)
{
	size_t n = strlen(t);

	while (*v != '\0') {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (strncasecmp(v, t, n) == 0 && (v[n] == '\0' || v[n] == ',' ||
		    v[n] == ' ' || v[n] == '\t'))
			return 1;
		while (*v != '\0' && *v != ',')
			v++;
	}
	return 0;
}

static int
parse_request_line(char *line, struct http_head *h, const char **why)
{
	char *sp1, *sp2, *q;

	if ((sp1 = strchr(line, ' ')) == NULL || sp1 == line ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || sp2 == sp1 + 1) {
		*why = "malformed request line";
		return 400;
	}
	*sp1 = *sp2 = '\0';
	for (char *m = line; *m != '\0'; m++)
		if (!is_tchar((unsigned char)*m)) {
			*why = "malformed method";
			return 400;
		}
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0 || sp2[8] < '0' ||
	    sp2[8] > '9' || sp2[9] != '\0') {
		*why = strncmp(sp2 + 1, "HTTP/", 5) == 0 ? "only HTTP/1.0 and "
		    "HTTP/1.1 are served" : "malformed request line";
		return strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
	}
	h->minor = sp2[8] - '0';
	h->method = line;
	h->target = sp1 + 1;
	for (const char *t = h->target; *t != '\0'; t++)
		if ((unsigned char)*t <= ' ' || (unsigned char)*t >= 0x7f) {
			*why = "malformed request target";
			return 400;
		}
	if (h->target[0] != '/' && strcmp(h->target, "*") != 0) {
		*why = "the request target must be a path";
		return 400;
	}
	if ((q = strchr(sp1 + 1, '?')) != NULL) {
		*q = '\0';
		h->query = q + 1;
	}
	return 0;
}

static int
parse_length(const char *v, int64_t *out)
{
	int64_t n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > (INT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*v - '0');
	}
	*out = n;
	return 0;
}

/* Applies the headers that frame the message; 0 or a status. */
static int
framing(struct http_head *h, const char **why)
{
	const char *conn = NULL;
	int te = 0, cl = 0;

	h->content_length = -1;
	h->keep_alive = h->minor >= 1;
	for (int i = 0; i < h->nh; i++) {
		const char *n = h->h[i].name, *v = h->h[i].value;
		if (strcasecmp(n, "Content-Length") == 0) {
			int64_t len;
			if (parse_length(v, &len) != 0 || (cl &&
			    len != h->content_length)) {
				*why = "bad Content-Length";
				return 400;
			}
			cl = 1;
			h->content_length = len;
		} else if (strcasecmp(n, "Transfer-Encoding") == 0) {
			if (te || strcasecmp(v, "chunked") != 0) {
				*why = "only Transfer-Encoding: chunked is "
				    "accepted";
				return te ? 400 : 501;
			}
			te = 1;
		} else if (strcasecmp(n, "Connection") == 0)
			conn = v;
		else if (strcasecmp(n, "Expect") == 0) {
			if (strcasecmp(v, "100-continue") != 0) {
				*why = "only Expect: 100-continue is accepted";
				return 417;
			}
			h->expect_continue = 1;
		} else if (strcasecmp(n, "Upgrade") == 0)
			h->upgrade = 1;
	}
	if (te && cl) {
		*why = "Content-Length and Transfer-Encoding together";
		return 400;
	}
	if (te && h->minor == 0) {
		*why = "chunked bodies need HTTP/1.1";
		return 400;
	}
	h->chunked = te;
	if (conn != NULL) {
		if (has_token(conn, "close"))
			h->keep_alive = 0;
		else if (has_token(conn, "keep-alive"))
			h->keep_alive = 1;
	}
	if (h->minor >= 1 && http_head_get(h, "Host") == NULL) {
		*why = "HTTP/1.1 requests need a Host header";
		return 400;
	}
	return 0;
}

int
http_parse_head(char *buf, size_t len, struct http_head *h,
    const char **why)
{
	char *p = buf, *end = buf + len, *line;
	int rc;

	memset(h, 0, sizeof *h);
	*why = "malformed request";
	if (len > HTTP_MAX_HEAD) {
		*why = "request head is larger than 32 KiB";
		return 431;
	}
	/* RFC 9112 2.2: ignore empty lines before the request line. */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if ((line = next_line(&p, end)) == NULL)
		return 400;
	if ((rc = parse_request_line(line, h, why)) != 0)
		return rc;
	while ((line = next_line(&p, end)) != NULL && *line != '\0') {
		char *colon, *v, *ve;
		if (*line == ' ' || *line == '\t') {
			*why = "folded header lines are not accepted";
			return 400;
		}
		if ((colon = strchr(line, ':')) == NULL || colon == line) {
			*why = "malformed header line";
			return 400;
		}
		*colon = '\0';
		for (char *c = line; *c != '\0'; c++)
			if (!is_tchar((unsigned char)*c)) {
				*why = "malformed header name";
				return 400;
			}
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		ve = v + strlen(v);
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			*--ve = '\0';
		for (char *c = v; *c != '\0'; c++)
			if ((unsigned char)*c < ' ' && *c != '\t') {
				*why = "control character in a header";
				return 400;
			}
		if (h->nh >= HTTP_MAX_HEADERS) {
			*why = "more than 64 header lines";
			return 431;
		}
		h->h[h->nh].name = line;
		h->h[h->nh].value = v;
		h->nh++;
	}
	if (line == NULL)
		return 400;
	return framing(h, why);
}

const char *
http_head_get(const struct http_head *h, const char *name)
{
	for (int i = 0; i < h->nh; i++)
		if (strcasecmp(h->h[i].name, name) == 0)
			return h->h[i].value;
	return NULL;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
http_url_decode(const char *s, size_t n, char *out, size_t outsz, int form)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int a, b;
			if (i + 2 >= n)
				return -1;
			if ((a = hexval(s[i + 1])) < 0 ||
			    (b = hexval(s[i + 2])) < 0)
				return -1;
			c = a * 16 + b;
			i += 2;
			if (c == 0)
				return -1;
		} else if (form && c == '+')
			c = ' ';
		else if (c == '\0')
			return -1;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	if (outsz == 0)
		return -1;
	out[o] = '\0';
	return (int)o;
}

int
http_query_get(const char *qs, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);

	if (qs == NULL)
		return -1;
	while (*qs != '\0') {
		const char *amp = strchr(qs, '&'), *eq;
		size_t seg = amp ? (size_t)(amp - qs) : strlen(qs);
		eq = memchr(qs, '=', seg);
		if (eq != NULL && (size_t)(eq - qs) == nl &&
		    strncmp(qs, name, nl) == 0)
			return http_url_decode(eq + 1, seg - nl - 1, out,
			    outsz, 1);
		if (eq == NULL && seg == nl && strncmp(qs, name, nl) == 0)
			return http_url_decode("", 0, out, outsz, 1);
		if (amp == NULL)
			break;
		qs = amp + 1;
	}
	return -1;
}

enum {
	CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF,
	CH_TRAILER, CH_TRAILER_LINE, CH_TRAILER_LF, CH_FINAL_LF, CH_DONE
};

long
http_chunked_decode(struct http_chunked *c, char *buf, size_t len,
    size_t *used, int *done)
{
	size_t i = 0, o = 0;

	*done = c->state == CH_DONE;
	while (i < len && c->state != CH_DONE) {
		unsigned char ch = (unsigned char)buf[i];
		int v;
		switch (c->state) {
		case CH_SIZE:
			if ((v = hexval(ch)) >= 0) {
				if (++c->ndigits > 15)
					return -1;
				c->left = c->left * 16 + (uint64_t)v;
			} else if (c->ndigits == 0)
				return -1;
			else if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CH_EXT;
				c->extlen = 0;
			} else
				return -1;
			i++;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (++c->extlen > 1024 || ch == '\n')
				return -1;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->ndigits = 0;
			c->state = c->left == 0 ? CH_TRAILER : CH_DATA;
			break;
		case CH_DATA: {
			size_t n = len - i;
			if (n > c->left)
				n = (size_t)c->left;
			memmove(buf + o, buf + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch != '\r')
				return -1;
			c->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->state = CH_SIZE;
			i++;
			break;
		case CH_TRAILER:
			c->extlen = 0;
			c->state = ch == '\r' ? CH_FINAL_LF : CH_TRAILER_LINE;
			if (ch == '\n')
				return -1;
			i++;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (++c->extlen > 8192 || ch == '\n')
				return -1;
			i++;
			break;
		case CH_TRAILER_LF:
		case CH_FINAL_LF:
			if (ch != '\n')
				return -1;
			c->state = c->state == CH_FINAL_LF ? CH_DONE :
			    CH_TRAILER;
			i++;
			break;
		}
	}
	*used = i;
	*done = c->state == CH_DONE;
	return (long)o;
}
