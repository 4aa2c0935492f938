/* pump.h: the flow-controlled copy loop, one way, from a source peer to a
 * sink peer, whatever they are: an SSH channel, a process in a workspace
 * (proc.h), an HTTP client, a WebSocket, a supervisor's stream. It never
 * blocks and never holds more than its one buffer: each pump_run() moves
 * what can move now, reads no more than the sink's window lets it send,
 * and says what it waits for, so the caller can poll the right fd (or
 * wait for the window to open) and call it again. Used by the SSH gateway
 * (ssh-chan.c, both directions of every channel) and the exec API's
 * output and stdin (api-exec.c).
 *
 * A peer is four functions on an opaque ctx; a missing one (NULL) means
 * "not needed on this side" as noted. Every function may return ERR_AGAIN
 * (err.h) where it says so, and must not block if the caller's loop is
 * non-blocking (a blocking sink, such as an HTTP reply on its own thread,
 * is fine: the pump then simply waits inside write).
 *
 * Streams: data carries a stream number, 1 (stdout, or the only stream) or
 * 2 (stderr), the same numbers as PROC_STDOUT and PROC_STDERR; a source
 * with one stream sets 1, a sink with one stream ignores it.
 *
 * A struct pump belongs to one thread at a time; pumps share nothing. */
#ifndef BERTH_PUMP_H
#define BERTH_PUMP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pump_peer {
	void	 *ctx;
	/* Sink: bytes it takes now (an SSH channel's window; a WebSocket's
	 * credit); 0 closes the window (the pump waits, PUMP_WAIT_WINDOW).
	 * NULL: no window (a socket or pipe: write says when it is full). */
	size_t	(*window)(void *ctx);
	/* Source: reads at most len bytes into buf: >0 with *stream set, 0 at
	 * the end of the data, ERR_AGAIN when nothing is ready now, other <0:
	 * an error, taken as the end (pump.src_err keeps it). */
	ssize_t	(*read)(void *ctx, int *stream, void *buf, size_t len);
	/* Sink: writes at most len bytes of stream: the count taken (may be
	 * less than len), 0 or ERR_AGAIN when it takes nothing now (the pump
	 * waits, PUMP_WAIT_WRITE), other <0 when the sink is gone for good. */
	ssize_t	(*write)(void *ctx, int stream, const void *buf, size_t len);
	/* Sink: the source ended and everything was written; tell the far
	 * side (shutdown a socket, close a process's stdin, send an SSH EOF).
	 * NULL: nothing to do. Called at most once, never after the sink is
	 * gone. */
	void	(*eof)(void *ctx);
};

/* What to do once the sink is gone (write < 0). */
enum pump_gone {
	PUMP_STOP,	/* stop: the pump is done, the source is left as is */
	PUMP_DRAIN	/* keep reading the source to its end, dropping the data
			 * (so a flow-controlled source is not stalled) */
};

/* What pump_run() waits for; PUMP_DONE when there is nothing left. */
enum pump_state {
	PUMP_DONE = 0,
	PUMP_WAIT_READ,		/* the source had nothing: poll it for input */
	PUMP_WAIT_WRITE,	/* the sink is full: poll it for output */
	PUMP_WAIT_WINDOW	/* the sink's window is shut: wait for it */
};

struct pump {
	const struct pump_peer	*src, *dst;
	enum pump_gone		 on_gone;
	uint8_t			*buf;		/* the caller's, size bytes */
	size_t			 size, off, len;
	int			 stream;	/* of buf[off..len) */
	enum pump_state		 state;		/* of the last pump_run() */
	int			 src_eof;	/* the source ended */
	int			 src_err;	/* its error (<0), 0: none */
	int			 dst_gone;	/* the sink's write failed */
	uint64_t		 moved;		/* bytes the sink took */
};

/* Sets p up to copy from src to dst through buf (size > 0 bytes, owned by
 * the caller, kept until the pump is no longer used). */
void		 pump_init(struct pump *p, const struct pump_peer *src,
		    const struct pump_peer *dst, void *buf, size_t size,
		    enum pump_gone on_gone);
/* Moves data until it would wait; returns (and keeps in p->state) what it
 * waits for, or PUMP_DONE once the source ended and everything was
 * written and the sink told (or the sink is gone, with PUMP_STOP; or the
 * source drained, with PUMP_DRAIN). Calling it again when done is fine. */
enum pump_state	 pump_run(struct pump *p);
/* The caller should poll the source for input / the sink for output
 * (from the last pump_run()). */
int		 pump_wants_read(const struct pump *p);
int		 pump_wants_write(const struct pump *p);
/* Bytes read but not yet written. */
size_t		 pump_pending(const struct pump *p);

#endif
