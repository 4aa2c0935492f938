/* log.c: logfmt/JSON lines on stderr, one write(2) per line so lines from
 * different threads never interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_level log_min_level = LOG_INFO;
static int log_json;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_init(enum log_level lvl, int json)
{
	log_min_level = lvl;
	log_json = json;
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Appends s quoted and escaped (same rules serve logfmt and JSON). */
static size_t
put_quoted(char *out, size_t off, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (off < size)
		out[off++] = '"';
	for (; *s != '\0' && off + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[off++] = '\\';
			out[off++] = (char)c;
		} else if (c == '\n') {
			out[off++] = '\\';
			out[off++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + off, "\\u00", 4);
			off += 4;
			out[off++] = hex[c >> 4];
			out[off++] = hex[c & 15];
		} else
			out[off++] = (char)c;
	}
	if (off < size)
		out[off++] = '"';
	return off;
}

void
log_emit(enum log_level lvl, const char *fn, const char *fmt, ...)
{
	char msg[2048], line[4608], ts[64];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t off;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));

	if (log_json)
		off = (size_t)snprintf(line, sizeof line,
		    "{\"ts\":\"%s\",\"level\":\"%s\",\"fn\":\"%s\",\"msg\":",
		    ts, level_names[lvl], fn);
	else
		off = (size_t)snprintf(line, sizeof line,
		    "ts=%s level=%s fn=%s msg=", ts, level_names[lvl], fn);
	off = put_quoted(line, off, sizeof line - 3, msg);
	if (log_json)
		line[off++] = '}';
	line[off++] = '\n';
	(void)!write(STDERR_FILENO, line, off);
}

void
fatal(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_emit(LOG_ERROR, "fatal", "%s", msg);
	exit(1);
}
