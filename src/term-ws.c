/* term-ws.c: the WebSocket codec (RFC 6455): accept key, incremental frame
 * parser with reassembly under a cap, frame writer. Pure functions over
 * buffers; any thread, one parser per thread at a time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "buf.h"
#include "err.h"
#include "term-ws.h"
#include "xmalloc.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct term_ws {
	int		 server;
	int		 dead;		/* error or CLOSE seen */
	int		 error;		/* close code to send after an error */
	size_t		 max_msg;
	/* The frame being read. */
	uint8_t		 hdr[14];
	size_t		 hdr_got;
	int		 in_payload;
	int		 fin, opcode, masked;
	uint8_t		 mask[4];
	uint64_t	 len, got;
	/* The control frame's payload, or the data message's. */
	uint8_t		 ctl[125];
	int		 msg_opcode;	/* 0: no data message in progress */
	struct buf	*msg;
};

int
term_ws_accept(const char *key, char out[29])
{
	unsigned char raw[32], md[SHA_DIGEST_LENGTH];
	char cat[128];
	size_t klen;
	int n;

	klen = key != NULL ? strlen(key) : 0;
	if (klen != 24)
		return err_set(ERR_INVAL, "Sec-WebSocket-Key is not 16 bytes "
		    "in base64");
	n = EVP_DecodeBlock(raw, (const unsigned char *)key, (int)klen);
	if (n != 18 || key[22] != '=' || key[23] != '=')
		return err_set(ERR_INVAL, "Sec-WebSocket-Key is not 16 bytes "
		    "in base64");
	snprintf(cat, sizeof cat, "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)cat, strlen(cat), md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof md);
	out[28] = '\0';
	return 0;
}

struct term_ws *
term_ws_new(int server, size_t max_msg)
{
	struct term_ws *w = xcalloc(1, sizeof *w);

	w->server = server;
	w->max_msg = max_msg;
	w->msg = buf_new(max_msg);
	return w;
}

void
term_ws_free(struct term_ws *w)
{
	if (w == NULL)
		return;
	buf_free(w->msg);
	free(w);
}

int
term_ws_error(const struct term_ws *w)
{
	return w->error;
}

static int
fail(struct term_ws *w, int code, const char *why)
{
	w->dead = 1;
	w->error = code;
	return err_set(ERR_INVAL, "websocket: %s", why);
}

int
term_ws_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0, n, k;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			c = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			c = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			c = s[i] & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, past U+10FFFF. */
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* The header is complete when hdr_got reaches what its first bytes say. */
static size_t
hdr_need(const struct term_ws *w)
{
	size_t n = 2;

	if (w->hdr_got < 2)
		return 2;
	if ((w->hdr[1] & 0x7f) == 126)
		n += 2;
	else if ((w->hdr[1] & 0x7f) == 127)
		n += 8;
	if (w->hdr[1] & 0x80)
		n += 4;
	return n;
}

/* Checks a complete header and sets up the frame. */
static int
hdr_done(struct term_ws *w)
{
	size_t p = 2, i;
	uint64_t len = w->hdr[1] & 0x7f;

	w->fin = (w->hdr[0] & 0x80) != 0;
	w->opcode = w->hdr[0] & 0x0f;
	w->masked = (w->hdr[1] & 0x80) != 0;
	if (w->hdr[0] & 0x70)
		return fail(w, TERM_WS_PROTOCOL, "reserved bits set");
	if (len == 126) {
		len = (uint64_t)w->hdr[2] << 8 | w->hdr[3];
		if (len < 126)
			return fail(w, TERM_WS_PROTOCOL, "length not minimal");
		p = 4;
	} else if (len == 127) {
		len = 0;
		for (i = 0; i < 8; i++)
			len = len << 8 | w->hdr[2 + i];
		if (len >> 63)
			return fail(w, TERM_WS_PROTOCOL, "length too large");
		if (len <= 0xffff)
			return fail(w, TERM_WS_PROTOCOL, "length not minimal");
		p = 10;
	}
	if (w->masked != w->server)
		return fail(w, TERM_WS_PROTOCOL, w->server ?
		    "client frame not masked" : "server frame masked");
	if (w->masked)
		memcpy(w->mask, w->hdr + p, 4);
	w->len = len;
	w->got = 0;
	switch (w->opcode) {
	case TERM_WS_CLOSE:
	case TERM_WS_PING:
	case TERM_WS_PONG:
		if (!w->fin)
			return fail(w, TERM_WS_PROTOCOL,
			    "fragmented control frame");
		if (len > 125)
			return fail(w, TERM_WS_PROTOCOL,
			    "control frame over 125 bytes");
		break;
	case TERM_WS_TEXT:
	case TERM_WS_BINARY:
		if (w->msg_opcode != 0)
			return fail(w, TERM_WS_PROTOCOL,
			    "new message inside a fragmented one");
		w->msg_opcode = w->opcode;
		buf_reset(w->msg);
		/* FALLTHROUGH */
	case TERM_WS_CONT:
		if (w->msg_opcode == 0)
			return fail(w, TERM_WS_PROTOCOL,
			    "continuation without a message");
		if (len > w->max_msg - buf_len(w->msg))
			return fail(w, TERM_WS_TOO_BIG, "message too big");
		break;
	default:
		return fail(w, TERM_WS_PROTOCOL, "unknown opcode");
	}
	return 0;
}

/* A frame's payload is all in: deliver what is complete. */
static int
frame_done(struct term_ws *w, term_ws_fn fn, void *arg)
{
	int r, code = 1005;
	const uint8_t *d;
	size_t n;

	w->in_payload = 0;
	w->hdr_got = 0;
	switch (w->opcode) {
	case TERM_WS_CLOSE:
		d = w->ctl;
		n = (size_t)w->len;
		if (n == 1)
			return fail(w, TERM_WS_PROTOCOL,
			    "close payload of 1 byte");
		if (n >= 2) {
			code = d[0] << 8 | d[1];
			d += 2;
			n -= 2;
			if (code < 1000 || code >= 5000 || code == 1004 ||
			    code == 1005 || code == 1006 || code == 1015 ||
			    (code > 1014 && code < 3000))
				return fail(w, TERM_WS_PROTOCOL,
				    "bad close code");
			if (!term_ws_utf8(d, n))
				return fail(w, TERM_WS_BAD_DATA,
				    "close reason not UTF-8");
		}
		w->dead = 1;
		return fn(arg, TERM_WS_CLOSE, code, d, n);
	case TERM_WS_PING:
	case TERM_WS_PONG:
		return fn(arg, w->opcode, 0, w->ctl, (size_t)w->len);
	}
	if (!w->fin)
		return 0;
	d = (const uint8_t *)buf_data(w->msg);
	n = buf_len(w->msg);
	if (w->msg_opcode == TERM_WS_TEXT && !term_ws_utf8(d, n))
		return fail(w, TERM_WS_BAD_DATA, "text message not UTF-8");
	r = fn(arg, w->msg_opcode, 0, d, n);
	w->msg_opcode = 0;
	buf_reset(w->msg);
	return r;
}

int
term_ws_feed(struct term_ws *w, const void *data, size_t len, term_ws_fn fn,
    void *arg)
{
	const uint8_t *p = data;
	uint8_t tmp[4096];
	size_t n, i, off;
	int r;

	while (!w->dead) {
		if (!w->in_payload) {
			if (len == 0)
				return 0;
			w->hdr[w->hdr_got++] = *p++;
			len--;
			if (w->hdr_got < hdr_need(w))
				continue;
			if ((r = hdr_done(w)) != 0)
				return r;
			w->in_payload = 1;
			if (w->len == 0 && (r = frame_done(w, fn, arg)) != 0)
				return r;
			continue;
		}
		n = w->len - w->got < len ? (size_t)(w->len - w->got) : len;
		if (n == 0 && w->got < w->len)
			return 0;
		for (off = 0; off < n; off += i) {
			size_t c = n - off < sizeof tmp ? n - off : sizeof tmp;

			for (i = 0; i < c; i++)
				tmp[i] = p[off + i] ^ (w->masked ?
				    w->mask[(w->got + off + i) & 3] : 0);
			if (w->opcode >= TERM_WS_CLOSE)
				memcpy(w->ctl + w->got + off, tmp, c);
			else if (buf_append(w->msg, tmp, c) != 0)
				return fail(w, TERM_WS_TOO_BIG,
				    "message too big");
		}
		p += n;
		len -= n;
		w->got += n;
		if (w->got == w->len && (r = frame_done(w, fn, arg)) != 0)
			return r;
	}
	return 0;
}

int
term_ws_frame(struct buf *out, int opcode, const void *a, size_t alen,
    const void *b, size_t blen, const uint8_t *mask)
{
	uint8_t hdr[14], tmp[4096];
	size_t h = 2, len = alen + blen, i, k, off, was;
	const uint8_t *parts[2] = { a, b };
	size_t lens[2] = { alen, blen };
	uint64_t pos = 0;
	int r;

	hdr[0] = 0x80 | (opcode & 0x0f);
	if (len < 126)
		hdr[1] = (uint8_t)len;
	else if (len <= 0xffff) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		h = 4;
	} else {
		hdr[1] = 127;
		for (i = 0; i < 8; i++)
			hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	if (mask != NULL) {
		hdr[1] |= 0x80;
		memcpy(hdr + h, mask, 4);
		h += 4;
	}
	was = buf_len(out);
	if ((r = buf_append(out, hdr, h)) != 0)
		return r;
	for (k = 0; k < 2; k++) {
		if (lens[k] == 0)
			continue;
		if (mask == NULL) {
			if ((r = buf_append(out, parts[k], lens[k])) != 0)
				goto undo;
			continue;
		}
		for (off = 0; off < lens[k]; off += i) {
			size_t c = lens[k] - off < sizeof tmp ? lens[k] - off :
			    sizeof tmp;

			for (i = 0; i < c; i++, pos++)
				tmp[i] = parts[k][off + i] ^ mask[pos & 3];
			if ((r = buf_append(out, tmp, c)) != 0)
				goto undo;
		}
	}
	return 0;
undo:
	/* Take back the partial frame: buf has no truncate, so rebuild. */
	{
		size_t keep = was;
		char *d = buf_steal(out, &len);

		buf_append(out, d, keep);
		free(d);
	}
	return r;
}

int
term_ws_close(struct buf *out, int code, const char *reason,
    const uint8_t *mask)
{
	uint8_t c[2] = { (uint8_t)(code >> 8), (uint8_t)code };
	size_t n = reason != NULL ? strlen(reason) : 0;

	if (n > 123) {
		n = 123;
		/* Back off to a UTF-8 character boundary. */
		while (n > 0 && ((uint8_t)reason[n] & 0xc0) == 0x80)
			n--;
	}
	return term_ws_frame(out, TERM_WS_CLOSE, c, 2, reason, n, mask);
}
