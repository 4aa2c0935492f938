/* test-term-ws.c: the WebSocket codec (term-ws.c), the terminal's output
 * ring and ttyd's JSON messages (term-proc.c), and the token store. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "err.h"
#include "term-int.h"
#include "term-token.h"
#include "term-ws.h"

struct got {
	int	 n;
	int	 op[16];
	int	 code[16];
	char	 data[16][256];
	size_t	 len[16];
	size_t	 biglen;
};

static int
collect(void *arg, int op, int code, const uint8_t *d, size_t n)
{
	struct got *g = arg;

	if (g->n < 16) {
		g->op[g->n] = op;
		g->code[g->n] = code;
		g->len[g->n] = n;
		memcpy(g->data[g->n], d, n < 255 ? n : 255);
		g->data[g->n][n < 255 ? n : 255] = '\0';
	}
	if (n > g->biglen)
		g->biglen = n;
	g->n++;
	return 0;
}

static void
test_accept(void)
{
	char out[29];

	/* RFC 6455 section 1.3. */
	CHECK_EQ_INT(term_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	CHECK_EQ_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	CHECK_EQ_INT(term_ws_accept("short", out), ERR_INVAL);
	CHECK_EQ_INT(term_ws_accept(NULL, out), ERR_INVAL);
	CHECK_EQ_INT(term_ws_accept("dGhlIHNhbXBsZSBub25jZQ!!", out),
	    ERR_INVAL);
}

static void
test_rfc_frames(void)
{
	/* RFC 6455 section 5.7: a masked "Hello", then an unmasked one in
	 * two fragments with a ping between. */
	static const uint8_t masked[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
	    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t frag[] = { 0x01, 0x03, 'H', 'e', 'l', 0x89, 0x02,
	    'h', 'i', 0x80, 0x02, 'l', 'o' };
	struct term_ws *w;
	struct got g;
	size_t i;

	memset(&g, 0, sizeof g);
	w = term_ws_new(1, 1024);
	/* One byte at a time: every split point. */
	for (i = 0; i < sizeof masked; i++)
		CHECK_EQ_INT(term_ws_feed(w, masked + i, 1, collect, &g), 0);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_INT(g.op[0], TERM_WS_TEXT);
	CHECK_EQ_STR(g.data[0], "Hello");
	term_ws_free(w);

	memset(&g, 0, sizeof g);
	w = term_ws_new(0, 1024);
	CHECK_EQ_INT(term_ws_feed(w, frag, sizeof frag, collect, &g), 0);
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_INT(g.op[0], TERM_WS_PING);
	CHECK_EQ_STR(g.data[0], "hi");
	CHECK_EQ_INT(g.op[1], TERM_WS_TEXT);
	CHECK_EQ_STR(g.data[1], "Hello");
	term_ws_free(w);

	/* A server must refuse an unmasked client frame: 1002. */
	memset(&g, 0, sizeof g);
	w = term_ws_new(1, 1024);
	CHECK_EQ_INT(term_ws_feed(w, frag, sizeof frag, collect, &g),
	    ERR_INVAL);
	CHECK_EQ_INT(term_ws_error(w), TERM_WS_PROTOCOL);
	CHECK_EQ_INT(g.n, 0);
	term_ws_free(w);
}

/* Frames written by term_ws_frame (masked, as a client) parse back. */
static void
test_roundtrip(void)
{
	static const uint8_t mask[4] = { 1, 2, 3, 4 };
	size_t sizes[] = { 0, 1, 125, 126, 65535, 65536, 200000 };
	struct buf *b = buf_new(0);
	struct term_ws *w;
	struct got g;
	uint8_t *p = malloc(200001);
	size_t i, k;

	for (i = 0; i < 200001; i++)
		p[i] = (uint8_t)(i * 7);
	for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		buf_reset(b);
		memset(&g, 0, sizeof g);
		CHECK_EQ_INT(term_ws_frame(b, TERM_WS_BINARY, "0", 1, p,
		    sizes[k], mask), 0);
		w = term_ws_new(1, 300000);
		/* In uneven pieces. */
		for (i = 0; i < buf_len(b); i += 1000)
			CHECK_EQ_INT(term_ws_feed(w, buf_data(b) + i,
			    buf_len(b) - i < 1000 ? buf_len(b) - i : 1000,
			    collect, &g), 0);
		CHECK_EQ_INT(g.n, 1);
		CHECK_EQ_INT(g.biglen, sizes[k] + 1);
		term_ws_free(w);
	}
	/* Server frames are unmasked; a client parser takes them. */
	buf_reset(b);
	memset(&g, 0, sizeof g);
	CHECK_EQ_INT(term_ws_frame(b, TERM_WS_BINARY, "0hi", 3, NULL, 0,
	    NULL), 0);
	CHECK_EQ_INT((uint8_t)buf_data(b)[1], 3);
	w = term_ws_new(0, 100);
	CHECK_EQ_INT(term_ws_feed(w, buf_data(b), buf_len(b), collect, &g), 0);
	CHECK_EQ_STR(g.data[0], "0hi");
	term_ws_free(w);
	/* A capped output buffer takes nothing of a frame that won't fit. */
	{
		struct buf *small = buf_new(100);

		CHECK_EQ_INT(term_ws_frame(small, TERM_WS_BINARY, p, 200,
		    NULL, 0, NULL), ERR_TOOBIG);
		CHECK_EQ_INT(buf_len(small), 0);
		CHECK_EQ_INT(term_ws_frame(small, TERM_WS_BINARY, p, 50,
		    NULL, 0, mask), 0);
		CHECK_EQ_INT(term_ws_frame(small, TERM_WS_BINARY, p, 50,
		    NULL, 0, mask), ERR_TOOBIG);
		CHECK_EQ_INT(buf_len(small), 56);
		buf_free(small);
	}
	free(p);
	buf_free(b);
}

