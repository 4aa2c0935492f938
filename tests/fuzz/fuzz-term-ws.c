/* fuzz-term-ws.c: libFuzzer target for the WebSocket frame handler
 * (term-ws.c) as the terminal uses it. The first byte picks the chunk
 * size and the second the side and message cap, so split points are
 * fuzzed too; every message delivered must respect the cap, control
 * frames 125 bytes, text must be UTF-8, and a frame written back from a
 * delivered message must parse to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "term-int.h"
#include "term-ws.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct ctx {
	size_t	 cap;
	int	 server;
};

static int
echo_check(void *arg, int op, int code, const uint8_t *d, size_t n)
{
	(void)arg;
	(void)code;
	if (n != 1 || op != TERM_WS_BINARY)
		abort();
	return 0;
}

static int
on_msg(void *arg, int op, int code, const uint8_t *d, size_t n)
{
	struct ctx *c = arg;
	static const uint8_t mask[4] = { 0xa, 0xb, 0xc, 0xd };
	unsigned rows, cols;
	char tok[64];

	if (op >= TERM_WS_CLOSE && n > 125)
		abort();
	if ((op == TERM_WS_TEXT || op == TERM_WS_BINARY) && n > c->cap)
		abort();
	if (op == TERM_WS_TEXT && !term_ws_utf8(d, n))
		abort();
	if (op == TERM_WS_CLOSE && (code < 1000 || code > 4999))
		abort();
	/* What the terminal does with a message. */
	if (n > 0 && d[0] == '{')
		term_parse_hello(d, n, tok, sizeof tok, &rows, &cols);
	if (n > 0 && d[0] == '1')
		term_parse_size(d + 1, n - 1, &rows, &cols);
	/* Written back (the other side's way) it parses to itself. */
	if (op == TERM_WS_BINARY && n > 0) {
		struct buf *b = buf_new(0);
		struct term_ws *w = term_ws_new(!c->server, 1);

		term_ws_frame(b, op, d, 1, NULL, 0, c->server ? NULL : mask);
		if (term_ws_feed(w, buf_data(b), buf_len(b), echo_check,
		    NULL) != 0)
			abort();
		term_ws_free(w);
		buf_free(b);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct term_ws *w;
	struct ctx c;
	size_t chunk, off, n;

	if (size < 2)
		return 0;
	chunk = 1 + data[0];
	c.server = data[1] & 1;
	c.cap = 1 + (size_t)(data[1] >> 1) * 97;
	data += 2;
	size -= 2;
	w = term_ws_new(c.server, c.cap);
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (term_ws_feed(w, data + off, n, on_msg, &c) != 0)
			break;
	}
	term_ws_free(w);
	return 0;
}
