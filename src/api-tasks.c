/* api-tasks.c: /v1/workspaces/{id}/tasks (SPEC section 3, docs/tasks.md):
 * start, list, show, kill a task; its output from a byte offset (raw, or
 * one JSON piece), followed until it ends; its stdin. Thin over task.c and
 * task-sup.c. Request threads. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "api-inside.h"
#include "api.h"
#include "app.h"
#include "buf.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "log.h"
#include "sup-host.h"
#include "sup-tframe.h"
#include "task-sup.h"
#include "task.h"
#include "ws.h"
#include "xmalloc.h"

#define POLL_MS		500		/* an idle follow looks at its client */
#define JSON_LIMIT	(1ll << 20)	/* format=json: bytes by default */
#define JSON_LIMIT_MAX	(16ll << 20)
#define INPUT_BODY_MAX	(4 << 20)

static int
h_create(struct req *r)
{
	struct ws *w = NULL;
	json_t *body = NULL, *t = NULL;
	int rc;

	if ((rc = api_ws_running(r, &w)) != 0 ||
	    (rc = req_json_body(r, &body)) != 0)
		goto out;
	if ((rc = task_start(req_app(r), req_db(r), w, body, &t)) != 0)
		goto out;
	db_event(req_db(r), req_who(r)->user, "task.start", w->id, "ok",
	    json_string_value(json_object_get(t, "id")));
	rc = reply_json(r, 201, t);
 out:
	json_decref(body);
	ws_free(w);
	return rc;
}

static int
h_list(struct req *r)
{
	struct ws *w = NULL;
	json_t *list = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) == 0 &&
	    (rc = task_list(req_db(r), w, &list)) == 0)
		rc = reply_json(r, 200, list);
	ws_free(w);
	return rc;
}

static int
h_get(struct req *r)
{
	struct ws *w = NULL;
	json_t *t = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) == 0 &&
	    (rc = task_get(req_db(r), w, req_param(r, "tid"), NULL, &t)) == 0)
		rc = reply_json(r, 200, t);
	ws_free(w);
	return rc;
}

static int
h_kill(struct req *r)
{
	const char *s = req_query(r, "signal");
	struct ws *w = NULL;
	json_t *t = NULL;
	int rc, sig = SIGKILL;

	if (s != NULL && (sig = task_signal_parse(s)) == 0)
		return err_set(ERR_INVAL, "signal must be a name like TERM or "
		    "KILL, or a number");
	if ((rc = api_workspace(r, &w)) != 0)
		goto out;
	if ((rc = task_kill(req_db(r), w, req_param(r, "tid"), sig, &t)) !=
	    0)
		goto out;
	db_event(req_db(r), req_who(r)->user, "task.kill", w->id, "ok",
	    json_string_value(json_object_get(t, "id")));
	rc = reply_json(r, 200, t);
 out:
	ws_free(w);
	return rc;
}

static int
b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *d;
	int m, pad = 0;

	*out = NULL;
	*outlen = 0;
	if (n % 4 != 0)
		return err_set(ERR_INVAL, "data is not valid base64");
	d = xmalloc(n / 4 * 3 + 1);
	if (n > 0 && (m = EVP_DecodeBlock(d, (const unsigned char *)s,
	    (int)n)) < 0) {
		free(d);
		return err_set(ERR_INVAL, "data is not valid base64");
	} else if (n == 0)
		m = 0;
	if (n >= 1 && s[n - 1] == '=')
		pad++;
	if (n >= 2 && s[n - 2] == '=')
		pad++;
	*out = d;
	*outlen = (size_t)m - (size_t)pad;
	return 0;
}

