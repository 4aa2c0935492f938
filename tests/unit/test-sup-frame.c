/* test-sup-frame: the berthd <-> berth-sup frame codec: round trips,
 * frames split at every byte, and what must be refused; the activity
 * frames (sup-aframe.h) too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sup-aframe.h"
#include "sup-frame.h"

static void
test_start_roundtrip(void)
{
	char *argv[] = { "sh", "-c", "echo \"$X\"", NULL };
	char *env[] = { "X=a=b", "EMPTY=", NULL };
	struct sup_start in = { .flags = SUP_F_TTY | SUP_F_KEEP, .rows = 33,
	    .cols = 101, .uid = 1000, .gid = SUP_ID_NONE, .timeout_ms = 1500,
	    .cwd = "/tmp", .argv = argv, .env = env }, out;
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	long k;

	sup_start_encode(&w, &in);
	k = sup_frame_parse(w.p, w.len, &f);
	CHECK_EQ_INT(k, (long)w.len);
	CHECK_EQ_INT(f.type, SUP_START);
	CHECK_EQ_INT(sup_start_decode(&f, &out), 0);
	CHECK_EQ_INT(out.flags, SUP_F_TTY | SUP_F_KEEP);
	CHECK_EQ_INT(out.rows, 33);
	CHECK_EQ_INT(out.cols, 101);
	CHECK_EQ_INT(out.uid, 1000);
	CHECK_EQ_INT(out.gid, SUP_ID_NONE);
	CHECK_EQ_INT(out.timeout_ms, 1500);
	CHECK_EQ_STR(out.cwd, "/tmp");
	CHECK_EQ_STR(out.argv[0], "sh");
	CHECK_EQ_STR(out.argv[2], "echo \"$X\"");
	CHECK(out.argv[3] == NULL);
	CHECK_EQ_STR(out.env[0], "X=a=b");
	CHECK_EQ_STR(out.env[1], "EMPTY=");
	CHECK(out.env[2] == NULL);
	sup_start_clear(&out);
	/* No cwd and no env encode as empty. */
	in.cwd = NULL;
	in.env = NULL;
	w.len = 0;
	sup_start_encode(&w, &in);
	CHECK(sup_frame_parse(w.p, w.len, &f) > 0);
	CHECK_EQ_INT(sup_start_decode(&f, &out), 0);
	CHECK_EQ_STR(out.cwd, "");
	CHECK(out.env[0] == NULL);
	sup_start_clear(&out);
	sup_wbuf_clear(&w);
}

/* A stream of frames parses the same whatever the read boundaries. */
static void
test_split(void)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	uint8_t *acc;
	size_t m, cut, alen, off, seen;
	long k;
	int types[4];

	sup_put_frame(&w, SUP_STDOUT, "hello", 5);
	m = sup_put_begin(&w, SUP_CREDIT);
	sup_put_u32(&w, 1);
	sup_put_u32(&w, 65536);
	sup_put_end(&w, m);
	sup_put_frame(&w, SUP_EOF, NULL, 0);
	m = sup_put_begin(&w, SUP_EXIT);
	sup_put_u32(&w, 130);
	sup_put_u32(&w, 2);
	sup_put_u32(&w, 0);
	sup_put_end(&w, m);
	acc = malloc(w.len);
	for (cut = 0; cut <= w.len; cut++) {
		/* bytes arrive as [0, cut) then the rest */
		alen = 0;
		off = 0;
		seen = 0;
		for (int step = 0; step < 2; step++) {
			size_t end = step == 0 ? cut : w.len;
			memcpy(acc + alen, w.p + alen, end - alen);
			alen = end;
			while ((k = sup_frame_parse(acc + off, alen - off,
			    &f)) > 0) {
				if (seen < 4)
					types[seen] = f.type;
				seen++;
				off += (size_t)k;
			}
			CHECK(k == 0);
		}
		CHECK_EQ_INT(seen, 4);
		CHECK_EQ_INT(off, w.len);
		CHECK_EQ_INT(types[0], SUP_STDOUT);
		CHECK_EQ_INT(types[1], SUP_CREDIT);
		CHECK_EQ_INT(types[2], SUP_EOF);
		CHECK_EQ_INT(types[3], SUP_EXIT);
	}
	free(acc);
	sup_wbuf_clear(&w);
}

