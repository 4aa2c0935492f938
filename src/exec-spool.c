/* exec-spool.c: an exec's output kept in memory up to SPOOL_MEM and in an
 * unlinked temporary file past it, with what its JSON string will be (text
 * or base64, and its length) tracked as the bytes come, and written out
 * piece by piece. See exec-spool.h. One thread per spool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"
#include "exec-spool.h"
#include "xmalloc.h"

#define SPOOL_CHUNK	(48 * 1024)	/* raw bytes per piece; 3 divides it */

struct spool {
	int64_t		 cap;
	int64_t		 len;		/* kept */
	uint8_t		*mem;		/* the first SPOOL_MEM bytes */
	size_t		 memlen;
	FILE		*f;		/* the rest */
	int		 truncated;
	/* UTF-8 without NUL so far: the bytes still owed by the character
	 * being read, its code point so far, and its least legal value. */
	int		 text;
	int		 need;
	uint32_t	 cp, min;
	int64_t		 esclen;	/* as JSON text, quotes excluded */
};

struct spool *
spool_new(int64_t cap)
{
	struct spool *s = xcalloc(1, sizeof *s);

	s->cap = cap > 0 ? cap : 0;
	s->mem = xmalloc(SPOOL_MEM);
	s->text = 1;
	return s;
}

void
spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->f != NULL)
		fclose(s->f);
	free(s->mem);
	free(s);
}

/* The length of c escaped by jansson (c < 0x80). */
static int
esc_len(uint8_t c)
{
	switch (c) {
	case '"': case '\\': case '\b': case '\f': case '\n': case '\r':
	case '\t':
		return 2;
	default:
		return c < 0x20 ? 6 : 1;
	}
}

/* Follows the UTF-8 state over p (as api-exec.c's utf8_prefix judges). */
static void
track(struct spool *s, const uint8_t *p, size_t n)
{
	size_t i;
	uint8_t c;

	for (i = 0; i < n && s->text; i++) {
		c = p[i];
		if (s->need == 0) {
			if (c == 0) {
				s->text = 0;
			} else if (c < 0x80) {
				s->esclen += esc_len(c);
				continue;
			} else if (c >= 0xc2 && c <= 0xdf) {
				s->need = 1;
				s->cp = c & 0x1f;
				s->min = 0x80;
			} else if (c >= 0xe0 && c <= 0xef) {
				s->need = 2;
				s->cp = c & 0x0f;
				s->min = 0x800;
			} else if (c >= 0xf0 && c <= 0xf4) {
				s->need = 3;
				s->cp = c & 0x07;
				s->min = 0x10000;
			} else
				s->text = 0;
			s->esclen++;
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			s->text = 0;
			continue;
		}
		s->cp = s->cp << 6 | (c & 0x3f);
		s->esclen++;
		if (--s->need == 0 && (s->cp < s->min || s->cp > 0x10ffff ||
		    (s->cp >= 0xd800 && s->cp <= 0xdfff)))
			s->text = 0;
	}
}

int
spool_put(struct spool *s, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t room, m;

	if (s->len >= s->cap) {
		if (n > 0)
			s->truncated = 1;
		return 0;
	}
	room = (size_t)(s->cap - s->len);
	if (n > room) {
		n = room;
		s->truncated = 1;
	}
	if (s->memlen < SPOOL_MEM) {
		m = SPOOL_MEM - s->memlen < n ? SPOOL_MEM - s->memlen : n;
		track(s, p, m);
		memcpy(s->mem + s->memlen, p, m);
		s->memlen += m;
		s->len += (int64_t)m;
		p += m;
		n -= m;
	}
	if (n == 0)
		return 0;
	if (s->f == NULL && (s->f = tmpfile()) == NULL) {
		s->truncated = 1;
		s->cap = s->len;
		return err_set(ERR_IO, "exec output spool: %s",
		    strerror(errno));
	}
	if (fwrite(p, 1, n, s->f) != n) {
		s->truncated = 1;
		s->cap = s->len;
		return err_set(ERR_IO, "exec output spool: %s",
		    strerror(errno));
	}
	track(s, p, n);
	s->len += (int64_t)n;
	return 0;
}

int
spool_truncated(const struct spool *s)
{
	return s->truncated;
}

int64_t
spool_len(const struct spool *s)
{
	return s->len;
}

static int
is_text(const struct spool *s)
{
	return s->text && s->need == 0;
}

int64_t
spool_json_len(const struct spool *s, int *base64)
{
	*base64 = !is_text(s);
	if (*base64)
		return 4 * ((s->len + 2) / 3) + 2;
	return s->esclen + 2;
}

/* Reads the next up to size kept bytes, from memory then the file; 0 at
 * the end. *off is the position so far. */
static ssize_t
next_bytes(struct spool *s, int64_t *off, uint8_t *buf, size_t size)
{
	size_t n, got = 0;

	while (got < size && *off < s->len) {
		if (*off < (int64_t)s->memlen) {
			n = s->memlen - (size_t)*off;
			if (n > size - got)
				n = size - got;
			memcpy(buf + got, s->mem + *off, n);
		} else {
			if (*off == (int64_t)s->memlen && fseek(s->f, 0,
			    SEEK_SET) != 0)
				return err_set(ERR_IO, "exec output spool: "
				    "%s", strerror(errno));
			n = fread(buf + got, 1, size - got, s->f);
			if (n == 0)
				return err_set(ERR_IO, "exec output spool: "
				    "short read");
		}
		got += n;
		*off += (int64_t)n;
	}
	return (ssize_t)got;
}

/* p's n bytes as jansson writes them in a string, into out (6n room). */
static size_t
escape(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		switch (c) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '\b': out[o++] = 'b'; break;
		case '\f': out[o++] = 'f'; break;
		case '\n': out[o++] = 'n'; break;
		case '\r': out[o++] = 'r'; break;
		case '\t': out[o++] = 't'; break;
		default:
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

int
spool_json_write(struct spool *s, int (*out)(void *, const void *, size_t),
    void *ctx)
{
	uint8_t *raw = xmalloc(SPOOL_CHUNK);
	char *enc = xmalloc(6 * SPOOL_CHUNK + 1);
	int64_t off = 0;
	int text = is_text(s), rc;
	ssize_t n;
	size_t m;

	if ((rc = out(ctx, "\"", 1)) != 0)
		goto done;
	while ((n = next_bytes(s, &off, raw, SPOOL_CHUNK)) > 0) {
		if (text)
			m = escape(raw, (size_t)n, enc);
		else
			m = (size_t)EVP_EncodeBlock((unsigned char *)enc, raw,
			    (int)n);
		if ((rc = out(ctx, enc, m)) != 0)
			goto done;
	}
	if (n < 0) {
		rc = (int)n;
		goto done;
	}
	rc = out(ctx, "\"", 1);
done:
	free(raw);
	free(enc);
	return rc;
}
