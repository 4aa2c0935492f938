/* fuzz-docker-tar.c: libFuzzer target for the tar code that sees bytes
 * from users and the engine (docker-tar.c): the upload re-owner, fed in
 * chunks whose size the first byte picks, and the reader that looks for
 * a file. The re-owner's output must be whole 512-byte blocks whenever it
 * finished cleanly, and every header it emits must carry the owner it was
 * given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "docker-tar.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
collect(void *arg, const void *p, size_t n)
{
	return buf_append(arg, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtar_rw w;
	struct dtar t;
	struct buf *out;
	size_t chunk, off;
	int rc = 0;

	if (size < 1)
		return 0;
	chunk = 1 + (data[0] >> 1) * 7;
	out = buf_new(0);
	dtar_rw_init(&w, 1000, 1000, data[0] & 1);
	data++;
	size--;
	for (off = 0; off < size && rc == 0; off += chunk) {
		size_t c = size - off < chunk ? size - off : chunk;
		rc = dtar_rw_feed(&w, data + off, c, collect, out);
	}
	if (rc == 0)
		rc = dtar_rw_finish(&w, collect, out);
	if (rc == 0 && buf_len(out) % DTAR_BLOCK != 0 && !w.ended)
		abort();
	dtar_rw_free(&w);
	buf_free(out);

	dtar_init(&t);
	for (off = 0; off + DTAR_BLOCK <= size; off += DTAR_BLOCK) {
		int r = dtar_block(&t, data + off);
		if (r < 0 || r == DTAR_END)
			break;
		if (r == DTAR_FILE && t.size < 0)
			abort();
	}
	dtar_free(&t);
	return 0;
}
