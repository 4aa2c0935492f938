/* mcp-files.c: the MCP file tools over berth's files and exec routes:
 * read_file (a byte range of GET .../files), write_file (PUT .../files),
 * list_files (GNU find run through exec as the workspace user, its
 * NUL-separated listing parsed here), and base64. Pure; fuzzed by
 * tests/fuzz/fuzz-mcp.c. One thread per call. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "err.h"
#include "json-util.h"
#include "mcp-int.h"
#include "mcp.h"
#include "xmalloc.h"

#define READ_DEFAULT	(1024 * 1024)
#define READ_MAX	(16 * 1024 * 1024)
#define LIST_MAX	10000		/* entries returned */

static int
arg_path(const json_t *args, const char **path)
{
	int rc;

	if ((rc = json_req_str(args, "path", path)) != 0)
		return rc;
	if (**path != '/')
		return err_set(ERR_INVAL, "path must be absolute (start with "
		    "/)");
	return 0;
}

/* ---- read_file ---- */

int
mcp_b_read(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "path", "offset",
	    "length", NULL };
	const char *ws, *path;
	int64_t off = 0, len = READ_DEFAULT;
	int rc, has;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_path(args, &path)) != 0 ||
	    (rc = json_opt_int(args, "offset", &off, &has)) != 0 ||
	    (rc = json_opt_int(args, "length", &len, &has)) != 0)
		return rc;
	if (off < 0 || off > INT64_MAX / 2)
		return err_set(ERR_INVAL, "offset must be 0 or more");
	if (len < 1 || len > READ_MAX)
		return err_set(ERR_INVAL, "length must be 1 to %d bytes",
		    READ_MAX);
	rq->method = "GET";
	rq->path = mcp_path("/v1/workspaces/%s/files?path=%s", ws, path);
	snprintf(rq->range, sizeof rq->range, "bytes=%lld-%lld",
	    (long long)off, (long long)(off + len - 1));
	rq->limit = (size_t)len + 1;
	return 0;
}

json_t *
mcp_s_read(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	const char *path = json_string_value(json_object_get(args, "path"));
	int64_t off = json_integer_value(json_object_get(args, "offset"));
	int64_t want = json_object_get(args, "length") != NULL ?
	    json_integer_value(json_object_get(args, "length")) : READ_DEFAULT;
	json_t *content, *o;
	const char *enc = "utf-8";
	int eof;

	if (strncasecmp(rp->ctype, "application/x-tar", 17) == 0)
		return mcp_fail("is_directory", "the path is a directory "
		    "(list_files lists it)", 400);
	if (rp->status == 416) {
		/* At or past the end (or an empty file). */
		return mcp_ok(json_pack("{s:s,s:I,s:i,s:o,s:b,s:s,s:s}",
		    "path", path, "offset", (json_int_t)off, "bytes", 0,
		    "size", rp->size >= 0 ? json_integer(rp->size) :
		    json_null(), "eof", 1, "encoding", enc, "content", ""));
	}
	if (rp->status == 200)
		off = 0;	/* the whole file came */
	if ((content = json_stringn(rp->body != NULL ? rp->body : "",
	    rp->len)) == NULL) {
		char *b = mcp_b64_encode((const unsigned char *)rp->body,
		    rp->len);
		content = json_string(b);
		free(b);
		enc = "base64";
	}
	eof = rp->size >= 0 ? off + (int64_t)rp->len >= rp->size :
	    (int64_t)rp->len < want;
	o = json_pack("{s:s,s:I,s:I,s:o,s:b,s:s,s:o}", "path", path,
	    "offset", (json_int_t)off, "bytes", (json_int_t)rp->len, "size",
	    rp->size >= 0 ? json_integer(rp->size) : json_null(), "eof", eof,
	    "encoding", enc, "content", content);
	return mcp_ok(o);
}

/* ---- write_file ---- */