static void
test_bad_frames(void)
{
	struct sup_frame f;
	uint8_t zero[5] = { 0, 0, 0, 0, SUP_EOF };
	uint8_t huge[5] = { 0x7f, 0, 0, 0, SUP_START };
	uint8_t type0[5] = { 0, 0, 0, 1, 0 };
	uint8_t typebig[5] = { 0, 0, 0, 1, SUP_TYPE_MAX };
	uint8_t bigdata[5] = { 0, 1, 0, 2, SUP_STDIN };	/* 64 KiB + 1 */
	uint8_t okdata[5] = { 0, 1, 0, 1, SUP_STDIN };	/* 64 KiB */

	CHECK_EQ_INT(sup_frame_parse(zero, 5, &f), -1);
	CHECK_EQ_INT(sup_frame_parse(zero, 4, &f), -1);	/* judged early */
	CHECK_EQ_INT(sup_frame_parse(huge, 5, &f), -1);
	CHECK_EQ_INT(sup_frame_parse(type0, 5, &f), -1);
	CHECK_EQ_INT(sup_frame_parse(typebig, 5, &f), -1);
	CHECK_EQ_INT(sup_frame_parse(bigdata, 5, &f), -1);
	CHECK_EQ_INT(sup_frame_parse(okdata, 5, &f), 0);	/* needs more */
	CHECK_EQ_INT(sup_frame_parse(zero, 0, &f), 0);
}

/* Builds a START payload by hand for the refusals. */
static int
decode_raw(uint32_t argc, const char *const *argv, uint32_t envc,
    const char *const *env, int extra)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct sup_start s;
	size_t m = sup_put_begin(&w, SUP_START);
	int r;

	for (int i = 0; i < 6; i++)
		sup_put_u32(&w, 0);
	sup_put_str(&w, "", 0);
	sup_put_u32(&w, argc);
	for (uint32_t i = 0; argv != NULL && argv[i] != NULL; i++)
		sup_put_str(&w, argv[i], strlen(argv[i]) + (argv[i][0] == 'N'));
	sup_put_u32(&w, envc);
	for (uint32_t i = 0; env != NULL && env[i] != NULL; i++)
		sup_put_str(&w, env[i], strlen(env[i]));
	if (extra)
		sup_put_u32(&w, 7);
	sup_put_end(&w, m);
	if (sup_frame_parse(w.p, w.len, &f) <= 0)
		r = -2;
	else
		r = sup_start_decode(&f, &s);
	if (r == 0)
		sup_start_clear(&s);
	sup_wbuf_clear(&w);
	return r;
}

static void
test_bad_start(void)
{
	const char *one[] = { "true", NULL };
	const char *nul[] = { "Nul", NULL };	/* sent with its NUL */
	const char *empty[] = { "", NULL };
	const char *goodenv[] = { "A=1", NULL };
	const char *noeq[] = { "A", NULL };
	const char *eqfirst[] = { "=x", NULL };

	CHECK_EQ_INT(decode_raw(1, one, 1, goodenv, 0), 0);
	CHECK_EQ_INT(decode_raw(0, NULL, 0, NULL, 0), -1);	/* no argv */
	CHECK_EQ_INT(decode_raw(1, empty, 0, NULL, 0), -1);
	CHECK_EQ_INT(decode_raw(1, nul, 0, NULL, 0), -1);
	CHECK_EQ_INT(decode_raw(1, one, 1, noeq, 0), -1);
	CHECK_EQ_INT(decode_raw(1, one, 1, eqfirst, 0), -1);
	CHECK_EQ_INT(decode_raw(1, one, 0, NULL, 1), -1);	/* left over */
	CHECK_EQ_INT(decode_raw(2, one, 0, NULL, 0), -1);	/* short */
	CHECK_EQ_INT(decode_raw(SUP_ARGS_MAX + 1, one, 0, NULL, 0), -1);
	CHECK_EQ_INT(decode_raw(0xffffffffu, one, 0, NULL, 0), -1);
}

