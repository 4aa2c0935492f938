/* http-range.c: the Range and If-Range of a GET (req_range in http.h),
 * over the reply helpers of http-server.c. Request threads. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

static const char unsat_body[] = "{\"error\":{\"code\":"
    "\"range_not_satisfiable\",\"message\":\"the range starts past the "
    "end of the file\"}}\n";

static int
parse_i64(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
req_range(struct req *r, int64_t size, const char *etag,
    const char *last_modified, int64_t *first, int64_t *last)
{
	const char *h = req_header(r, "Range"), *ir = req_header(r,
	    "If-Range"), *dash;
	int64_t a, b;
	char cr[80];

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') !=
	    NULL)
		return 0;
	/* If-Range: the range only while the representation is the same. */
	if (ir != NULL && !((etag != NULL && strcmp(ir, etag) == 0) ||
	    (last_modified != NULL && strcmp(ir, last_modified) == 0)))
		return 0;
	h += 6;
	while (*h == ' ')
		h++;
	if ((dash = strchr(h, '-')) == NULL)
		return 0;
	if (dash == h) {
		/* bytes=-N: the last N bytes. */
		if (parse_i64(dash + 1, strlen(dash + 1), &b) != 0)
			return 0;
		if (b == 0)
			goto unsat;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
	} else {
		if (parse_i64(h, (size_t)(dash - h), &a) != 0)
			return 0;
		if (dash[1] == '\0')
			b = size - 1;
		else if (parse_i64(dash + 1, strlen(dash + 1), &b) != 0 ||
		    b < a)
			return 0;
		if (a >= size)
			goto unsat;
		*first = a;
		*last = b >= size ? size - 1 : b;
	}
	if (size == 0)
		goto unsat;
	return 1;
unsat:
	snprintf(cr, sizeof cr, "Content-Range: bytes */%lld\r\n",
	    (long long)size);
	reply_start(r, 416, "application/json", (int64_t)sizeof unsat_body -
	    1, cr);
	reply_write(r, unsat_body, sizeof unsat_body - 1);
	return -1;
}