int
mcp_b_write(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "path", "content",
	    "encoding", "mode", NULL };
	const char *ws, *path, *enc = NULL, *mode = NULL;
	const json_t *c = json_object_get(args, "content");
	unsigned char *data = NULL;
	size_t n = 0;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_path(args, &path)) != 0 ||
	    (rc = json_opt_str(args, "encoding", &enc)) != 0 ||
	    (rc = json_opt_str(args, "mode", &mode)) != 0)
		return rc;
	if (!json_is_string(c))
		return err_set(ERR_INVAL, "content is required (a string)");
	if (enc != NULL && strcmp(enc, "base64") == 0) {
		if ((rc = mcp_b64_decode(json_string_value(c),
		    json_string_length(c), &data, &n)) != 0)
			return rc;
	} else if (enc != NULL && strcmp(enc, "utf-8") != 0)
		return err_set(ERR_INVAL, "encoding must be utf-8 or base64");
	else {
		n = json_string_length(c);
		data = xmalloc(n + 1);
		memcpy(data, json_string_value(c), n);
	}
	rq->method = "PUT";
	rq->path = mode != NULL ? mcp_path("/v1/workspaces/%s/files?path=%s"
	    "&mode=%s", ws, path, mode) : mcp_path("/v1/workspaces/%s/files?"
	    "path=%s", ws, path);
	rq->ctype = "application/octet-stream";
	rq->body = (char *)data;
	rq->bodylen = n;
	return 0;
}

/* ---- list_files ---- */

int
mcp_b_list(const json_t *args, struct mcp_http *rq)
{
	static const char *const ok[] = { "workspace", "path", NULL };
	const char *ws, *path;
	json_t *body;
	int rc;

	if ((rc = mcp_args_only(args, ok)) != 0 ||
	    (rc = mcp_arg_ws(args, &ws)) != 0 ||
	    (rc = arg_path(args, &path)) != 0)
		return rc;
	/* -H: a path that is a link to a directory lists the directory. */
	body = json_pack("{s:[s,s,s,s,s,s,s],s:i}", "argv", "find", "-H",
	    path, "-maxdepth", "1", "-printf",
	    "%d\\0%y\\0%s\\0%m\\0%T@\\0%f\\0", "timeout", 120);
	rq->method = "POST";
	rq->path = mcp_path("/v1/workspaces/%s/exec", ws);
	rq->ctype = "application/json";
	rq->body = json_dumps(body, JSON_COMPACT);
	rq->bodylen = strlen(rq->body);
	rq->limit = 64 * 1024 * 1024;
	json_decref(body);
	return 0;
}

static const char *
type_name(char t)
{
	switch (t) {
	case 'f': return "file";
	case 'd': return "directory";
	case 'l': return "symlink";
	case 'p': return "fifo";
	case 's': return "socket";
	case 'b':
	case 'c': return "device";
	}
	return "other";
}

static int
by_name(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a,
	    "name"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b,
	    "name"));

	return strcmp(x ? x : "", y ? y : "");
}