static void
test_reader(void)
{
	uint8_t b[6] = { 0, 0, 0, 2, 'h', 'i' };
	struct sup_frame f = { SUP_STDOUT, b, sizeof b };
	struct sup_rd r;
	const uint8_t *s;
	size_t n;

	sup_rd_init(&r, &f);
	s = sup_get_str(&r, &n);
	CHECK(s != NULL && n == 2 && memcmp(s, "hi", 2) == 0);
	CHECK_EQ_INT(sup_rd_end(&r), 0);
	CHECK_EQ_INT(sup_get_u32(&r), 0);	/* past the end */
	CHECK_EQ_INT(sup_rd_end(&r), -1);
	b[3] = 9;				/* claims more than there is */
	sup_rd_init(&r, &f);
	CHECK(sup_get_str(&r, &n) == NULL);
	CHECK_EQ_INT(sup_rd_end(&r), -1);
	f.len = 3;
	sup_rd_init(&r, &f);
	(void)sup_get_u64(&r);
	CHECK_EQ_INT(sup_rd_end(&r), -1);
}

static void
test_secret(void)
{
	const char *k = "0123456789abcdef";

	CHECK_EQ_INT(sup_secret_cmp((const uint8_t *)k, 16, k), 0);
	CHECK_EQ_INT(sup_secret_cmp((const uint8_t *)"0123456789abcdeF", 16,
	    k), -1);
	CHECK_EQ_INT(sup_secret_cmp((const uint8_t *)k, 15, k), -1);
	CHECK_EQ_INT(sup_secret_cmp((const uint8_t *)"", 0, ""), -1);
}

static void
test_consume(void)
{
	struct sup_wbuf w = { 0 };

	sup_put_frame(&w, SUP_STDOUT, "abc", 3);
	sup_put_frame(&w, SUP_EOF, NULL, 0);
	CHECK_EQ_INT(w.len, 13);
	sup_wbuf_consume(&w, 8);
	CHECK_EQ_INT(w.len, 5);
	CHECK_EQ_INT(w.p[4], SUP_EOF);
	sup_wbuf_consume(&w, 99);
	CHECK_EQ_INT(w.len, 0);
	sup_wbuf_clear(&w);
}

static void
test_act_roundtrip(void)
{
	struct sup_act in, out;
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct sup_rd r;
	const struct sup_act_item *it;

	memset(&in, 0, sizeof in);
	in.now = 1796190000;
	CHECK_EQ_INT(sup_act_add(&in, "process", 2, 1796190000), 0);
	CHECK_EQ_INT(sup_act_add(&in, "tty", 3, 1796189990), 0);
	CHECK_EQ_INT(sup_act_add(&in, "background", 1, 0), 0);
	sup_act_encode(&w, &in);
	CHECK_EQ_INT(sup_frame_parse(w.p, w.len, &f), (long)w.len);
	CHECK_EQ_INT(f.type, SUP_ACT);
	CHECK_EQ_INT(sup_act_decode(&f, &out), 0);
	CHECK_EQ_INT(out.now, 1796190000);
	CHECK_EQ_INT(out.n, 3);
	it = sup_act_find(&out, "tty");
	CHECK(it != NULL);
	if (it != NULL) {
		CHECK_EQ_INT(it->count, 3);
		CHECK_EQ_INT(it->last_at, 1796189990);
	}
	CHECK_EQ_STR(out.v[2].name, "background");
	CHECK(sup_act_find(&out, "task") == NULL);
	/* Split at every byte: nothing until the whole frame is there. */
	for (size_t i = 0; i < w.len; i++)
		CHECK_EQ_INT(sup_frame_parse(w.p, i, &f), 0);
	/* An empty report is a report. */
	memset(&in, 0, sizeof in);
	w.len = 0;
	sup_act_encode(&w, &in);
	CHECK(sup_frame_parse(w.p, w.len, &f) > 0);
	CHECK_EQ_INT(sup_act_decode(&f, &out), 0);
	CHECK_EQ_INT(out.n, 0);
	/* The ask: one u32 of flags. */
	w.len = 0;
	sup_act_ask_encode(&w);
	CHECK_EQ_INT(sup_frame_parse(w.p, w.len, &f), 9);
	CHECK_EQ_INT(f.type, SUP_ACT_ASK);
	sup_rd_init(&r, &f);
	CHECK_EQ_INT(sup_get_u32(&r), 0);
	CHECK_EQ_INT(sup_rd_end(&r), 0);
	/* An ask is not a report. */
	CHECK_EQ_INT(sup_act_decode(&f, &out), -1);
	sup_wbuf_clear(&w);
}