static int
h_input(struct req *r)
{
	static const char *const fields[] = { "data", "encoding", "eof",
	    NULL };
	struct ws *w = NULL;
	json_t *body = NULL, *t = NULL, *data;
	const char *enc = NULL;
	uint8_t *b = NULL;
	size_t n = 0;
	int rc, eof = 0;

	if ((rc = api_workspace(r, &w)) != 0)
		goto out;
	api_body_continue(r);
	if ((rc = req_json_body_limit(r, INPUT_BODY_MAX, &body)) != 0 ||
	    (rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_opt_str(body, "encoding", &enc)) != 0 ||
	    (rc = json_opt_bool(body, "eof", &eof)) != 0)
		goto out;
	data = json_object_get(body, "data");
	if (data != NULL && !json_is_string(data)) {
		rc = err_set(ERR_INVAL, "data must be a string");
		goto out;
	}
	if (enc != NULL && strcmp(enc, "utf-8") != 0 &&
	    strcmp(enc, "base64") != 0) {
		rc = err_set(ERR_INVAL, "encoding must be \"utf-8\" or "
		    "\"base64\"");
		goto out;
	}
	if (data == NULL && !eof) {
		rc = err_set(ERR_INVAL, "give data, eof or both");
		goto out;
	}
	if (data != NULL && enc != NULL && strcmp(enc, "base64") == 0) {
		if ((rc = b64_decode(json_string_value(data),
		    json_string_length(data), &b, &n)) != 0)
			goto out;
	} else if (data != NULL) {
		n = json_string_length(data);
		b = xmalloc(n + 1);
		memcpy(b, json_string_value(data), n);
	}
	if ((rc = task_input(req_db(r), w, req_param(r, "tid"), b, n, eof,
	    &t)) == 0)
		rc = reply_json(r, 200, t);
 out:
	free(b);
	json_decref(body);
	ws_free(w);
	return rc;
}

/* ---- output ---------------------------------------------------------- */

static int
flag(const char *v)
{
	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "yes") == 0);
}

static int
num_query(struct req *r, const char *name, int64_t max, int64_t *out)
{
	const char *v = req_query(r, name);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 0 || n > max)
		return err_set(ERR_INVAL, "%s must be a number of bytes from "
		    "0 to %lld", name, (long long)max);
	*out = n;
	return 1;
}

/* One JSON piece: {offset, next_offset, data, encoding, eof, task}. */
static int
output_json(struct req *r, struct tsup *rd, uint64_t off, int64_t limit,
    const struct db_task *rec)
{
	struct buf *b = buf_new(0);
	struct sup_tinfo end;
	const uint8_t *d;
	uint64_t at, first = off, next = off;
	size_t n, len;
	int k, eof = 0, have = 0;
	json_t *o, *s;
	char *p, *enc;

	for (;;) {
		k = tsup_next(rd, 10000, &at, &d, &n, &end);
		if (k < 0) {
			buf_free(b);
			return k;
		}
		if (k == 0) {
			buf_free(b);
			return err_set(ERR_TIMEOUT, "the supervisor did not "
			    "send the output");
		}
		if (k == 2) {
			eof = end.state != SUP_T_RUNNING;
			break;
		}
		if (!have) {
			first = next = at;
			have = 1;
		} else if (at != next)
			break;	/* rotated away meanwhile: stop at the gap */
		if ((int64_t)(buf_len(b) + n) > limit)
			n = (size_t)(limit - (int64_t)buf_len(b));
		buf_append(b, d, n);
		next += n;
		if ((int64_t)buf_len(b) >= limit)
			break;
	}
	len = buf_len(b);
	p = buf_steal(b, NULL);
	buf_free(b);
	if ((s = json_stringn(p, len)) == NULL) {
		enc = xmalloc(len / 3 * 4 + 8);
		EVP_EncodeBlock((unsigned char *)enc, (unsigned char *)p,
		    (int)len);
		s = json_string(enc);
		free(enc);
		o = json_pack("{s:s}", "encoding", "base64");
	} else
		o = json_pack("{s:s}", "encoding", "utf-8");
	free(p);
	json_object_set_new(o, "offset", json_integer((json_int_t)first));
	json_object_set_new(o, "next_offset", json_integer((json_int_t)next));
	json_object_set_new(o, "data", s);
	json_object_set_new(o, "eof", json_boolean(eof));
	json_object_set_new(o, "task", task_json(rec));
	return reply_json(r, 200, o);
}

