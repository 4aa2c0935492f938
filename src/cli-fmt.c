/* cli-fmt.c: tables, times, sizes, bars, colour and redaction for the
 * CLI's human output. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli-fmt.h"
#include "err.h"
#include "xmalloc.h"

void
fmt_duration(int64_t secs, char *buf, size_t size)
{
	int64_t d, h, m;

	if (secs < 0)
		secs = -secs;
	d = secs / 86400;
	h = (secs % 86400) / 3600;
	m = (secs % 3600) / 60;
	if (secs < 60)
		snprintf(buf, size, "%llds", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, size, "%lldm", (long long)m);
	else if (secs < 86400) {
		if (m == 0)
			snprintf(buf, size, "%lldh", (long long)h);
		else
			snprintf(buf, size, "%lldh %lldm", (long long)h,
			    (long long)m);
	} else
		snprintf(buf, size, "%lldd", (long long)d);
}

static int
fmt_digits(const char **sp, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*sp)[i];
		if (c < '0' || c > '9')
			return ERR_INVAL;
		v = v * 10 + (c - '0');
	}
	*sp += n;
	*out = v;
	return 0;
}

int
fmt_time_parse(const char *s, int64_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	time_t base;

	if (s == NULL)
		return ERR_INVAL;
	if (fmt_digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    fmt_digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    fmt_digits(&s, 2, &d) != 0 || (*s != 'T' && *s != 't' &&
	    *s != ' '))
		return ERR_INVAL;
	s++;
	if (fmt_digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    fmt_digits(&s, 2, &mi) != 0 || *s++ != ':' ||
	    fmt_digits(&s, 2, &se) != 0)
		return ERR_INVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return ERR_INVAL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (fmt_digits(&s, 2, &oh) != 0 || *s++ != ':' ||
		    fmt_digits(&s, 2, &om) != 0)
			return ERR_INVAL;
	} else
		return ERR_INVAL;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return ERR_INVAL;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	base = timegm(&tm);
	*t = (int64_t)base - sign * (oh * 3600 + om * 60);
	return 0;
}

void
fmt_reltime(const char *s, int64_t now, char *buf, size_t size)
{
	int64_t t;
	char d[32];

	if (s == NULL || *s == '\0' || fmt_time_parse(s, &t) != 0) {
		snprintf(buf, size, "-");
		return;
	}
	if (t <= now && now - t < 1) {
		snprintf(buf, size, "just now");
		return;
	}
	fmt_duration(now - t, d, sizeof d);
	if (t <= now)
		snprintf(buf, size, "%s ago", d);
	else
		snprintf(buf, size, "in %s", d);
}

void
fmt_bytes(double b, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB" };
	int u = -1;

	if (b < 0)
		b = 0;
	if (b < 1024) {
		snprintf(buf, size, "%.0f B", b);
		return;
	}
	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, size, "%.1f %s", b, units[u]);
}

void
fmt_bar(double frac, int width, char *buf, size_t size)
{
	static const char full[] = "\xe2\x96\x88", empty[] = "\xe2\x96\x91";
	size_t off = 0;
	int n;

	if (size == 0)
		return;
	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	n = (int)(frac * width + 0.5);
	for (int i = 0; i < width && off + 4 < size; i++) {
		memcpy(buf + off, i < n ? full : empty, 3);
		off += 3;
	}
	buf[off] = '\0';
}

char *
fmt_redact_key(const char *key)
{
	if (key == NULL || *key == '\0')
		return xstrdup("(none)");
	if (strlen(key) < 24)
		return xstrdup("[redacted]");
	return xasprintf("%.9s\xe2\x80\xa6[redacted]", key);
}

size_t
fmt_width(const char *s)
{
	size_t w = 0;

	while (*s != '\0') {
		unsigned char c = (unsigned char)*s;
		if (c == 0x1b && s[1] == '[') {
			s += 2;
			while (*s != '\0' && !(*s >= '@' && *s <= '~'))
				s++;
			if (*s != '\0')
				s++;
			continue;
		}
		if ((c & 0xc0) != 0x80)
			w++;
		s++;
	}
	return w;
}

char *
fmt_color(int on, enum fmt_color c, const char *s)
{
	static const char *const codes[] = { "", "31", "32", "33", "34", "2",
	    "1" };

	if (!on || c == FMT_NONE)
		return xstrdup(s);
	return xasprintf("\x1b[%sm%s\x1b[0m", codes[c], s);
}

enum fmt_color
fmt_state_color(const char *st)
{
	if (st == NULL)
		return FMT_NONE;
	if (strcmp(st, "running") == 0 || strcmp(st, "healthy") == 0)
		return FMT_GREEN;
	if (strcmp(st, "failed") == 0 || strcmp(st, "lost") == 0 ||
	    strcmp(st, "killed") == 0)
		return FMT_RED;
	if (strcmp(st, "creating") == 0 || strcmp(st, "deleting") == 0 ||
	    strcmp(st, "starting") == 0 || strcmp(st, "stopping") == 0)
		return FMT_YELLOW;
	if (strcmp(st, "stopped") == 0 || strcmp(st, "exited") == 0)
		return FMT_DIM;
	return FMT_NONE;
}

struct fmt_table {
	size_t	  ncols;
	char	**cells;	/* rows * ncols, header first */
	size_t	  nrows;	/* including the header */
};

struct fmt_table *
fmt_table_new(size_t ncols, const char *const *headers)
{
	struct fmt_table *t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	fmt_table_add(t, headers);
	return t;
}

void
fmt_table_add(struct fmt_table *t, const char *const *cells)
{
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof *t->cells);
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] =
		    xstrdup(cells[c] != NULL ? cells[c] : "");
	t->nrows++;
}

size_t
fmt_table_rows(const struct fmt_table *t)
{
	return t->nrows - 1;
}

void
fmt_table_print(struct fmt_table *t, FILE *f, int color)
{
	size_t *w = xcalloc(t->ncols, sizeof *w);

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t cw = fmt_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		size_t pad = 0;

		if (r == 0 && color)
			fputs("\x1b[1m", f);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			/* blanks only before text: no trailing spaces */
			if (*s == '\0') {
				pad += w[c] + 2;
				continue;
			}
			for (size_t k = 0; k < pad; k++)
				fputc(' ', f);
			fputs(s, f);
			pad = w[c] - fmt_width(s) + 2;
		}
		if (r == 0 && color)
			fputs("\x1b[0m", f);
		fputc('\n', f);
	}
	free(w);
	fmt_table_free(t);
}

void
fmt_table_free(struct fmt_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
