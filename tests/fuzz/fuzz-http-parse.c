/* fuzz-http-parse.c: what a client sends before any handler runs: the
 * request head (request line, headers, framing rules), the query and path
 * decoding the router does on it, and a chunked body fed in pieces. The
 * first byte picks how the chunked stream is split. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http-parse.h"

static void
head(const uint8_t *data, size_t size)
{
	struct http_head h;
	const char *why;
	char *buf, out[256];
	size_t e;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	e = http_head_end(buf, size);
	if (e > 0 && http_parse_head(buf, e, &h, &why) == 0) {
		(void)http_head_get(&h, "Host");
		(void)http_url_decode(h.target, strlen(h.target), out,
		    sizeof out, 0);
		if (h.query != NULL) {
			(void)http_query_get(h.query, "follow", out,
			    sizeof out);
			(void)http_query_get(h.query, "a", out, 1);
		}
		if (h.content_length < -1)
			abort();
		if (h.chunked && h.content_length != -1)
			abort();
	}
	free(buf);
}

static void
chunked(const uint8_t *data, size_t size)
{
	struct http_chunked c;
	size_t step, off = 0, used;
	char *buf;
	int done = 0;

	if (size == 0)
		return;
	step = (size_t)(data[0] % 16) + 1;
	data++;
	size--;
	memset(&c, 0, sizeof c);
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	while (off < size && !done) {
		size_t n = size - off < step ? size - off : step;
		long o = http_chunked_decode(&c, buf + off, n, &used, &done);
		if (o < 0)
			break;
		if ((size_t)o > used || used > n)
			abort();
		if (used == 0 && !done)
			abort();
		off += used;
	}
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	head(data, size);
	chunked(data, size);
	return 0;
}
