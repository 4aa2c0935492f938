/* test-pump: the pump between in-memory peers: a fast source and sink, a
 * slow sink with a small window that opens bit by bit and takes short
 * writes, a slow source that trickles, two streams, a sink that goes away
 * (stop and drain), a source error, a window shut from the start. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "err.h"
#include "pump.h"

#define TOTAL	(1024 * 1024 + 17)

struct src {
	const uint8_t	*data;
	size_t		 len, off;
	int		 again_every;	/* every Nth read: ERR_AGAIN; 0 never */
	size_t		 max_read;	/* 0: as asked */
	int		 stderr_every;	/* chunks alternate streams; 0 never */
	int		 fail_at_end;	/* an error instead of EOF */
	int		 reads, chunks;
	size_t		 largest_ask;
};

struct dst {
	uint8_t		*got;
	int		*streams;	/* per byte */
	size_t		 len, cap;
	int		 windowed;
	size_t		 window;	/* with windowed */
	size_t		 max_write;	/* 0: all */
	int		 full;		/* ERR_AGAIN until cleared */
	size_t		 gone_after;	/* write fails past this; 0 never */
	int		 eofs;
	int		 over_window;	/* a write beyond the window */
};

static ssize_t
src_read(void *ctx, int *stream, void *buf, size_t len)
{
	struct src *s = ctx;
	size_t n;

	s->reads++;
	if (len > s->largest_ask)
		s->largest_ask = len;
	if (s->again_every > 0 && s->reads % s->again_every == 0)
		return ERR_AGAIN;
	if (s->off == s->len)
		return s->fail_at_end ? ERR_IO : 0;
	n = s->len - s->off;
	if (n > len)
		n = len;
	if (s->max_read > 0 && n > s->max_read)
		n = s->max_read;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	s->chunks++;
	*stream = s->stderr_every > 0 && s->chunks % s->stderr_every == 0 ?
	    2 : 1;
	return (ssize_t)n;
}

static size_t
dst_window(void *ctx)
{
	struct dst *d = ctx;

	return d->window;
}

static ssize_t
dst_write(void *ctx, int stream, const void *buf, size_t len)
{
	struct dst *d = ctx;
	size_t i;

	if (d->gone_after > 0 && d->len >= d->gone_after)
		return ERR_EOF;
	if (d->full)
		return ERR_AGAIN;
	if (d->windowed && len > d->window)
		d->over_window++;
	if (d->max_write > 0 && len > d->max_write)
		len = d->max_write;
	if (d->len + len > d->cap)
		return ERR_IO;
	memcpy(d->got + d->len, buf, len);
	for (i = 0; i < len; i++)
		d->streams[d->len + i] = stream;
	d->len += len;
	if (d->windowed)
		d->window -= len;
	return (ssize_t)len;
}

static void
dst_eof(void *ctx)
{
	struct dst *d = ctx;

	d->eofs++;
}

static uint8_t *
pattern(size_t n)
{
	uint8_t *p = malloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	return p;
}

static void
dst_init(struct dst *d, size_t cap)
{
	memset(d, 0, sizeof *d);
	d->got = malloc(cap);
	d->streams = calloc(cap, sizeof *d->streams);
	d->cap = cap;
}

static void
dst_done(struct dst *d)
{
	free(d->got);
	free(d->streams);
}

/* Both peers fast: everything arrives in order, EOF once. */
static void
test_fast(const uint8_t *data)
{
	struct src s = { .data = data, .len = TOTAL };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .write = dst_write,
	    .eof = dst_eof };
	struct pump p;
	uint8_t buf[4096];

	dst_init(&d, TOTAL);
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);
	CHECK_EQ_INT(d.len, TOTAL);
	CHECK(memcmp(d.got, data, TOTAL) == 0);
	CHECK_EQ_INT(d.eofs, 1);
	CHECK_EQ_INT(p.moved, TOTAL);
	CHECK_EQ_INT(p.src_err, 0);
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);	/* again: nothing */
	CHECK_EQ_INT(d.eofs, 1);
	dst_done(&d);
}

/* A slow sink: a window that opens 700 bytes at a time, writes of at most
 * 333 bytes, full every other round; the source sometimes has nothing.
 * Never more than the window is written or read. */
static void
test_slow_sink(const uint8_t *data)
{
	struct src s = { .data = data, .len = TOTAL, .again_every = 5 };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .window = dst_window,
	    .write = dst_write, .eof = dst_eof };
	struct pump p;
	uint8_t buf[4096];
	enum pump_state st;
	int rounds = 0, waits[4] = { 0 };

	dst_init(&d, TOTAL);
	d.windowed = 1;
	d.max_write = 333;
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	while ((st = pump_run(&p)) != PUMP_DONE && rounds++ < 1000000) {
		waits[st]++;
		CHECK(pump_pending(&p) <= 700);
		if (st == PUMP_WAIT_WINDOW)
			d.window += 700;
		if (st == PUMP_WAIT_WRITE)
			d.full = 0;
		else
			d.full = rounds % 2;
		CHECK_EQ_INT(pump_wants_read(&p), st == PUMP_WAIT_READ);
		CHECK_EQ_INT(pump_wants_write(&p), st == PUMP_WAIT_WRITE);
	}
	CHECK_EQ_INT(st, PUMP_DONE);
	CHECK_EQ_INT(d.len, TOTAL);
	CHECK(memcmp(d.got, data, TOTAL) == 0);
	CHECK_EQ_INT(d.over_window, 0);
	CHECK(s.largest_ask <= 700);
	CHECK(waits[PUMP_WAIT_WINDOW] > 0);
	CHECK(waits[PUMP_WAIT_WRITE] > 0);
	CHECK(waits[PUMP_WAIT_READ] > 0);
	CHECK_EQ_INT(d.eofs, 1);
	dst_done(&d);
}

