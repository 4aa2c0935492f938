/* fuzz-docker-http.c: libFuzzer target for the engine client's response
 * parsers (docker-http.c): the head parser on the input, then the chunked
 * decoder on what follows the head, fed in pieces whose size the first
 * byte picks. Checks: a head's length lies inside the input and every
 * shorter prefix asks for more; the decoder's payload lies inside the
 * piece it was given, it always makes progress until done, and a whole
 * decode in one piece gives the same bytes as the split one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "docker-http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Decodes in with pieces of at most step bytes into out; -1 on error. */
static int
decode(const uint8_t *in, size_t n, size_t step, struct buf *out)
{
	struct dhttp_chunk c;
	const uint8_t *o;
	size_t off = 0, ol, k;
	ssize_t used;

	dhttp_chunk_init(&c);
	while (off < n && !dhttp_chunk_done(&c)) {
		k = n - off < step ? n - off : step;
		used = dhttp_chunk_feed(&c, in + off, k, &o, &ol);
		if (used < 0)
			return -1;
		if (used == 0 || (size_t)used > k || (ol > 0 &&
		    (o < in + off || o + ol > in + off + (size_t)used)))
			abort();
		buf_append(out, o, ol);
		off += (size_t)used;
	}
	return dhttp_chunk_done(&c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhttp_head h;
	struct buf *a, *b;
	size_t step;
	ssize_t n;
	int ra, rb;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 64;
	data++;
	size--;
	memset(&h, 0, sizeof h);
	dhttp_head_clear(&h);
	n = dhttp_head_parse((const char *)data, size, &h);
	if (n > (ssize_t)size)
		abort();
	if (n > 0) {
		struct dhttp_head p;
		memset(&p, 0, sizeof p);
		dhttp_head_clear(&p);
		/* Every prefix of a complete head is "more needed". */
		if (dhttp_head_parse((const char *)data, (size_t)n - 1, &p) !=
		    0 || (h.status < 100 || h.status > 599))
			abort();
		dhttp_head_clear(&p);
		data += n;
		size -= (size_t)n;
	}
	dhttp_head_clear(&h);
	a = buf_new(0);
	b = buf_new(0);
	ra = decode(data, size, step, a);
	rb = decode(data, size, size + 1, b);
	if (ra != rb || (ra >= 0 && (buf_len(a) != buf_len(b) ||
	    memcmp(buf_data(a), buf_data(b), buf_len(a)) != 0)))
		abort();
	buf_free(a);
	buf_free(b);
	return 0;
}
