/* timeutil.c: clocks, RFC 3339 and durations. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "timeutil.h"

int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
rfc3339(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
rfc3339_parse(const char *s, int64_t *t)
{
	struct tm tm;
	const char *p;
	char *end;
	long long v;
	int off = 0;

	if (s == NULL || *s == '\0')
		return ERR_INVAL;
	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		v = strtoll(s, &end, 10);
		if (*end != '\0' || v < 0)
			return ERR_INVAL;
		*t = v;
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return ERR_INVAL;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return ERR_INVAL;
		off = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	}
	if (*p != '\0')
		return ERR_INVAL;
	*t = (int64_t)timegm(&tm) - off;
	return 0;
}

int
duration_parse(const char *s, int64_t *secs)
{
	int64_t total = 0, v;
	const char *p = s;
	int any = 0;

	if (s == NULL || *s == '\0')
		return ERR_INVAL;
	while (*p != '\0') {
		int mult;
		if (!isdigit((unsigned char)*p))
			return ERR_INVAL;
		v = 0;
		while (isdigit((unsigned char)*p)) {
			v = v * 10 + (*p - '0');
			if (v > 10LL * 366 * 86400)
				return ERR_INVAL;
			p++;
		}
		switch (*p) {
		case 's': mult = 1; p++; break;
		case 'm': mult = 60; p++; break;
		case 'h': mult = 3600; p++; break;
		case 'd': mult = 86400; p++; break;
		case '\0':
			if (any)
				return ERR_INVAL;
			mult = 1;
			break;
		default:
			return ERR_INVAL;
		}
		total += v * mult;
		if (total > 10LL * 366 * 86400)
			return ERR_INVAL;
		any = 1;
	}
	*secs = total;
	return 0;
}
