/* pump.c: the one-way, window-respecting, non-blocking copy loop between
 * two peers (see pump.h for the contract). No I/O of its own: it only
 * calls its peers' functions. Any thread; one pump on one thread. */
#include <string.h>

#include "err.h"
#include "pump.h"

void
pump_init(struct pump *p, const struct pump_peer *src,
    const struct pump_peer *dst, void *buf, size_t size,
    enum pump_gone on_gone)
{
	memset(p, 0, sizeof *p);
	p->src = src;
	p->dst = dst;
	p->buf = buf;
	p->size = size;
	p->on_gone = on_gone;
	p->stream = 1;
	p->state = PUMP_WAIT_READ;
}

/* The sink's window now (SIZE_MAX without one). */
static size_t
dst_window(const struct pump *p)
{
	if (p->dst->window == NULL)
		return SIZE_MAX;
	return p->dst->window(p->dst->ctx);
}

/* The sink refused for good: drop what is held. */
static void
sink_gone(struct pump *p)
{
	p->dst_gone = 1;
	p->off = p->len = 0;
}

/* Writes what is held; PUMP_DONE when all of it went (or was dropped). */
static enum pump_state
flush(struct pump *p)
{
	size_t win, n;
	ssize_t w;

	while (p->off < p->len) {
		if (p->dst_gone) {
			p->off = p->len = 0;
			break;
		}
		if ((win = dst_window(p)) == 0)
			return PUMP_WAIT_WINDOW;
		n = p->len - p->off;
		if (n > win)
			n = win;
		w = p->dst->write(p->dst->ctx, p->stream, p->buf + p->off, n);
		if (w == 0 || w == ERR_AGAIN)
			return PUMP_WAIT_WRITE;
		if (w < 0) {
			sink_gone(p);
			break;
		}
		if ((size_t)w > n)
			w = (ssize_t)n;		/* a peer that overclaims */
		p->off += (size_t)w;
		p->moved += (uint64_t)w;
	}
	p->off = p->len = 0;
	return PUMP_DONE;
}

enum pump_state
pump_run(struct pump *p)
{
	enum pump_state st;
	size_t want;
	ssize_t n;
	int stream;

	for (;;) {
		if (p->state == PUMP_DONE)
			return PUMP_DONE;
		if ((st = flush(p)) != PUMP_DONE)
			return p->state = st;
		if (p->dst_gone && p->on_gone == PUMP_STOP)
			return p->state = PUMP_DONE;
		if (p->src_eof) {
			if (!p->dst_gone && p->dst->eof != NULL)
				p->dst->eof(p->dst->ctx);
			return p->state = PUMP_DONE;
		}
		want = p->size;
		if (!p->dst_gone) {
			size_t win = dst_window(p);

			if (win == 0)
				return p->state = PUMP_WAIT_WINDOW;
			if (win < want)
				want = win;
		}
		stream = 1;
		n = p->src->read(p->src->ctx, &stream, p->buf, want);
		if (n == ERR_AGAIN)
			return p->state = PUMP_WAIT_READ;
		if (n <= 0) {
			if (n < 0)
				p->src_err = (int)n;
			p->src_eof = 1;
			continue;
		}
		if ((size_t)n > want)
			n = (ssize_t)want;	/* a peer that overclaims */
		p->off = 0;
		p->len = (size_t)n;
		p->stream = stream == 2 ? 2 : 1;
		if (p->dst_gone)
			p->len = 0;		/* draining */
	}
}

int
pump_wants_read(const struct pump *p)
{
	return p->state == PUMP_WAIT_READ;
}

int
pump_wants_write(const struct pump *p)
{
	return p->state == PUMP_WAIT_WRITE;
}

size_t
pump_pending(const struct pump *p)
{
	return p->len - p->off;
}
