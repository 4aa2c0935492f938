/* test-docker-stream.c: the Docker stream demultiplexer: frames split at
 * random points, zero-length frames, every stream type, corrupt headers
 * and huge lengths refused. Pure: no engine needed. */
#include <stdint.h>

#include "buf.h"
#include "docker-stream.h"
#include "xmalloc.h"

#include "test-docker-util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void
put_frame(struct buf *b, int stream, const uint8_t *p, uint32_t n)
{
	uint8_t h[8] = { (uint8_t)stream, 0, 0, 0, (uint8_t)(n >> 24),
	    (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };

	buf_append(b, h, 8);
	buf_append(b, p, n);
}

/* Feeds in (split into chunks of at most maxchunk, output at most maxout
 * at a time) and appends payloads to out[stream]; the last return code. */
static int
demux(const uint8_t *in, size_t len, size_t maxchunk, size_t maxout,
    struct buf *out[4])
{
	struct dstream d;
	size_t off = 0;

	dstream_init(&d);
	while (off < len) {
		size_t chunk = 1 + rnd() % maxchunk, coff = 0;
		if (chunk > len - off)
			chunk = len - off;
		while (coff < chunk) {
			const uint8_t *o;
			size_t ol, mo = 1 + rnd() % maxout;
			int st;
			ssize_t n = dstream_feed(&d, in + off + coff,
			    chunk - coff, mo, &st, &o, &ol);
			if (n < 0)
				return (int)n;
			if (n == 0)
				return -100;	/* no progress: a bug */
			if (ol > 0) {
				if (ol > mo || st < 1 || st > 3 ||
				    o < in + off + coff ||
				    o + ol > in + off + chunk)
					return -101;
				buf_append(out[st], o, ol);
			}
			coff += (size_t)n;
		}
		off += chunk;
	}
	return dstream_idle(&d) ? 0 : -102;
}

static void
test_random_splits(void)
{
	for (int iter = 0; iter < 200; iter++) {
		struct buf *in = buf_new(0), *want[4], *got[4];
		int nframes = 1 + (int)(rnd() % 40);

		for (int s = 0; s < 4; s++) {
			want[s] = buf_new(0);
			got[s] = buf_new(0);
		}
		for (int f = 0; f < nframes; f++) {
			int st = (int)(rnd() % 4);
			uint32_t n = rnd() % 5 == 0 ? 0 : rnd() % 70000;
			uint8_t *p = xmalloc(n + 1);
			for (uint32_t i = 0; i < n; i++)
				p[i] = (uint8_t)rnd();	/* NULs included */
			put_frame(in, st, p, n);
			buf_append(want[st == 0 ? 1 : st], p, n);
			free(p);
		}
		CHECK_EQ(demux((const uint8_t *)buf_data(in), buf_len(in),
		    iter % 3 == 0 ? 1 + rnd() % 9 : 1 + rnd() % 100000,
		    iter % 4 == 0 ? 1 + rnd() % 5 : 1 + rnd() % 70000,
		    got), 0);
		for (int s = 1; s < 4; s++) {
			CHECK_EQ(buf_len(got[s]), buf_len(want[s]));
			CHECK(memcmp(buf_data(got[s]), buf_data(want[s]),
			    buf_len(want[s])) == 0);
		}
		for (int s = 0; s < 4; s++) {
			buf_free(want[s]);
			buf_free(got[s]);
		}
		buf_free(in);
	}
}

static void
test_bad_headers(void)
{
	static const uint8_t bad[][8] = {
		{ 4, 0, 0, 0, 0, 0, 0, 1 },		/* unknown stream */
		{ 1, 1, 0, 0, 0, 0, 0, 1 },		/* reserved bytes */
		{ 2, 0, 0, 9, 0, 0, 0, 1 },
		{ 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },	/* huge */
		{ 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x01 },	/* 16 MiB + 1 */
		{ 'H', 'T', 'T', 'P', '/', '1', '.', '1' },
	};
	struct dstream d;
	const uint8_t *o;
	size_t ol;
	int st;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dstream_init(&d);
		/* In two pieces: the header is judged when complete. */
		CHECK_EQ(dstream_feed(&d, bad[i], 5, 100, &st, &o, &ol), 5);
		CHECK_EQ(ol, 0);
		CHECK_EQ(dstream_feed(&d, bad[i] + 5, 3, 100, &st, &o, &ol),
		    ERR_INVAL);
		CHECK_EQ(dstream_feed(&d, bad[i], 8, 100, &st, &o, &ol),
		    ERR_INVAL);		/* stays broken */
		CHECK(!dstream_idle(&d));
	}
	/* The largest allowed frame header is fine. */
	{
		uint8_t h[8] = { 1, 0, 0, 0, 0x01, 0, 0, 0 };
		dstream_init(&d);
		CHECK_EQ(dstream_feed(&d, h, 8, 100, &st, &o, &ol), 8);
		CHECK(!dstream_idle(&d));
	}
}

static void
test_small_cases(void)
{
	/* stdin-typed (0) frame reads as stdout; zero frames; idle states. */
	static const uint8_t in[] = {
		0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i',
		2, 0, 0, 0, 0, 0, 0, 0,
		3, 0, 0, 0, 0, 0, 0, 1, '!',
	};
	struct dstream d;
	const uint8_t *o;
	size_t ol;
	int st;

	dstream_init(&d);
	CHECK(dstream_idle(&d));
	CHECK_EQ(dstream_feed(&d, in, sizeof in, 100, &st, &o, &ol), 10);
	CHECK(ol == 2 && st == DSTREAM_STDOUT && memcmp(o, "hi", 2) == 0);
	CHECK(dstream_idle(&d));
	/* Zero-length frame, then the next header, then its payload. */
	CHECK_EQ(dstream_feed(&d, in + 10, sizeof in - 10, 100, &st, &o, &ol),
	    17);
	CHECK(ol == 1 && st == DSTREAM_SYSERR && *o == '!');
	CHECK(dstream_idle(&d));
	/* maxout 0 in a payload makes no progress. */
	dstream_init(&d);
	CHECK_EQ(dstream_feed(&d, in, 8, 100, &st, &o, &ol), 8);
	CHECK_EQ(dstream_feed(&d, in + 8, 2, 0, &st, &o, &ol), 0);
	CHECK_EQ(dstream_feed(&d, in + 8, 2, 1, &st, &o, &ol), 1);
	CHECK(!dstream_idle(&d));
	CHECK_EQ(dstream_feed(&d, in + 9, 0, 1, &st, &o, &ol), 0);
}

int
main(void)
{
	test_small_cases();
	test_bad_headers();
	test_random_splits();
	if (t_fails)
		fprintf(stderr, "%d check(s) failed\n", t_fails);
	else
		printf("test-docker-stream: ok\n");
	return t_fails ? 1 : 0;
}
