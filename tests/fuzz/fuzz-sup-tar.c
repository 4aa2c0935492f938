/* fuzz-sup-tar: berth-sup's streaming tar reader (sup-tar.c, what
 * berth-sup --untar parses from an upload) over untrusted bytes, fed in
 * pieces whose sizes come from the input: it never reads out of bounds,
 * every entry has a name, a file's data adds up to its size, and the same
 * bytes fed whole give the same entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sup-tar.h"

struct seen {
	int64_t		 want, got;
	unsigned	 entries, ends;
	uint32_t	 hash;
};

static int
on_entry(void *arg, const struct tar_entry *e)
{
	struct seen *s = arg;

	if (e->name[0] == '\0' || strlen(e->name) >= TAR_NAME_MAX ||
	    strlen(e->link) >= TAR_NAME_MAX || e->size < 0 || s->want != s->got)
		abort();
	for (const char *c = e->name; *c; c++)
		s->hash = s->hash * 31 + (unsigned char)*c;
	s->hash = s->hash * 31 + (unsigned char)e->type;
	s->want = e->size;
	s->got = 0;
	s->entries++;
	return 0;
}

static int
on_data(void *arg, const void *b, size_t n)
{
	struct seen *s = arg;
	const unsigned char *c = b;

	for (size_t i = 0; i < n; i++)
		s->hash = s->hash * 33 + c[i];
	s->got += (int64_t)n;
	if (s->got > s->want)
		abort();
	return 0;
}

static int
on_end(void *arg)
{
	struct seen *s = arg;

	if (s->got != s->want)
		abort();
	s->ends++;
	return 0;
}

static int
run(const uint8_t *data, size_t size, size_t piece, struct seen *s)
{
	struct tar_cb cb = { on_entry, on_data, on_end, s };
	struct tar_rd *t = tar_rd_new(&cb);
	size_t at = 0;
	int r = 0;

	memset(s, 0, sizeof *s);
	while (r == 0 && at < size) {
		size_t n = size - at < piece ? size - at : piece;
		r = tar_rd_feed(t, data + at, n);
		at += n;
	}
	if (r == 0)
		r = tar_rd_finish(t);
	if (r != 0 && tar_rd_error(t)[0] == '\0')
		abort();
	tar_rd_free(t);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen a, b;
	size_t piece;
	int ra, rb;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] * 7 + 1;
	ra = run(data + 1, size - 1, piece, &a);
	rb = run(data + 1, size - 1, size, &b);
	if (ra != rb || a.entries != b.entries || a.hash != b.hash ||
	    a.ends != b.ends)
		abort();
	return 0;
}
