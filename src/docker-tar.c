/* docker-tar.c: the tar reader, writer and upload re-owner of
 * docker-tar.h. Pure functions over bytes, fuzzed by
 * tests/fuzz/fuzz-docker-tar.c. Any thread, one per struct. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "docker-tar.h"
#include "err.h"
#include "xmalloc.h"

/* Field offsets and sizes of a ustar header. */
#define T_NAME		0
#define T_MODE		100
#define T_UID		108
#define T_GID		116
#define T_SIZE		124
#define T_MTIME		136
#define T_CHKSUM	148
#define T_TYPE		156
#define T_MAGIC		257
#define T_VERSION	263
#define T_UNAME		265
#define T_GNAME		297
#define T_PREFIX	345

static const uint8_t zero_block[DTAR_BLOCK];

static int64_t
round_block(int64_t n)
{
	return (n + DTAR_BLOCK - 1) / DTAR_BLOCK * DTAR_BLOCK;
}

/* A numeric field: octal (spaces/NULs around it) or GNU base-256. -1 when
 * malformed. */
static int64_t
num_field(const uint8_t *p, size_t n)
{
	int64_t v = 0;
	size_t i = 0;

	if (p[0] & 0x80) {
		/* base-256, positive only; ignore the marker bit */
		if (p[0] & 0x40)
			return -1;
		v = p[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v > (INT64_MAX >> 8))
				return -1;
			v = v << 8 | p[i];
		}
		return v;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	if (i == n)
		return 0;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v << 3 | (p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	return v;
}

static void
put_octal(uint8_t *p, size_t n, int64_t v)
{
	char tmp[32];

	/* n-1 digits and a NUL, as GNU and Go write them */
	snprintf(tmp, sizeof tmp, "%0*" PRIo64, (int)(n - 1), (uint64_t)v);
	memcpy(p, tmp, n - 1);
	p[n - 1] = '\0';
}

/* A size or id that may not fit in octal: base-256 then. */
static void
put_num(uint8_t *p, size_t n, int64_t v)
{
	if (v >= 0 && (uint64_t)v < (1ULL << (3 * (n - 1)))) {
		put_octal(p, n, v);
		return;
	}
	memset(p, 0, n);
	for (size_t i = n - 1; i > 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
	p[0] = 0x80;
}

static void
set_chksum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + T_CHKSUM, ' ', 8);
	for (int i = 0; i < DTAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + T_CHKSUM, 8, "%06o", sum);
	h[T_CHKSUM + 7] = ' ';
}

/* 1 when the header's checksum (unsigned or signed, as readers accept)
 * matches. */
static int
chksum_ok(const uint8_t *h)
{
	int64_t want = num_field(h + T_CHKSUM, 8);
	unsigned usum = 0;
	int ssum = 0;

	for (int i = 0; i < DTAR_BLOCK; i++) {
		uint8_t c = i >= T_CHKSUM && i < T_CHKSUM + 8 ? ' ' : h[i];
		usum += c;
		ssum += (int8_t)c;
	}
	return want >= 0 && (want == (int64_t)usum || want == (int64_t)ssum);
}

/* Looks for key in pax records; -1 when absent or malformed. */
static int64_t
pax_num(const char *p, size_t n, const char *key)
{
	size_t klen = strlen(key), off = 0;

	while (off < n) {
		char *end;
		long long len = strtoll(p + off, &end, 10);
		const char *rec = p + off;
		if (end == rec || *end != ' ' || len <= 0 ||
		    (size_t)len > n - off)
			return -1;
		if ((size_t)(end + 1 - rec) + klen + 1 <= (size_t)len &&
		    strncmp(end + 1, key, klen) == 0 && end[1 + klen] == '=') {
			char *ve;
			long long v = strtoll(end + 2 + klen, &ve, 10);
			if (ve == end + 2 + klen || v < 0)
				return -1;
			return v;
		}
		off += (size_t)len;
	}
	return -1;
}

