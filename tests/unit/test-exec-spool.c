/* test-exec-spool: a spool writes exactly what json_dumps writes for the
 * same bytes as a string (text: valid UTF-8 without NUL, escaped as jansson
 * escapes) or their base64 (anything else), its announced length is the
 * written length, past SPOOL_MEM (the file part) too, and the cap cuts and
 * flags. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "check.h"
#include "exec-spool.h"
#include "xmalloc.h"

struct sinkbuf {
	char	*p;
	size_t	 n;
};

static int
collect(void *ctx, const void *p, size_t n)
{
	struct sinkbuf *b = ctx;

	b->p = realloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

/* What the old code sent: json_dumps of the string, or of its base64. */
static char *
expected(const uint8_t *p, size_t n, int text)
{
	json_t *v;
	char *s, *b;

	if (text)
		v = json_stringn_nocheck((const char *)p, n);
	else {
		b = xmalloc(4 * ((n + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b, p, (int)n);
		v = json_string(b);
		free(b);
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(v);
	return s;
}

/* Puts p in pieces of step bytes; checks the output against want_text. */
static void
check_one(const char *what, const uint8_t *p, size_t n, size_t step,
    int want_text)
{
	struct spool *s = spool_new(1 << 30);
	struct sinkbuf b = { NULL, 0 };
	char *want;
	int64_t len;
	int base64;
	size_t i, m;

	for (i = 0; i < n; i += m) {
		m = n - i < step ? n - i : step;
		CHECK(spool_put(s, p + i, m) == 0);
	}
	len = spool_json_len(s, &base64);
	CHECK(spool_json_write(s, collect, &b) == 0);
	want = expected(p, n, want_text);
	if (base64 != !want_text || b.p == NULL || strcmp(b.p, want) != 0 ||
	    (int64_t)b.n != len) {
		fprintf(stderr, "%s: base64 %d (want %d), len %lld, wrote %zu "
		    "(want %zu)\n", what, base64, !want_text, (long long)len,
		    b.n, strlen(want));
		check_failures++;
	}
	CHECK_EQ_INT(spool_truncated(s), 0);
	free(want);
	free(b.p);
	spool_free(s);
}

int
main(void)
{
	static const uint8_t esc[] = "a\"b\\c\b\f\n\r\t/\x01\x1f\x7f "
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8 end";
	static const uint8_t bad[][4] = {
		{ 0xc0, 0x80 }, { 0xe0, 0x80, 0x80 }, { 0xed, 0xa0, 0x80 },
		{ 0xf4, 0x90, 0x80, 0x80 }, { 0xff }, { 0x80 }, { 0xc3 },
	};
	size_t big = 3 * SPOOL_MEM + 12345, i;
	uint8_t *p = xmalloc(big);
	struct spool *s;
	struct sinkbuf b = { NULL, 0 };
	int base64;

	check_one("empty", esc, 0, 1, 1);
	check_one("escapes", esc, sizeof esc - 1, 1000, 1);
	check_one("escapes, byte by byte", esc, sizeof esc - 1, 1, 1);
	check_one("NUL", (const uint8_t *)"a\0b", 3, 1, 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = bad[i][0] == 0xc0 || bad[i][0] == 0xc3 ? 2 : 4;

		if (bad[i][0] == 0xe0 || bad[i][0] == 0xed)
			n = 3;
		if (bad[i][0] == 0xff || bad[i][0] == 0x80)
			n = 1;
		if (bad[i][0] == 0xc3)
			n = 1;		/* cut short at the end */
		check_one("invalid UTF-8", bad[i], n, 1, 0);
	}
	/* Past the memory part: control bytes, text with multi-byte
	 * characters cut across puts, random bytes. */
	memset(p, 1, big);
	check_one("control bytes", p, big, 65536, 1);
	for (i = 0; i + 3 <= big; i += 3)
		memcpy(p + i, "\xe2\x82\xac", 3);
	memset(p + i, 'x', big - i);
	check_one("euro signs", p, big, 7777, 1);
	for (i = 0; i < big; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 9));
	check_one("binary", p, big, 10000, 0);

	/* The cap: the first cap bytes, flagged. */
	s = spool_new(100000);
	memset(p, 'y', big);
	CHECK(spool_put(s, p, 70000) == 0);
	CHECK(spool_put(s, p, 70000) == 0);
	CHECK_EQ_INT(spool_len(s), 100000);
	CHECK_EQ_INT(spool_truncated(s), 1);
	CHECK_EQ_INT(spool_json_len(s, &base64), 100002);
	CHECK(spool_json_write(s, collect, &b) == 0);
	CHECK_EQ_INT(b.n, 100002);
	free(b.p);
	spool_free(s);
	free(p);
	return check_failures != 0;
}