static void
test_violations(void)
{
	static const uint8_t mask[4] = { 9, 8, 7, 6 };
	struct buf *b = buf_new(0);
	struct term_ws *w;
	struct got g;
	uint8_t big[300];
	uint8_t bad_utf8[] = { 0xc3, 0x28 };
	uint8_t hdr[] = { 0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4 };

	memset(big, 'a', sizeof big);
	/* Over the message cap: 1009, across fragments too. */
	w = term_ws_new(1, 200);
	term_ws_frame(b, TERM_WS_BINARY, big, 201, NULL, 0, mask);
	memset(&g, 0, sizeof g);
	CHECK_EQ_INT(term_ws_feed(w, buf_data(b), buf_len(b), collect, &g),
	    ERR_INVAL);
	CHECK_EQ_INT(term_ws_error(w), TERM_WS_TOO_BIG);
	term_ws_free(w);

	/* Text that is not UTF-8: 1007. */
	buf_reset(b);
	w = term_ws_new(1, 200);
	term_ws_frame(b, TERM_WS_TEXT, bad_utf8, 2, NULL, 0, mask);
	CHECK_EQ_INT(term_ws_feed(w, buf_data(b), buf_len(b), collect, &g),
	    ERR_INVAL);
	CHECK_EQ_INT(term_ws_error(w), TERM_WS_BAD_DATA);
	term_ws_free(w);

	/* A 64-bit length that fits in 16 bits is not minimal: 1002. */
	w = term_ws_new(1, 200);
	CHECK_EQ_INT(term_ws_feed(w, hdr, sizeof hdr, collect, &g),
	    ERR_INVAL);
	CHECK_EQ_INT(term_ws_error(w), TERM_WS_PROTOCOL);
	term_ws_free(w);

	/* A control frame over 125 bytes, reserved bits, unknown opcode,
	 * a continuation with no message: 1002. */
	{
		uint8_t c1[] = { 0x89, 0xfe, 0, 126, 1, 2, 3, 4 };
		uint8_t c2[] = { 0xc2, 0x80, 1, 2, 3, 4 };
		uint8_t c3[] = { 0x83, 0x80, 1, 2, 3, 4 };
		uint8_t c4[] = { 0x80, 0x80, 1, 2, 3, 4 };
		uint8_t c5[] = { 0x09, 0x80, 1, 2, 3, 4 };
		uint8_t *cs[] = { c1, c2, c3, c4, c5 };
		size_t ls[] = { sizeof c1, sizeof c2, sizeof c3, sizeof c4,
		    sizeof c5 };

		for (size_t i = 0; i < 5; i++) {
			w = term_ws_new(1, 200);
			CHECK_EQ_INT(term_ws_feed(w, cs[i], ls[i], collect,
			    &g), ERR_INVAL);
			CHECK_EQ_INT(term_ws_error(w), TERM_WS_PROTOCOL);
			term_ws_free(w);
		}
	}

	/* Close: the code and reason come through; nothing after it. */
	buf_reset(b);
	memset(&g, 0, sizeof g);
	term_ws_close(b, 1000, "exit status 3", mask);
	term_ws_frame(b, TERM_WS_TEXT, "late", 4, NULL, 0, mask);
	w = term_ws_new(1, 200);
	CHECK_EQ_INT(term_ws_feed(w, buf_data(b), buf_len(b), collect, &g), 0);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_INT(g.op[0], TERM_WS_CLOSE);
	CHECK_EQ_INT(g.code[0], 1000);
	CHECK_EQ_STR(g.data[0], "exit status 3");
	term_ws_free(w);

	/* A bad close code: 1002. */
	{
		uint8_t cl[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed };

		w = term_ws_new(1, 200);
		CHECK_EQ_INT(term_ws_feed(w, cl, sizeof cl, collect, &g),
		    ERR_INVAL);
		CHECK_EQ_INT(term_ws_error(w), TERM_WS_PROTOCOL);
		term_ws_free(w);
	}

	/* A long reason is cut to 123 bytes on a character boundary. */
	{
		char reason[300];

		memset(reason, 0, sizeof reason);
		for (int i = 0; i < 100; i++)
			memcpy(reason + 2 * i, "\xc3\xa9", 2);
		buf_reset(b);
		term_ws_close(b, 1000, reason, NULL);
		CHECK_EQ_INT((uint8_t)buf_data(b)[1], 2 + 122);
	}
	buf_free(b);
}

