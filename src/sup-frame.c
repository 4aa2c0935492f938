/* sup-frame.c: the berthd <-> berth-sup frame codec (sup-frame.h). Only
 * libc, so the static supervisor links it too. */
#include <stdlib.h>
#include <string.h>

#include "sup-frame.h"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

long
sup_frame_parse(const uint8_t *buf, size_t len, struct sup_frame *f)
{
	uint32_t n;

	if (len < SUP_HDR) {
		/* Judge a bad length as soon as it is there. */
		if (len >= 4 && (rd32(buf) == 0 || rd32(buf) > SUP_FRAME_MAX))
			return -1;
		return 0;
	}
	n = rd32(buf);
	if (n == 0 || n > SUP_FRAME_MAX || buf[4] == 0 ||
	    buf[4] >= SUP_TYPE_MAX)
		return -1;
	if ((buf[4] == SUP_STDIN || buf[4] == SUP_STDOUT ||
	    buf[4] == SUP_STDERR) && n - 1 > SUP_DATA_MAX)
		return -1;
	if ((buf[4] == SUP_TASK_DATA || buf[4] == SUP_TASK_INPUT) &&
	    n - 1 > SUP_DATA_MAX + 64)
		return -1;
	if (len - 4 < n)
		return 0;
	f->type = buf[4];
	f->data = buf + SUP_HDR;
	f->len = n - 1;
	return (long)n + 4;
}

static void
wb_reserve(struct sup_wbuf *w, size_t more)
{
	size_t cap;
	uint8_t *np;

	if (w->cap - w->len >= more)
		return;
	cap = w->cap ? w->cap : 256;
	while (cap - w->len < more)
		cap *= 2;
	if ((np = realloc(w->p, cap)) == NULL)
		abort();
	w->p = np;
	w->cap = cap;
}