json_t *
mcp_listing(const char *path, const unsigned char *p, size_t n)
{
	const char *f[6];
	json_t *arr = json_array(), *self = NULL, *e, **v;
	size_t i = 0, k, cnt = 0;
	int truncated = 0;

	while (i < n) {
		for (k = 0; k < 6; k++) {
			const void *z = memchr(p + i, '\0', n - i);
			if (z == NULL)
				goto done;	/* a cut last record */
			f[k] = (const char *)p + i;
			i = (size_t)((const unsigned char *)z - p) + 1;
		}
		{
			char when[32], *end;
			long long mt = strtoll(f[4], &end, 10);
			unsigned long mode = strtoul(f[3], NULL, 8);
			time_t t = (time_t)mt;
			struct tm tm;
			char m[8];

			when[0] = '\0';
			if (end != f[4] && gmtime_r(&t, &tm) != NULL)
				strftime(when, sizeof when,
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
			snprintf(m, sizeof m, "%04lo", mode & 07777);
			e = json_pack("{s:s%,s:s,s:I,s:s,s:s}", "name", f[5],
			    strlen(f[5]), "type", type_name(f[1][0]), "size",
			    (json_int_t)strtoll(f[2], NULL, 10), "mode", m,
			    "mtime", when);
		}
		if (e == NULL)
			continue;	/* a name that is not UTF-8 */
		if (strcmp(f[0], "0") == 0) {
			json_decref(self);
			self = e;
			continue;
		}
		if (cnt >= LIST_MAX) {
			truncated = 1;
			json_decref(e);
			continue;
		}
		json_array_append_new(arr, e);
		cnt++;
	}
done:
	/* Sorted by name, as ls does. */
	if ((cnt = json_array_size(arr)) > 1) {
		v = xcalloc(cnt, sizeof *v);
		for (k = 0; k < cnt; k++)
			v[k] = json_incref(json_array_get(arr, k));
		qsort(v, cnt, sizeof *v, by_name);
		json_array_clear(arr);
		for (k = 0; k < cnt; k++)
			json_array_append_new(arr, v[k]);
		free(v);
	}
	if (self != NULL && strcmp(json_string_value(json_object_get(self,
	    "type")), "directory") != 0) {
		/* A file: listed as itself, as ls lists one. */
		json_array_append(arr, self);
	}
	e = json_pack("{s:s,s:O,s:o,s:b}", "path", path, "type", self != NULL ?
	    json_object_get(self, "type") : json_null(), "entries", arr,
	    "truncated", truncated);
	json_decref(self);
	return e;
}

/* find's complaint as the API's kind of error. */
static json_t *
find_failed(const char *err)
{
	char msg[600];
	size_t n;

	snprintf(msg, sizeof msg, "%s", err != NULL ? err : "");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (strstr(msg, "No such file") != NULL)
		return mcp_fail("not_found", msg, 404);
	if (strstr(msg, "Permission denied") != NULL)
		return mcp_fail("forbidden", msg, 403);
	if (strstr(msg, "unknown predicate") != NULL || strstr(msg,
	    "not found") != NULL)
		return mcp_fail("unsupported", "list_files needs GNU find in "
		    "the workspace image", 422);
	return mcp_fail("failed", n > 0 ? msg : "find failed", 500);
}

json_t *
mcp_s_list(const json_t *args, const struct mcp_reply *rp, json_t *j)
{
	const char *path = json_string_value(json_object_get(args, "path"));
	const char *out = json_string_value(json_object_get(j, "stdout"));
	const char *enc = json_string_value(json_object_get(j,
	    "stdout_encoding"));
	const char *err = json_string_value(json_object_get(j, "stderr"));
	json_int_t code = json_integer_value(json_object_get(j, "exit_code"));
	unsigned char *data = NULL;
	size_t n = 0;
	json_t *o;

	if (out == NULL)
		return mcp_fail("bad_response", "exec answered no stdout",
		    rp->status);
	if (json_is_true(json_object_get(j, "stdout_truncated")))
		return mcp_fail("too_large", "the directory listing is over "
		    "16 MiB", 413);
	if (enc != NULL && strcmp(enc, "base64") == 0) {
		if (mcp_b64_decode(out, strlen(out), &data, &n) != 0)
			return mcp_fail("bad_response", "exec's stdout is not "
			    "base64", rp->status);
	} else {
		n = json_string_length(json_object_get(j, "stdout"));
		data = xmalloc(n + 1);
		memcpy(data, out, n);
	}
	if (code != 0 && n == 0) {
		free(data);
		return find_failed(json_string_value(json_object_get(j,
		    "stderr_encoding")) != NULL ? NULL : err);
	}
	o = mcp_listing(path, data, n);
	free(data);
	if (code != 0 && err != NULL && *err != '\0')
		json_object_set_new(o, "warnings", json_string(err));
	return mcp_ok(o);
}