static void
test_utf8(void)
{
	CHECK(term_ws_utf8((const uint8_t *)"plain", 5));
	CHECK(term_ws_utf8((const uint8_t *)"\xe2\x82\xac", 3));
	CHECK(term_ws_utf8((const uint8_t *)"\xf0\x9f\x98\x80", 4));
	CHECK(!term_ws_utf8((const uint8_t *)"\xc0\x80", 2));	/* overlong */
	CHECK(!term_ws_utf8((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
	CHECK(!term_ws_utf8((const uint8_t *)"\xe2\x82", 2));	/* cut */
	CHECK(!term_ws_utf8((const uint8_t *)"\xff", 1));
}

static void
test_ring(void)
{
	struct ring r;
	const uint8_t *p;
	uint8_t data[5000];
	size_t n, i;
	uint64_t pos;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	ring_init(&r, 10000);
	ring_write(&r, "abc", 3);
	CHECK_EQ_INT(ring_oldest(&r), 0);
	CHECK_EQ_INT(ring_get(&r, 0, &p, 100), 3);
	CHECK(memcmp(p, "abc", 3) == 0);
	/* Past the cap: only the last 10000 bytes are held, in order. */
	for (i = 0; i < 7; i++)
		ring_write(&r, data, sizeof data);
	CHECK_EQ_INT(r.seq, 35003);
	CHECK_EQ_INT(ring_oldest(&r), 25003);
	CHECK(r.alloc <= 10000);
	CHECK_EQ_INT(ring_get(&r, 100, &p, 100), 0);
	for (pos = ring_oldest(&r); pos < r.seq; pos += n) {
		n = ring_get(&r, pos, &p, 777);
		CHECK(n > 0);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (p[i] != (uint8_t)((pos + i - 3) % 5000)) {
				CHECK(!"ring byte out of order");
				break;
			}
	}
	/* One write bigger than the ring keeps its tail. */
	ring_write(&r, data, 5000);
	ring_write(&r, data, 5000);
	ring_write(&r, data, 5000);
	CHECK_EQ_INT(r.seq, 50003);
	ring_free(&r);
}

static void
test_messages(void)
{
	unsigned rows, cols;
	char tok[64];
	const char *hello = "{\"AuthToken\":\"abc\",\"columns\":120,"
	    "\"rows\":40}";

	CHECK_EQ_INT(term_parse_hello((const uint8_t *)hello, strlen(hello),
	    tok, sizeof tok, &rows, &cols), 0);
	CHECK_EQ_STR(tok, "abc");
	CHECK_EQ_INT(rows, 40);
	CHECK_EQ_INT(cols, 120);
	CHECK_EQ_INT(term_parse_hello((const uint8_t *)"{}", 2, tok,
	    sizeof tok, &rows, &cols), 0);
	CHECK_EQ_STR(tok, "");
	CHECK_EQ_INT(rows, 0);
	CHECK_EQ_INT(term_parse_hello((const uint8_t *)"[1]", 3, tok,
	    sizeof tok, &rows, &cols), ERR_INVAL);
	CHECK_EQ_INT(term_parse_size((const uint8_t *)"{\"columns\":100,"
	    "\"rows\":30}", 25, &rows, &cols), 0);
	CHECK_EQ_INT(rows, 30);
	CHECK_EQ_INT(cols, 100);
	CHECK_EQ_INT(term_parse_size((const uint8_t *)"{\"columns\":0,"
	    "\"rows\":30}", 23, &rows, &cols), ERR_INVAL);
	CHECK_EQ_INT(term_parse_size((const uint8_t *)"{\"rows\":30}", 11,
	    &rows, &cols), ERR_INVAL);
}

static void
test_tokens(void)
{
	struct term_grant g, out;
	char tok[44], tok2[44];
	int64_t exp;

	memset(&g, 0, sizeof g);
	snprintf(g.user, sizeof g.user, "alice");
	snprintf(g.ws_id, sizeof g.ws_id, "1234");
	term_token_new(&g, 60, tok, &exp);
	term_token_new(&g, 60, tok2, &exp);
	CHECK_EQ_INT(strlen(tok), 43);
	CHECK(strcmp(tok, tok2) != 0);
	CHECK(strchr(tok, '+') == NULL && strchr(tok, '/') == NULL);
	CHECK_EQ_INT(term_token_take(tok, &out), 0);
	CHECK_EQ_STR(out.user, "alice");
	/* Single use. */
	CHECK_EQ_INT(term_token_take(tok, &out), ERR_UNAUTH);
	CHECK_EQ_INT(term_token_take("nope", &out), ERR_UNAUTH);
	/* Expired. */
	term_token_new(&g, 0, tok, &exp);
	CHECK_EQ_INT(term_token_take(tok, &out), ERR_UNAUTH);
	CHECK_EQ_INT(term_token_take(tok2, &out), 0);
}

int
main(void)
{
	test_accept();
	test_rfc_frames();
	test_roundtrip();
	test_violations();
	test_utf8();
	test_ring();
	test_messages();
	test_tokens();
	CHECK_DONE();
}