static int
h_output(struct req *r)
{
	struct app *app = req_app(r);
	struct db_task t;
	struct ws *w = NULL;
	struct tsup *rd = NULL;
	struct sup_tinfo end;
	const uint8_t *d = NULL;
	const char *fmt = req_query(r, "format");
	char *dir = NULL, hdr[160];
	uint64_t at = 0, off;
	int64_t offset = 0, tail = 0, limit = JSON_LIMIT;
	int rc, k, follow = flag(req_query(r, "follow")), has_tail, cfd;
	int json = fmt != NULL && strcmp(fmt, "json") == 0;
	size_t n = 0;

	memset(&t, 0, sizeof t);
	if (fmt != NULL && !json && strcmp(fmt, "raw") != 0)
		return err_set(ERR_INVAL, "format must be raw or json");
	if (json && follow)
		return err_set(ERR_INVAL, "format=json answers one piece; "
		    "follow with the raw format, or ask again from "
		    "next_offset");
	if ((rc = num_query(r, "offset", INT64_MAX / 2, &offset)) < 0)
		return rc;
	if ((has_tail = num_query(r, "tail", INT64_MAX / 2, &tail)) < 0)
		return has_tail;
	if ((rc = num_query(r, "limit", JSON_LIMIT_MAX, &limit)) < 0)
		return rc;
	if (limit == 0)
		limit = JSON_LIMIT;
	if ((rc = api_workspace(r, &w)) != 0 ||
	    (rc = task_get(req_db(r), w, req_param(r, "tid"), &t, NULL)) != 0)
		goto out;
	if (strcmp(w->state, "running") != 0 || strcmp(t.state, "lost") == 0) {
		rc = err_set(ERR_CONFLICT, "the output of task %s is kept in "
		    "workspace '%s', which is %s%s", t.id, w->name, w->state,
		    strcmp(t.state, "lost") == 0 ? " (the task is lost: its "
		    "container went away)" : "; start it to read the output");
		goto out;
	}
	if ((rc = task_sup_dir(w, &dir)) != 0)
		goto out;
	off = (uint64_t)offset;
	if (has_tail > 0)
		off = (uint64_t)(t.out_end - tail > t.out_start ?
		    t.out_end - tail : t.out_start);
	if ((rc = tsup_read_open(dir, t.id, off, follow ? SUP_TR_FOLLOW : 0,
	    0, &rd)) != 0)
		goto out;
	if (json) {
		rc = output_json(r, rd, off, limit, &t);
		goto out;
	}
	/* The first piece says where the bytes start (a reader that asked
	 * for bytes rotated away starts at the oldest kept). */
	k = tsup_next(rd, follow ? 50 : 10000, &at, &d, &n, &end);
	if (k < 0) {
		rc = k;
		goto out;
	}
	if (k != 1)
		at = off < (uint64_t)t.out_start ? (uint64_t)t.out_start : off;
	snprintf(hdr, sizeof hdr, "X-Berth-Offset: %llu\r\nX-Berth-Output-"
	    "End: %lld\r\n",
	    (unsigned long long)at, (long long)t.out_end);
	reply_start(r, 200, "application/octet-stream", -1, hdr);
	cfd = follow ? api_client_fd(r) : -1;
	for (;;) {
		if (k == 1 && reply_write(r, d, n) != 0)
			break;
		if (k == 2)
			break;
		if (k < 0) {
			log_warn("output of task %s: %s", t.id, err_msg());
			break;
		}
		if (k == 0 && (api_client_gone(cfd) || app->stopping))
			break;
		k = tsup_next(rd, POLL_MS, &at, &d, &n, &end);
	}
	reply_end(r);
	rc = 0;
 out:
	tsup_free(rd);
	free(dir);
	db_task_clear(&t);
	ws_free(w);
	return rc;
}

const struct route api_tasks_routes[] = {
	{ "GET", "/v1/workspaces/{id}/tasks", h_list, ROUTE_READ,
	    "the workspace's tasks, oldest first" },
	{ "POST", "/v1/workspaces/{id}/tasks", h_create, ROUTE_EXEC,
	    "starts a task under the workspace's supervisor: {argv:[...]} or "
	    "{command:\"...\"}, name, env {K:V}, workdir, tty, rows, cols, "
	    "output_max (bytes kept, 64 KiB to 64 MiB)" },
	{ "GET", "/v1/workspaces/{id}/tasks/{tid}", h_get, ROUTE_READ,
	    "one task (id or name): state running|exited|killed|lost, "
	    "exit_code, signal, times, output offsets" },
	{ "DELETE", "/v1/workspaces/{id}/tasks/{tid}", h_kill, ROUTE_EXEC,
	    "kills the task's whole tree (?signal=KILL, the default, waits "
	    "until no process of it is left; another signal is only sent)" },
	{ "GET", "/v1/workspaces/{id}/tasks/{tid}/output", h_output,
	    ROUTE_READ, "the task's output (stdout and stderr as one stream) "
	    "from ?offset=N bytes, or the last ?tail=N bytes; follow=1 "
	    "streams until the task ends; format=json answers one piece "
	    "{offset, next_offset, data, encoding, eof} of at most limit "
	    "bytes" },
	{ "POST", "/v1/workspaces/{id}/tasks/{tid}/input", h_input,
	    ROUTE_EXEC, "writes {data, encoding: utf-8|base64, eof} to the "
	    "task's stdin" },
	{ NULL, NULL, NULL, 0, NULL }
};
