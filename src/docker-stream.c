/* docker-stream.c: incremental demultiplexer of Docker's framed stream
 * (see docker-stream.h). Pure function over bytes, fuzzed by
 * tests/fuzz/fuzz-docker-demux.c. Any thread, one per struct dstream. */
#include <string.h>

#include "docker-stream.h"
#include "err.h"

void
dstream_init(struct dstream *d)
{
	memset(d, 0, sizeof *d);
}

int
dstream_idle(const struct dstream *d)
{
	return !d->broken && d->hdrlen == 0 && d->left == 0;
}

ssize_t
dstream_feed(struct dstream *d, const uint8_t *in, size_t inlen,
    size_t maxout, int *stream, const uint8_t **out, size_t *outlen)
{
	size_t used = 0, n;
	uint32_t len;

	*out = NULL;
	*outlen = 0;
	*stream = 0;
	if (d->broken)
		return ERR_INVAL;
	while (used < inlen) {
		if (d->left > 0) {
			n = inlen - used;
			if (n > d->left)
				n = d->left;
			if (n > maxout)
				n = maxout;
			if (n == 0)
				break;
			*out = in + used;
			*outlen = n;
			*stream = d->stream == DSTREAM_STDIN ? DSTREAM_STDOUT :
			    d->stream;
			d->left -= (uint32_t)n;
			return (ssize_t)(used + n);
		}
		/* Collect a header, possibly across calls. */
		n = sizeof d->hdr - d->hdrlen;
		if (n > inlen - used)
			n = inlen - used;
		memcpy(d->hdr + d->hdrlen, in + used, n);
		d->hdrlen += n;
		used += n;
		if (d->hdrlen < sizeof d->hdr)
			break;
		d->hdrlen = 0;
		len = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
		    (uint32_t)d->hdr[6] << 8 | (uint32_t)d->hdr[7];
		if (d->hdr[0] > DSTREAM_SYSERR || d->hdr[1] != 0 ||
		    d->hdr[2] != 0 || d->hdr[3] != 0 ||
		    len > DSTREAM_MAX_FRAME) {
			d->broken = 1;
			return ERR_INVAL;
		}
		d->stream = d->hdr[0];
		d->left = len;		/* zero-length frames just pass */
	}
	return (ssize_t)used;
}