/* A slow source (a few bytes a read, nothing every other time) into a
 * fast sink; chunks alternate between stdout and stderr and keep their
 * stream. */
static void
test_slow_source_streams(const uint8_t *data)
{
	size_t n = 10000, i;
	struct src s = { .data = data, .len = n, .again_every = 2,
	    .max_read = 7, .stderr_every = 3 };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .write = dst_write,
	    .eof = dst_eof };
	struct pump p;
	uint8_t buf[64];
	int rounds = 0, bad = 0;

	dst_init(&d, n);
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	while (pump_run(&p) == PUMP_WAIT_READ && rounds++ < 100000)
		;
	CHECK_EQ_INT(p.state, PUMP_DONE);
	CHECK_EQ_INT(d.len, n);
	CHECK(memcmp(d.got, data, n) == 0);
	/* chunk k (1-based, 7 bytes each) is stderr when k % 3 == 0 */
	for (i = 0; i < n; i++)
		if (d.streams[i] != ((i / 7 + 1) % 3 == 0 ? 2 : 1))
			bad++;
	CHECK_EQ_INT(bad, 0);
	CHECK(rounds > 1000);
	dst_done(&d);
}

/* The sink goes away: with PUMP_STOP the pump ends at once and the source
 * is left; with PUMP_DRAIN the source is read to its end. No EOF either
 * way. */
static void
test_gone(const uint8_t *data)
{
	struct src s = { .data = data, .len = TOTAL };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .write = dst_write,
	    .eof = dst_eof };
	struct pump p;
	uint8_t buf[1000];

	dst_init(&d, TOTAL);
	d.gone_after = 5000;
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);
	CHECK(p.dst_gone);
	CHECK_EQ_INT(d.len, 5000);
	CHECK(s.off < TOTAL);
	CHECK_EQ_INT(d.eofs, 0);
	CHECK_EQ_INT(pump_pending(&p), 0);
	dst_done(&d);

	memset(&s, 0, sizeof s);
	s.data = data;
	s.len = TOTAL;
	dst_init(&d, TOTAL);
	d.gone_after = 5000;
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_DRAIN);
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);
	CHECK(p.dst_gone);
	CHECK_EQ_INT(s.off, TOTAL);
	CHECK_EQ_INT(d.len, 5000);
	CHECK_EQ_INT(d.eofs, 0);
	dst_done(&d);
}

/* A source error ends the data like EOF, and is kept. */
static void
test_src_error(const uint8_t *data)
{
	struct src s = { .data = data, .len = 100, .fail_at_end = 1 };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .write = dst_write,
	    .eof = dst_eof };
	struct pump p;
	uint8_t buf[64];

	dst_init(&d, 100);
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);
	CHECK_EQ_INT(p.src_err, ERR_IO);
	CHECK_EQ_INT(d.len, 100);
	CHECK_EQ_INT(d.eofs, 1);
	dst_done(&d);
}

/* A window shut from the start: nothing is read until it opens. */
static void
test_shut_window(const uint8_t *data)
{
	struct src s = { .data = data, .len = 10 };
	struct dst d;
	struct pump_peer sp = { .ctx = &s, .read = src_read };
	struct pump_peer dp = { .ctx = &d, .window = dst_window,
	    .write = dst_write, .eof = dst_eof };
	struct pump p;
	uint8_t buf[64];

	dst_init(&d, 10);
	d.windowed = 1;
	pump_init(&p, &sp, &dp, buf, sizeof buf, PUMP_STOP);
	CHECK_EQ_INT(pump_run(&p), PUMP_WAIT_WINDOW);
	CHECK_EQ_INT(pump_run(&p), PUMP_WAIT_WINDOW);
	CHECK_EQ_INT(s.reads, 0);
	d.window = 4;
	CHECK_EQ_INT(pump_run(&p), PUMP_WAIT_WINDOW);
	CHECK_EQ_INT(d.len, 4);
	d.window = 100;
	CHECK_EQ_INT(pump_run(&p), PUMP_DONE);
	CHECK_EQ_INT(d.len, 10);
	CHECK(memcmp(d.got, data, 10) == 0);
	CHECK_EQ_INT(d.over_window, 0);
	dst_done(&d);
}

int
main(void)
{
	uint8_t *data = pattern(TOTAL);

	test_fast(data);
	test_slow_sink(data);
	test_slow_source_streams(data);
	test_gone(data);
	test_src_error(data);
	test_shut_window(data);
	free(data);
	return check_failures != 0;
}
