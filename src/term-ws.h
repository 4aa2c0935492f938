/* term-ws.h: the WebSocket codec (RFC 6455) under the browser terminal and
 * `berth ssh`: the handshake's accept key, an incremental frame parser that
 * reassembles messages under a size cap, and a frame writer. No I/O: the
 * caller feeds bytes it read and sends bytes it is given, so the same code
 * serves berthd's event loop, the CLI and the fuzzer. A struct term_ws
 * belongs to one thread at a time. */
#ifndef BERTH_TERM_WS_H
#define BERTH_TERM_WS_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct term_ws;

enum {
	TERM_WS_CONT = 0x0,
	TERM_WS_TEXT = 0x1,
	TERM_WS_BINARY = 0x2,
	TERM_WS_CLOSE = 0x8,
	TERM_WS_PING = 0x9,
	TERM_WS_PONG = 0xa,
};

/* Close codes berth sends. */
enum {
	TERM_WS_NORMAL = 1000,
	TERM_WS_GOING_AWAY = 1001,
	TERM_WS_PROTOCOL = 1002,
	TERM_WS_BAD_DATA = 1007,	/* text that is not UTF-8 */
	TERM_WS_POLICY = 1008,		/* bad token, origin */
	TERM_WS_TOO_BIG = 1009,
	TERM_WS_INTERNAL = 1011,
	TERM_WS_TRY_LATER = 1013,
};

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: 28 characters
 * and a NUL into out. ERR_INVAL when key is not 16 bytes in base64. */
int	 term_ws_accept(const char *key, char out[29]);

/* Called once per complete message (TEXT/BINARY, fragments joined) and
 * once per control frame (CLOSE/PING/PONG, payload <= 125 bytes). For
 * CLOSE, code is the peer's status (1005 when it sent none) and data the
 * reason. A non-zero return stops term_ws_feed, which returns it. The
 * payload is valid until the callback returns. */
typedef int (*term_ws_fn)(void *arg, int opcode, int code,
	    const uint8_t *data, size_t len);

/* A parser. server: frames must be masked (a server's view of a client);
 * else they must not be (a client's view). max_msg caps a reassembled
 * message. */
struct term_ws	*term_ws_new(int server, size_t max_msg);
void		 term_ws_free(struct term_ws *);
/* Parses len bytes (any split). 0, a callback's non-zero return, or
 * ERR_INVAL on a protocol violation: term_ws_error() then names the close
 * code to send and err_msg() says why. After an error or a CLOSE frame
 * nothing more is parsed. */
int		 term_ws_feed(struct term_ws *, const void *, size_t,
		    term_ws_fn, void *arg);
int		 term_ws_error(const struct term_ws *);

/* Appends one unfragmented frame with the payload a then b (either may be
 * empty) to out. mask: NULL for a server, 4 random bytes for a client.
 * ERR_TOOBIG when out's cap would be passed (nothing appended). */
int	 term_ws_frame(struct buf *out, int opcode, const void *a, size_t alen,
	    const void *b, size_t blen, const uint8_t *mask);
/* Appends a CLOSE frame with code and a reason (cut to fit 123 bytes,
 * on a UTF-8 boundary). */
int	 term_ws_close(struct buf *out, int code, const char *reason,
	    const uint8_t *mask);
/* 1 when s[0..len) is valid UTF-8. */
int	 term_ws_utf8(const uint8_t *s, size_t len);

#endif
