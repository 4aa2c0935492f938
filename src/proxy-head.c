/* proxy-head.c: the port proxy's rewriting of a response head from a
 * server inside a workspace (untrusted input). Pure; any thread. */
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

int
proxy_rewrite_head(const char *in, size_t len, const char *prefix,
    struct buf *out, int *status)
{
	const char *p = in, *end = in + len, *nl, *v;
	size_t n, plen = strlen(prefix), vl;
	int first = 1, st = 0, rc = 0;

	*status = 0;
	if (len < 4 || memcmp(in + len - 4, "\r\n\r\n", 4) != 0)
		return err_set(ERR_INVAL, "response head without its end");
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (memchr(p, '\0', n) != NULL)
			return err_set(ERR_INVAL, "NUL in the response head");
		if (first) {
			/* "HTTP/1.x NNN reason" */
			if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0 ||
			    p[8] != ' ' || p[9] < '1' || p[9] > '5' ||
			    p[10] < '0' || p[10] > '9' || p[11] < '0' ||
			    p[11] > '9' || (n > 12 && p[12] != ' '))
				return err_set(ERR_INVAL, "not an HTTP/1.x "
				    "status line");
			st = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
			    (p[11] - '0');
			first = 0;
			rc |= buf_append(out, p, n);
			rc |= buf_append(out, "\r\n", 2);
		} else if (n == 0) {
			if (st != 101 && st >= 200)
				rc |= buf_append(out, "Connection: close\r\n",
				    19);
			rc |= buf_append(out, "\r\n", 2);
			break;
		} else if (st != 101 && (is_header(p, n, "Connection") ||
		    is_header(p, n, "Keep-Alive"))) {
			/* dropped: the proxy closes after this response */
		} else if (is_header(p, n, "Location")) {
			v = p + 9;
			while (v < p + n && (*v == ' ' || *v == '\t'))
				v++;
			vl = (size_t)(p + n - v);
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
			rc |= buf_append(out, p, n);
			rc |= buf_append(out, "\r\n", 2);
		}
		p = nl + 1;
	}
	if (rc != 0)
		return err_set(ERR_TOOBIG, "response head too large");
	*status = st;
	return 0;
}