/* ---- reader ---- */

void
dtar_init(struct dtar *t)
{
	memset(t, 0, sizeof *t);
	t->pax_size = -1;
}

void
dtar_free(struct dtar *t)
{
	buf_free(t->pax);
	t->pax = NULL;
}

int
dtar_block(struct dtar *t, const uint8_t blk[DTAR_BLOCK])
{
	int64_t size;
	char type;

	if (t->skip > 0) {
		size_t n = t->skip < DTAR_BLOCK ? (size_t)t->skip : DTAR_BLOCK;
		if (t->in_pax && buf_append(t->pax, blk, n) != 0)
			return err_set(ERR_INVAL, "tar: pax header too large");
		if ((t->skip -= (int64_t)n) == 0 && t->in_pax) {
			t->in_pax = 0;
			t->pax_size = pax_num(buf_data(t->pax),
			    buf_len(t->pax), "size");
		}
		return DTAR_MORE;
	}
	if (memcmp(blk, zero_block, DTAR_BLOCK) == 0)
		return DTAR_END;
	if (!chksum_ok(blk))
		return err_set(ERR_INVAL, "tar: bad header checksum");
	if ((size = num_field(blk + T_SIZE, 12)) < 0)
		return err_set(ERR_INVAL, "tar: bad size field");
	type = (char)blk[T_TYPE];
	switch (type) {
	case 'x':
	case 'g':
		if (size > DTAR_PAX_MAX)
			return err_set(ERR_INVAL, "tar: pax header too large");
		if (t->pax == NULL)
			t->pax = buf_new(DTAR_PAX_MAX);
		buf_reset(t->pax);
		t->in_pax = type == 'x';
		t->skip = size;
		if (!t->in_pax)
			t->skip = round_block(size);
		else if (size == 0)
			t->in_pax = 0;
		return DTAR_MORE;
	case '0':
	case '\0':
	case '7':
		t->size = t->pax_size >= 0 ? t->pax_size : size;
		t->type = type;
		t->pax_size = -1;
		return DTAR_FILE;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
		t->pax_size = -1;
		return DTAR_MORE;
	default:
		/* GNU long names and others: skip their data */
		t->skip = round_block(t->pax_size >= 0 ? t->pax_size : size);
		t->pax_size = -1;
		return DTAR_MORE;
	}
}

/* ---- writer ---- */

static void
header(uint8_t *h, const char *name, int type, unsigned mode, int64_t size,
    int64_t mtime, int uid, int gid)
{
	memset(h, 0, DTAR_BLOCK);
	memcpy(h + T_NAME, name, strnlen(name, 100));
	put_octal(h + T_MODE, 8, mode);
	put_num(h + T_UID, 8, uid);
	put_num(h + T_GID, 8, gid);
	put_num(h + T_SIZE, 12, size);
	put_num(h + T_MTIME, 12, mtime);
	h[T_TYPE] = (uint8_t)type;
	memcpy(h + T_MAGIC, "ustar", 6);
	memcpy(h + T_VERSION, "00", 2);
	set_chksum(h);
}

/* Appends one pax record "LEN key=value\n". */
static void
pax_record(struct buf *b, const char *key, const char *val)
{
	size_t base = strlen(key) + strlen(val) + 3, len = base, d;
	char num[24];

	/* LEN counts its own digits */
	for (;;) {
		d = (size_t)snprintf(num, sizeof num, "%zu", len);
		if (base + d == len)
			break;
		len = base + d;
	}
	buf_appendf(b, "%zu %s=%s\n", len, key, val);
}

static void
pad_block(struct buf *b, size_t n)
{
	size_t pad = (DTAR_BLOCK - n % DTAR_BLOCK) % DTAR_BLOCK;

	buf_append(b, zero_block, pad);
}

