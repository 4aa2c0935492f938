/* docker-stream.h: the demultiplexer of Docker's non-TTY attach/exec
 * stream: frames of an 8-byte header (stream type, 0, 0, 0, big-endian
 * payload length) and the payload. Pure, incremental, no I/O: feed bytes
 * as they arrive, split anywhere. One owner thread per struct dstream. */
#ifndef BERTH_DOCKER_STREAM_H
#define BERTH_DOCKER_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Frames longer than this are refused as corrupt (the engine writes at
 * most 32 KiB per frame). */
#define DSTREAM_MAX_FRAME	(16U * 1024 * 1024)

enum {
	DSTREAM_STDIN = 0,	/* reported as stdout, like Docker's stdcopy */
	DSTREAM_STDOUT = 1,
	DSTREAM_STDERR = 2,
	DSTREAM_SYSERR = 3,	/* an error message from the engine */
};

struct dstream {
	uint8_t		hdr[8];
	size_t		hdrlen;		/* header bytes seen so far */
	uint32_t	left;		/* payload bytes still to come */
	int		stream;		/* stream of the current frame */
	int		broken;		/* a bad header was seen */
};

void	dstream_init(struct dstream *);
/* Consumes up to inlen bytes of in. When payload is available, *out points
 * into in at up to maxout bytes of it, *outlen is their count and *stream
 * their stream (1 stdout, 2 stderr, 3 engine error); otherwise *outlen is
 * 0. Returns the bytes of in consumed (header and payload; call again with
 * the rest), or ERR_INVAL on a corrupt header (and on every later call).
 * Consumes at least one byte when inlen > 0 and maxout > 0. */
ssize_t	dstream_feed(struct dstream *, const uint8_t *in, size_t inlen,
	    size_t maxout, int *stream, const uint8_t **out, size_t *outlen);
/* 1 when between frames (a clean end of stream is possible here). */
int	dstream_idle(const struct dstream *);

#endif
