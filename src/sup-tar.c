/* sup-tar.c: the streaming tar reader of sup-tar.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup-tar.h"

#define BLK	512
#define EXT_MAX	65536	/* a pax header or a GNU long name */

enum { S_HEAD, S_DATA, S_PAD, S_EXT, S_SKIP, S_END, S_FAIL };

struct tar_rd {
	struct tar_cb	 cb;
	int		 state;
	unsigned char	 blk[BLK];
	size_t		 nblk;
	int64_t		 left;		/* bytes of the current part */
	int64_t		 pad;		/* zero bytes after it */
	char		 ext_type;	/* 'x', 'L', 'K' being read */
	char		*ext;
	size_t		 next;
	/* What the extended headers said for the next entry. */
	char		 x_name[TAR_NAME_MAX], x_link[TAR_NAME_MAX];
	int64_t		 x_size, x_mtime;
	int		 zeros;
	char		 err[256];
	struct tar_entry e;
};

static int
fail(struct tar_rd *t, const char *msg, const char *what)
{
	snprintf(t->err, sizeof t->err, "%s%s%s", msg, what ? ": " : "",
	    what ? what : "");
	t->state = S_FAIL;
	return -1;
}

/* An octal field, or GNU base-256 when its top bit is set; -1 when bad. */
static int64_t
num(const unsigned char *f, size_t n)
{
	int64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] & 0x40)
			return -1;	/* negative */
		v = f[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v > (INT64_MAX >> 8))
				return -1;
			v = (v << 8) | f[i];
		}
		return v;
	}
	while (i < n && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = (v << 3) | (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	return v;
}

static int
chksum_ok(const unsigned char *h)
{
	int64_t want = num(h + 148, 8);
	unsigned long u = 0;
	long s = 0;

	for (size_t i = 0; i < BLK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
		u += c;
		s += (signed char)c;
	}
	return want >= 0 && (want == (int64_t)u || want == (int64_t)s);
}

static void
field(char *dst, size_t cap, const unsigned char *f, size_t n)
{
	size_t l = 0;

	while (l < n && f[l] != '\0')
		l++;
	if (l >= cap)
		l = cap - 1;
	memcpy(dst, f, l);
	dst[l] = '\0';
}

/* Applies the pax records in t->ext (t->next bytes). */
static int
pax(struct tar_rd *t)
{
	size_t at = 0;

	while (at < t->next) {
		char *rec = t->ext + at, *sp, *eq, *endp;
		unsigned long len = strtoul(rec, &endp, 10);
		size_t vl;

		if (endp == rec || *endp != ' ' || len < 5 ||
		    len > t->next - at || rec[len - 1] != '\n')
			return fail(t, "not a valid tar archive", "bad pax "
			    "record");
		sp = endp + 1;
		if ((eq = memchr(sp, '=', (size_t)(rec + len - 1 - sp))) ==
		    NULL)
			return fail(t, "not a valid tar archive", "bad pax "
			    "record");
		vl = (size_t)(rec + len - 1 - (eq + 1));
		if ((size_t)(eq - sp) == 4 && memcmp(sp, "path", 4) == 0) {
			if (vl >= TAR_NAME_MAX)
				return fail(t, "a name in the tar is too "
				    "long", NULL);
			memcpy(t->x_name, eq + 1, vl);
			t->x_name[vl] = '\0';
		} else if ((size_t)(eq - sp) == 8 &&
		    memcmp(sp, "linkpath", 8) == 0) {
			if (vl >= TAR_NAME_MAX)
				return fail(t, "a link in the tar is too long",
				    NULL);
			memcpy(t->x_link, eq + 1, vl);
			t->x_link[vl] = '\0';
		} else if ((size_t)(eq - sp) == 4 &&
		    memcmp(sp, "size", 4) == 0) {
			char nb[32];
			if (vl == 0 || vl >= sizeof nb)
				return fail(t, "not a valid tar archive",
				    "bad pax size");
			memcpy(nb, eq + 1, vl);
			nb[vl] = '\0';
			t->x_size = strtoll(nb, &endp, 10);
			if (*endp != '\0' || t->x_size < 0)
				return fail(t, "not a valid tar archive",
				    "bad pax size");
		} else if ((size_t)(eq - sp) == 5 &&
		    memcmp(sp, "mtime", 5) == 0) {
			char nb[48];
			if (vl > 0 && vl < sizeof nb) {
				memcpy(nb, eq + 1, vl);
				nb[vl] = '\0';
				t->x_mtime = strtoll(nb, NULL, 10);
			}
		}
		at += len;
	}
	return 0;
}

static int
header(struct tar_rd *t)
{
	const unsigned char *h = t->blk;
	int64_t size;
	char type, prefix[156], name[101];
	int r;

	for (size_t i = 0; i < BLK; i++)
		if (h[i] != 0)
			goto nonzero;
	if (++t->zeros >= 2)
		t->state = S_END;
	return 0;
nonzero:
	if (t->zeros > 0 || !chksum_ok(h))
		return fail(t, "the upload is not a valid tar archive", NULL);
	if ((size = num(h + 124, 12)) < 0)
		return fail(t, "the upload is not a valid tar archive",
		    "bad size field");
	type = (char)h[156];
	switch (type) {
	case 'x':
	case 'L':
	case 'K':
		if (size > EXT_MAX)
			return fail(t, "the tar has an extended header over "
			    "64 KiB", NULL);
		if (t->ext == NULL && (t->ext = malloc(EXT_MAX + 1)) == NULL)
			return fail(t, "out of memory", NULL);
		t->ext_type = type;
		t->next = 0;
		t->left = size;
		t->pad = (BLK - size % BLK) % BLK;
		t->state = size > 0 ? S_EXT : S_HEAD;
		return 0;
	case 'g':
		t->left = size + (BLK - size % BLK) % BLK;
		t->state = t->left > 0 ? S_SKIP : S_HEAD;
		return 0;
	case '3':
	case '4':
	case '6':
		field(name, sizeof name, h, 100);
		return fail(t, "the upload has a device node or fifo; only "
		    "files, directories and links are accepted", name);
	case '0':
	case '\0':
	case '7':
	case '1':
	case '2':
	case '5':
		break;
	default:
		field(name, sizeof name, h, 100);
		return fail(t, "the upload has an entry of a type that is not "
		    "accepted (only files, directories and links)", name);
	}
	memset(&t->e, 0, sizeof t->e);
	t->e.type = type == '\0' || type == '7' ? '0' : type;
	if (t->x_name[0] != '\0')
		memcpy(t->e.name, t->x_name, sizeof t->e.name);
	else {
		field(name, sizeof name, h, 100);
		prefix[0] = '\0';
		if (memcmp(h + 257, "ustar", 5) == 0)
			field(prefix, sizeof prefix, h + 345, 155);
		snprintf(t->e.name, sizeof t->e.name, "%s%s%s", prefix,
		    prefix[0] ? "/" : "", name);
	}
	if (t->x_link[0] != '\0')
		memcpy(t->e.link, t->x_link, sizeof t->e.link);
	else
		field(t->e.link, sizeof t->e.link, h + 157, 100);
	t->e.mode = (unsigned)(num(h + 100, 8) & 07777);
	t->e.mtime = t->x_mtime >= 0 ? t->x_mtime : num(h + 136, 12);
	if (t->x_size >= 0)
		size = t->x_size;
	/* Links and directories carry no data whatever the size says. */
	t->e.size = t->e.type == '0' ? size : 0;
	t->x_name[0] = t->x_link[0] = '\0';
	t->x_size = t->x_mtime = -1;
	if (t->e.name[0] == '\0')
		return fail(t, "the tar has an entry without a name", NULL);
	if ((r = t->cb.entry(t->cb.arg, &t->e)) != 0) {
		t->state = S_FAIL;
		return r;
	}
	t->left = t->e.size;
	t->pad = (BLK - t->e.size % BLK) % BLK;
	if (t->e.type != '0')
		t->pad = t->left = 0;
	if (t->left > 0)
		t->state = S_DATA;
	else if (t->e.type == '0') {
		if ((r = t->cb.end(t->cb.arg)) != 0) {
			t->state = S_FAIL;
			return r;
		}
	}
	return 0;
}

struct tar_rd *
tar_rd_new(const struct tar_cb *cb)
{
	struct tar_rd *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->cb = *cb;
	t->state = S_HEAD;
	t->x_size = t->x_mtime = -1;
	return t;
}

static int
ext_done(struct tar_rd *t)
{
	size_t n = t->next;

	t->ext[n] = '\0';
	if (t->ext_type == 'x')
		return pax(t);
	if (n >= TAR_NAME_MAX)
		return fail(t, "a name in the tar is too long", NULL);
	memcpy(t->ext_type == 'L' ? t->x_name : t->x_link, t->ext, n + 1);
	return 0;
}

int
tar_rd_feed(struct tar_rd *t, const void *b, size_t n)
{
	const unsigned char *p = b;
	size_t k;
	int r;

	while (n > 0) {
		switch (t->state) {
		case S_FAIL:
			return -1;
		case S_END:
			return 0;	/* what follows the end is ignored */
		case S_HEAD:
			k = BLK - t->nblk < n ? BLK - t->nblk : n;
			memcpy(t->blk + t->nblk, p, k);
			t->nblk += k;
			p += k;
			n -= k;
			if (t->nblk == BLK) {
				t->nblk = 0;
				if ((r = header(t)) != 0)
					return r;
			}
			break;
		case S_DATA:
			k = (int64_t)n < t->left ? n : (size_t)t->left;
			if ((r = t->cb.data(t->cb.arg, p, k)) != 0) {
				t->state = S_FAIL;
				return r;
			}
			p += k;
			n -= k;
			if ((t->left -= (int64_t)k) == 0) {
				if ((r = t->cb.end(t->cb.arg)) != 0) {
					t->state = S_FAIL;
					return r;
				}
				t->state = t->pad ? S_PAD : S_HEAD;
			}
			break;
		case S_EXT:
			k = (int64_t)n < t->left ? n : (size_t)t->left;
			memcpy(t->ext + t->next, p, k);
			t->next += k;
			p += k;
			n -= k;
			if ((t->left -= (int64_t)k) == 0) {
				if (ext_done(t) != 0)
					return -1;
				t->state = t->pad ? S_PAD : S_HEAD;
			}
			break;
		case S_PAD:
		case S_SKIP:
			if (t->state == S_PAD) {
				k = (int64_t)n < t->pad ? n : (size_t)t->pad;
				t->pad -= (int64_t)k;
				if (t->pad == 0)
					t->state = S_HEAD;
			} else {
				k = (int64_t)n < t->left ? n : (size_t)t->left;
				t->left -= (int64_t)k;
				if (t->left == 0)
					t->state = S_HEAD;
			}
			p += k;
			n -= k;
			break;
		}
	}
	return t->state == S_FAIL ? -1 : 0;
}

int
tar_rd_finish(struct tar_rd *t)
{
	if (t->state == S_FAIL)
		return -1;
	/* One zero block, or none after whole entries, is accepted (GNU
	 * tar does too); a cut entry is not. */
	if (t->state == S_END || (t->state == S_HEAD && t->nblk == 0 &&
	    (t->zeros > 0 || t->e.name[0] != '\0')))
		return 0;
	return fail(t, "the upload is not a valid tar archive", "it ends "
	    "in the middle of an entry");
}

const char *
tar_rd_error(const struct tar_rd *t)
{
	return t->err;
}

void
tar_rd_free(struct tar_rd *t)
{
	if (t == NULL)
		return;
	free(t->ext);
	free(t);
}
