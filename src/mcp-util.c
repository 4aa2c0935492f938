/* mcp-util.c: what the MCP tool modules share: request paths, tool
 * results (success, and errors with the API's code and message), strict
 * arguments, base64. Pure. Any thread. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json-util.h"
#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

char *
mcp_path(const char *fmt, ...)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf *b = buf_new(0);
	va_list ap;
	const char *p, *s;
	char *out;

	va_start(ap, fmt);
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%' || (p[1] != 's' && p[1] != 'S')) {
			buf_putc(b, *p);
			continue;
		}
		s = va_arg(ap, const char *);
		if (p[1] == 'S') {
			buf_append(b, s, strlen(s));
			p++;
			continue;
		}
		for (; *s != '\0'; s++) {
			unsigned char c = (unsigned char)*s;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			    c == '.' || c == '~')
				buf_putc(b, (char)c);
			else {
				buf_putc(b, '%');
				buf_putc(b, hex[c >> 4]);
				buf_putc(b, hex[c & 15]);
			}
		}
		p++;
	}
	va_end(ap);
	buf_putc(b, '\0');
	out = buf_steal(b, NULL);
	buf_free(b);
	return out;
}

json_t *
mcp_ok(json_t *structured)
{
	char *text = json_dumps(structured, JSON_COMPACT);
	json_t *r;

	r = json_pack("{s:[{s:s,s:s}],s:o,s:b}", "content", "type", "text",
	    "text", text != NULL ? text : "{}", "structuredContent",
	    structured, "isError", 0);
	free(text);
	return r;
}

json_t *
mcp_fail(const char *code, const char *msg, int status)
{
	char *text = xasprintf("error %s: %s", code, msg);
	json_t *r;

	r = json_pack("{s:[{s:s,s:s}],s:{s:{s:s,s:s,s:i}},s:b}", "content",
	    "type", "text", "text", text, "structuredContent", "error",
	    "code", code, "message", msg, "status", status, "isError", 1);
	free(text);
	return r;
}

json_t *
mcp_fail_reply(const struct mcp_reply *rp)
{
	json_t *j = NULL, *e;
	const char *code, *msg;
	char c[32], m[300];
	json_t *r;

	if (rp->body != NULL && rp->len > 0)
		j = json_loadb(rp->body, rp->len, 0, NULL);
	e = json_object_get(j, "error");
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (code == NULL || msg == NULL) {
		snprintf(c, sizeof c, "http_%d", rp->status);
		snprintf(m, sizeof m, "berthd answered %d%s%.200s",
		    rp->status, rp->len > 0 ? ": " : "", rp->body != NULL ?
		    rp->body : "");
		code = c;
		msg = m;
	}
	r = mcp_fail(code, msg, rp->status);
	json_decref(j);
	return r;
}

/* Strict arguments: only the listed fields. */
int
mcp_args_only(const json_t *args, const char *const *allowed)
{
	if (args == NULL)
		return 0;
	return json_only_fields(args, allowed);
}

int
mcp_arg_ws(const json_t *args, const char **ws)
{
	return json_req_str(args, "workspace", ws);
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
mcp_b64_encode(const unsigned char *p, size_t n)
{
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64chars[p[i] >> 2];
		*o++ = b64chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = b64chars[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = b64chars[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64chars[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
			*o++ = b64chars[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64val(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64chars, c)) == NULL)
		return -1;
	return (int)(p - b64chars);
}

int
mcp_b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t i, k = 0, m = 0, pad = 0;
	unsigned acc = 0;
	int v;

	*out = NULL;
	*outlen = 0;
	o = xmalloc(n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64val(c)) < 0)
			goto bad;
		acc = acc << 6 | (unsigned)v;
		if (++m == 4) {
			o[k++] = (unsigned char)(acc >> 16);
			o[k++] = (unsigned char)(acc >> 8);
			o[k++] = (unsigned char)acc;
			acc = 0;
			m = 0;
		}
	}
	if (m == 1 || pad > 2 || (pad > 0 && (m + pad) % 4 != 0))
		goto bad;
	if (m == 2)
		o[k++] = (unsigned char)(acc >> 4);
	else if (m == 3) {
		o[k++] = (unsigned char)(acc >> 10);
		o[k++] = (unsigned char)(acc >> 2);
	}
	*out = o;
	*outlen = k;
	return 0;
bad:
	free(o);
	return err_set(ERR_INVAL, "content is not valid base64");
}