void
dtar_entry(struct buf *b, const char *name, int type, unsigned mode,
    int64_t size, int64_t mtime, int uid, int gid)
{
	uint8_t h[DTAR_BLOCK];
	char *full = xasprintf("%s%s", name, type == DTAR_TYPE_DIR ? "/" : "");

	if (strlen(full) > 100) {
		struct buf *rec = buf_new(0);
		pax_record(rec, "path", full);
		header(h, "././@PaxHeader", 'x', 0644, (int64_t)buf_len(rec),
		    mtime, 0, 0);
		buf_append(b, h, sizeof h);
		buf_append(b, buf_data(rec), buf_len(rec));
		pad_block(b, buf_len(rec));
		buf_free(rec);
	}
	header(h, full, type, mode, type == DTAR_TYPE_DIR ? 0 : size, mtime,
	    uid, gid);
	buf_append(b, h, sizeof h);
	free(full);
}

void
dtar_end(struct buf *b)
{
	buf_append(b, zero_block, DTAR_BLOCK);
	buf_append(b, zero_block, DTAR_BLOCK);
}

/* ---- re-owner ---- */

void
dtar_rw_init(struct dtar_rw *w, int uid, int gid, int keep_dot)
{
	memset(w, 0, sizeof *w);
	w->uid = uid;
	w->gid = gid;
	w->keep_dot = keep_dot;
	w->pax_size = -1;
}

void
dtar_rw_free(struct dtar_rw *w)
{
	buf_free(w->pax);
	w->pax = NULL;
}

/* Drops uid/gid/uname/gname records from the collected pax data and emits
 * the header with its new size, the records and padding. */
static int
pax_emit(struct dtar_rw *w, int64_t size, dtar_emit_fn emit, void *arg)
{
	struct buf *out = buf_new(0);
	const char *p = buf_data(w->pax);
	size_t n = (size_t)size, off = 0;
	int r;

	while (off < n) {
		char *end;
		long long len = strtoll(p + off, &end, 10);
		const char *kv = end + 1, *eq;
		if (end == p + off || *end != ' ' || len <= 0 ||
		    (size_t)len > n - off || kv > p + off + len) {
			buf_free(out);
			return err_set(ERR_INVAL, "the upload is not a valid "
			    "tar archive (bad pax record)");
		}
		eq = memchr(kv, '=', (size_t)(p + off + len - kv));
		if (eq == NULL || !((eq - kv == 3 && (strncmp(kv, "uid", 3) ==
		    0 || strncmp(kv, "gid", 3) == 0)) || (eq - kv == 5 &&
		    (strncmp(kv, "uname", 5) == 0 || strncmp(kv, "gname", 5) ==
		    0))))
			buf_append(out, p + off, (size_t)len);
		off += (size_t)len;
	}
	if (w->paxhdr[T_TYPE] == 'x')
		w->pax_size = pax_num(buf_data(out), buf_len(out), "size");
	put_num(w->paxhdr + T_SIZE, 12, (int64_t)buf_len(out));
	set_chksum(w->paxhdr);
	pad_block(out, buf_len(out));
	if ((r = emit(arg, w->paxhdr, DTAR_BLOCK)) == 0)
		r = emit(arg, buf_data(out), buf_len(out));
	buf_free(out);
	return r;
}

