/* buf.c: capped growable byte buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "xmalloc.h"

struct buf {
	char	*d;
	size_t	 len;
	size_t	 size;
	size_t	 cap;
};

struct buf *
buf_new(size_t cap)
{
	struct buf *b = xcalloc(1, sizeof *b);

	b->cap = cap;
	b->size = 64;
	b->d = xmalloc(b->size);
	b->d[0] = '\0';
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->d);
	free(b);
}

static int
buf_reserve(struct buf *b, size_t n)
{
	size_t need;

	if (n > ((size_t)-1) / 2 - b->len)
		return ERR_TOOBIG;
	need = b->len + n + 1;
	if (b->cap != 0 && b->len + n > b->cap)
		return ERR_TOOBIG;
	if (need > b->size) {
		size_t ns = b->size;
		while (ns < need)
			ns *= 2;
		b->d = xrealloc(b->d, ns);
		b->size = ns;
	}
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int r;

	if ((r = buf_reserve(b, n)) != 0)
		return r;
	if (n)
		memcpy(b->d + b->len, p, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	r = buf_append(b, s, strlen(s));
	free(s);
	return r;
}

int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

const char *
buf_data(const struct buf *b)
{
	return b->d;
}

char *
buf_mut(struct buf *b)
{
	return b->d;
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->d, b->d + n, b->len - n);
		b->len -= n;
	}
	b->d[b->len] = '\0';
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->d[0] = '\0';
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char *d = b->d;

	if (lenp != NULL)
		*lenp = b->len;
	b->size = 64;
	b->len = 0;
	b->d = xmalloc(b->size);
	b->d[0] = '\0';
	return d;
}
