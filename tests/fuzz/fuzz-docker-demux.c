/* fuzz-docker-demux.c: libFuzzer target for the Docker stream
 * demultiplexer (docker-stream.c). The first byte picks the chunk size and
 * the second the output cap, so split points are fuzzed too; every
 * payload slice must lie inside its chunk, never exceed the cap, and the
 * parser must always make progress. */
#include <stdint.h>
#include <stdlib.h>

#include "docker-stream.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dstream d;
	size_t chunk, maxout, off;

	if (size < 2)
		return 0;
	chunk = 1 + data[0];
	maxout = 1 + data[1] * 37;
	data += 2;
	size -= 2;
	dstream_init(&d);
	for (off = 0; off < size; ) {
		size_t c = size - off < chunk ? size - off : chunk, coff = 0;

		while (coff < c) {
			const uint8_t *o;
			size_t ol;
			int st;
			ssize_t n = dstream_feed(&d, data + off + coff,
			    c - coff, maxout, &st, &o, &ol);
			if (n < 0)
				return 0;
			if (n == 0 || (size_t)n > c - coff || ol > maxout ||
			    (ol > 0 && (o < data + off + coff ||
			    o + ol > data + off + c || st < 1 || st > 3)))
				abort();
			coff += (size_t)n;
		}
		off += c;
	}
	(void)dstream_idle(&d);
	return 0;
}