/* A complete header block in w->hdr. */
static int
rw_header(struct dtar_rw *w, dtar_emit_fn emit, void *arg)
{
	uint8_t *h = w->hdr;
	int64_t size, psize = w->pax_size;
	char type, name[101];

	if (memcmp(h, zero_block, DTAR_BLOCK) == 0) {
		w->ended = 1;
		return emit(arg, h, DTAR_BLOCK);
	}
	if (!chksum_ok(h))
		return err_set(ERR_INVAL, "the upload is not a tar archive "
		    "(bad header checksum)");
	if ((size = num_field(h + T_SIZE, 12)) < 0)
		return err_set(ERR_INVAL, "the upload is not a valid tar "
		    "archive (bad size field)");
	type = (char)h[T_TYPE];
	memcpy(name, h + T_NAME, 100);
	name[100] = '\0';
	w->pax_size = -1;
	switch (type) {
	case 'x':
	case 'g':
		if (size > DTAR_PAX_MAX)
			return err_set(ERR_INVAL, "the upload has a pax header "
			    "over %d bytes", DTAR_PAX_MAX);
		if (w->pax == NULL)
			w->pax = buf_new(0);
		buf_reset(w->pax);
		memcpy(w->paxhdr, h, DTAR_BLOCK);
		w->pax_left = round_block(size);
		if (size == 0)
			return pax_emit(w, 0, emit, arg);
		return 0;
	case '3':
	case '4':
	case '6':
		return err_set(ERR_INVAL, "the upload has a device node or "
		    "fifo (%s); only files, directories and links are "
		    "accepted", name);
	case 'L':
	case 'K':
		w->pass = round_block(size);
		return emit(arg, h, DTAR_BLOCK);
	case '5':
		if (!w->keep_dot && h[T_PREFIX] == '\0' &&
		    (strcmp(name, "./") == 0 || strcmp(name, ".") == 0))
			return 0;	/* the target keeps its owner/mode */
		break;
	default:
		break;
	}
	put_num(h + T_UID, 8, w->uid);
	put_num(h + T_GID, 8, w->gid);
	memset(h + T_UNAME, 0, 32);
	memset(h + T_GNAME, 0, 32);
	set_chksum(h);
	/* Links and directories carry no data whatever the size says. */
	if (type == '1' || type == '2' || type == '5')
		w->pass = 0;
	else
		w->pass = round_block(psize >= 0 ? psize : size);
	return emit(arg, h, DTAR_BLOCK);
}

int
dtar_rw_feed(struct dtar_rw *w, const void *data, size_t len,
    dtar_emit_fn emit, void *arg)
{
	const uint8_t *p = data;
	size_t n;
	int r;

	if (w->broken)
		return err_set(ERR_INVAL, "the upload is not a valid tar "
		    "archive");
	while (len > 0) {
		if (w->ended)
			return emit(arg, p, len);
		if (w->pass > 0) {
			n = (int64_t)len < w->pass ? len : (size_t)w->pass;
			if ((r = emit(arg, p, n)) != 0)
				return r;
			w->pass -= (int64_t)n;
		} else if (w->pax_left > 0) {
			n = (int64_t)len < w->pax_left ? len :
			    (size_t)w->pax_left;
			buf_append(w->pax, p, n);
			if ((w->pax_left -= (int64_t)n) == 0 && (r = pax_emit(w,
			    num_field(w->paxhdr + T_SIZE, 12), emit, arg)) !=
			    0) {
				w->broken = r == ERR_INVAL;
				return r;
			}
		} else {
			n = DTAR_BLOCK - w->hlen;
			if (n > len)
				n = len;
			memcpy(w->hdr + w->hlen, p, n);
			if ((w->hlen += n) == DTAR_BLOCK) {
				w->hlen = 0;
				if ((r = rw_header(w, emit, arg)) != 0) {
					w->broken = r == ERR_INVAL;
					return r;
				}
			}
		}
		p += n;
		len -= n;
	}
	return 0;
}

int
dtar_rw_finish(struct dtar_rw *w, dtar_emit_fn emit, void *arg)
{
	int r;

	if (w->broken)
		return err_set(ERR_INVAL, "the upload is not a valid tar "
		    "archive");
	if (w->ended)
		return 0;
	if (w->hlen != 0 || w->pass > 0 || w->pax_left > 0)
		return err_set(ERR_INVAL, "the tar upload ended in the middle "
		    "of an entry");
	if ((r = emit(arg, zero_block, DTAR_BLOCK)) == 0)
		r = emit(arg, zero_block, DTAR_BLOCK);
	return r;
}