/* A report with the given items, each {name, count, at}. */
static void
act_frame(struct sup_wbuf *w, uint32_t n, const char *const *names,
    size_t extra)
{
	size_t m = sup_put_begin(w, SUP_ACT);

	sup_put_u64(w, 1);
	sup_put_u32(w, n);
	for (uint32_t i = 0; names[i] != NULL; i++) {
		sup_put_str(w, names[i], strlen(names[i]));
		sup_put_u32(w, 1);
		sup_put_u64(w, 2);
	}
	for (size_t i = 0; i < extra; i++)
		sup_put_u32(w, 0);
	sup_put_end(w, m);
}

static int
act_decodes(uint32_t n, const char *const *names, size_t extra)
{
	struct sup_wbuf w = { 0 };
	struct sup_frame f;
	struct sup_act a;
	int rc = -2;

	memset(&a, 0x55, sizeof a);
	act_frame(&w, n, names, extra);
	if (sup_frame_parse(w.p, w.len, &f) > 0)
		rc = sup_act_decode(&f, &a);
	if (rc == -1)
		CHECK_EQ_INT(a.n, 0);	/* nothing half-read is left */
	sup_wbuf_clear(&w);
	return rc;
}

static void
test_act_refused(void)
{
	static const char *const ok[] = { "process", "x-y", NULL };
	static const char *const upper[] = { "Process", NULL };
	static const char *const digit[] = { "tty1", NULL };
	static const char *const empty[] = { "", NULL };
	static const char *const dot[] = { "t.y", NULL };
	static const char *const longn[] = { "abcdefghijklmnop", NULL };
	static const char *const twice[] = { "tty", "tty", NULL };
	static const char *many[SUP_ACT_ITEMS + 2];
	static char names[SUP_ACT_ITEMS + 1][8];
	struct sup_act a;

	CHECK_EQ_INT(act_decodes(2, ok, 0), 0);
	CHECK_EQ_INT(act_decodes(1, upper, 0), -1);
	CHECK_EQ_INT(act_decodes(1, digit, 0), -1);
	CHECK_EQ_INT(act_decodes(1, empty, 0), -1);
	CHECK_EQ_INT(act_decodes(1, dot, 0), -1);
	CHECK_EQ_INT(act_decodes(1, longn, 0), -1);
	CHECK_EQ_INT(act_decodes(2, twice, 0), -1);
	/* A count that does not match what follows, bytes left over. */
	CHECK_EQ_INT(act_decodes(3, ok, 0), -1);
	CHECK_EQ_INT(act_decodes(1, ok, 0), -1);
	CHECK_EQ_INT(act_decodes(2, ok, 1), -1);
	/* At most SUP_ACT_ITEMS. */
	for (int i = 0; i <= SUP_ACT_ITEMS; i++) {
		snprintf(names[i], sizeof names[i], "n%c", 'a' + i);
		many[i] = names[i];
	}
	many[SUP_ACT_ITEMS] = NULL;
	CHECK_EQ_INT(act_decodes(SUP_ACT_ITEMS, many, 0), 0);
	many[SUP_ACT_ITEMS] = names[SUP_ACT_ITEMS];
	many[SUP_ACT_ITEMS + 1] = NULL;
	CHECK_EQ_INT(act_decodes(SUP_ACT_ITEMS + 1, many, 0), -1);
	/* sup_act_add keeps the same rules. */
	memset(&a, 0, sizeof a);
	CHECK_EQ_INT(sup_act_add(&a, "tty", 1, 1), 0);
	CHECK_EQ_INT(sup_act_add(&a, "tty", 1, 1), -1);
	CHECK_EQ_INT(sup_act_add(&a, "TTY", 1, 1), -1);
	CHECK_EQ_INT(sup_act_add(&a, "", 1, 1), -1);
	CHECK_EQ_INT(a.n, 1);
	CHECK(sup_act_name_ok("background", 10));
	CHECK(!sup_act_name_ok("a b", 3));
	CHECK(!sup_act_name_ok("tt\0y", 4));
}

int
main(void)
{
	test_start_roundtrip();
	test_split();
	test_bad_frames();
	test_bad_start();
	test_reader();
	test_secret();
	test_consume();
	test_act_roundtrip();
	test_act_refused();
	CHECK_DONE();
}