static void
wb_put(struct sup_wbuf *w, const void *p, size_t n)
{
	wb_reserve(w, n);
	if (n > 0)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

void
sup_put_u32(struct sup_wbuf *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	wb_put(w, b, 4);
}

void
sup_put_u64(struct sup_wbuf *w, uint64_t v)
{
	sup_put_u32(w, (uint32_t)(v >> 32));
	sup_put_u32(w, (uint32_t)v);
}

void
sup_put_str(struct sup_wbuf *w, const void *s, size_t n)
{
	sup_put_u32(w, (uint32_t)n);
	wb_put(w, s, n);
}

size_t
sup_put_begin(struct sup_wbuf *w, int type)
{
	size_t mark = w->len;
	uint8_t t = (uint8_t)type;

	sup_put_u32(w, 0);
	wb_put(w, &t, 1);
	return mark;
}

void
sup_put_end(struct sup_wbuf *w, size_t mark)
{
	uint32_t n = (uint32_t)(w->len - mark - 4);

	w->p[mark] = n >> 24;
	w->p[mark + 1] = n >> 16;
	w->p[mark + 2] = n >> 8;
	w->p[mark + 3] = n;
}

void
sup_put_frame(struct sup_wbuf *w, int type, const void *p, size_t n)
{
	size_t m = sup_put_begin(w, type);

	wb_put(w, p, n);
	sup_put_end(w, m);
}

void
sup_wbuf_consume(struct sup_wbuf *w, size_t n)
{
	if (n >= w->len) {
		w->len = 0;
		return;
	}
	memmove(w->p, w->p + n, w->len - n);
	w->len -= n;
}

void
sup_wbuf_clear(struct sup_wbuf *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void
sup_rd_init(struct sup_rd *r, const struct sup_frame *f)
{
	r->p = f->data;
	r->len = f->len;
	r->off = 0;
	r->bad = 0;
}

uint32_t
sup_get_u32(struct sup_rd *r)
{
	uint32_t v;

	if (r->bad || r->len - r->off < 4) {
		r->bad = 1;
		return 0;
	}
	v = rd32(r->p + r->off);
	r->off += 4;
	return v;
}

uint64_t
sup_get_u64(struct sup_rd *r)
{
	uint64_t hi = sup_get_u32(r);

	return hi << 32 | sup_get_u32(r);
}

const uint8_t *
sup_get_str(struct sup_rd *r, size_t *n)
{
	uint32_t len = sup_get_u32(r);
	const uint8_t *s;

	*n = 0;
	if (r->bad || r->len - r->off < len) {
		r->bad = 1;
		return NULL;
	}
	s = r->p + r->off;
	r->off += len;
	*n = len;
	return s;
}

int
sup_rd_end(const struct sup_rd *r)
{
	return r->bad || r->off != r->len ? -1 : 0;
}

static void
put_strv(struct sup_wbuf *w, char *const *v)
{
	uint32_t n = 0;

	while (v != NULL && v[n] != NULL)
		n++;
	sup_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		sup_put_str(w, v[i], strlen(v[i]));
}

void
sup_start_encode(struct sup_wbuf *w, const struct sup_start *s)
{
	size_t m = sup_put_begin(w, SUP_START);

	sup_put_u32(w, s->flags);
	sup_put_u32(w, s->rows);
	sup_put_u32(w, s->cols);
	sup_put_u32(w, s->uid);
	sup_put_u32(w, s->gid);
	sup_put_u32(w, s->timeout_ms);
	sup_put_str(w, s->cwd ? s->cwd : "", s->cwd ? strlen(s->cwd) : 0);
	put_strv(w, s->argv);
	put_strv(w, s->env);
	sup_put_end(w, m);
}

/* A NUL-free string as a new C string; NULL when it holds NUL. */
static char *
dup_clean(const uint8_t *s, size_t n)
{
	char *c;

	if (s == NULL || memchr(s, 0, n) != NULL)
		return NULL;
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static int
get_strv(struct sup_rd *r, char ***vp, int need_eq)
{
	uint32_t n = sup_get_u32(r), i;
	const uint8_t *s;
	size_t len;
	char **v;

	/* Each entry takes at least 4 bytes: bound n before allocating. */
	if (r->bad || n > SUP_ARGS_MAX || n > (r->len - r->off) / 4)
		return -1;
	if ((v = calloc((size_t)n + 1, sizeof *v)) == NULL)
		return -1;
	*vp = v;
	for (i = 0; i < n; i++) {
		s = sup_get_str(r, &len);
		if (r->bad || (v[i] = dup_clean(s, len)) == NULL)
			return -1;
		if (need_eq && (v[i][0] == '=' || strchr(v[i], '=') == NULL))
			return -1;
	}
	return 0;
}

int
sup_start_decode(const struct sup_frame *f, struct sup_start *s)
{
	struct sup_rd r;
	const uint8_t *cwd;
	size_t n;

	memset(s, 0, sizeof *s);
	if (f->type != SUP_START)
		return -1;
	sup_rd_init(&r, f);
	s->flags = sup_get_u32(&r);
	s->rows = sup_get_u32(&r);
	s->cols = sup_get_u32(&r);
	s->uid = sup_get_u32(&r);
	s->gid = sup_get_u32(&r);
	s->timeout_ms = sup_get_u32(&r);
	cwd = sup_get_str(&r, &n);
	if (r.bad || (s->cwd = dup_clean(cwd, n)) == NULL)
		goto bad;
	if (get_strv(&r, &s->argv, 0) != 0 || s->argv[0] == NULL ||
	    s->argv[0][0] == '\0')
		goto bad;
	if (get_strv(&r, &s->env, 1) != 0 || sup_rd_end(&r) != 0)
		goto bad;
	if (s->rows > 0xffff || s->cols > 0xffff)
		goto bad;
	return 0;
 bad:
	sup_start_clear(s);
	return -1;
}

static void
free_strv(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

void
sup_start_clear(struct sup_start *s)
{
	free(s->cwd);
	free_strv(s->argv);
	free_strv(s->env);
	memset(s, 0, sizeof *s);
}

int
sup_secret_cmp(const uint8_t *got, size_t n, const char *want)
{
	size_t wl = strlen(want);
	unsigned char d = 0;

	if (n != wl || wl == 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		d |= got[i] ^ (unsigned char)want[i];
	return d == 0 ? 0 : -1;
}
