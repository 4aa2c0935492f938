/* api-exec.c: POST /v1/workspaces/{id}/exec: run a command in a workspace
 * through proc.h and answer with its output and exit status, either whole
 * (JSON) or as it comes (NDJSON). Request threads; one exec per request
 * thread, no state shared between them. */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "activity.h"
#include "api-inside.h"
#include "api.h"
#include "app.h"
#include "buf.h"
#include "err.h"
#include "exec-args.h"
#include "exec-spool.h"
#include "exec-user.h"
#include "http.h"
#include "json-util.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "pump.h"
#include "sup-host.h"
#include "timeutil.h"
#include "valid.h"
#include "ws.h"
#include "xmalloc.h"

#define EXEC_TIMEOUT_DEFAULT	30
#define EXEC_TIMEOUT_MAX	3600
/* The request body: JSON with stdin in it (base64 grows it by 4/3). */
#define EXEC_BODY_MAX		(24 * 1024 * 1024)
#define EXEC_RBUF		(64 * 1024)
#define EXEC_SUP_BACKSTOP_MS	2000	/* the supervisor's kill after ours */
/* Output must end this soon after a kill. */
#define EXEC_KILL_GRACE_MS	5000
#define EXEC_TOUCH_MS		60000	/* activity while a long exec runs */

/* ---- text or base64 ---- */

/* Length of the longest prefix of p that is complete, valid UTF-8 without
 * NUL; *tail is set to the bytes after it that could still begin a valid
 * character (0-3), or -1 when the data is not text. */
static size_t
utf8_prefix(const uint8_t *p, size_t n, int *tail)
{
	size_t i = 0;

	*tail = 0;
	while (i < n) {
		uint8_t c = p[i];
		size_t need, k;
		uint32_t cp;

		if (c == 0) {
			*tail = -1;
			return i;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			*tail = -1;
			return i;
		}
		for (k = 1; k <= need && i + k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80) {
				*tail = -1;
				return i;
			}
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (i + need >= n) {
			/* cut short: maybe completed by the next chunk */
			*tail = (int)(n - i);
			return i;
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff))) {
			*tail = -1;
			return i;
		}
		i += need + 1;
	}
	return n;
}

static char *
b64_encode(const void *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static int
b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *d;
	int m;
	size_t pad = 0;

	*out = NULL;
	*outlen = 0;
	if (n % 4 != 0)
		return err_set(ERR_INVAL, "stdin is not valid base64");
	if (n == 0) {
		*out = xmalloc(1);
		return 0;
	}
	d = xmalloc(n / 4 * 3 + 1);
	if ((m = EVP_DecodeBlock(d, (const unsigned char *)s, (int)n)) < 0) {
		free(d);
		return err_set(ERR_INVAL, "stdin is not valid base64");
	}
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	*out = d;
	*outlen = (size_t)m - pad;
	return 0;
}

/* ---- the request ---- */

struct exec_req {
	char		**argv;
	char		**env;
	const char	 *workdir;
	const char	 *user;
	uint8_t		 *in;
	size_t		  inlen;
	int		  has_in;
	int64_t		  timeout_ms;
	json_t		 *body;
};

static void
strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

static void
exec_req_free(struct exec_req *e)
{
	strv_free(e->argv);
	strv_free(e->env);
	free(e->in);
	json_decref(e->body);
}

/* [A-Za-z0-9_.-]+ optionally ":group" (a name or a uid). */
static int
valid_exec_user(const char *s)
{
	size_t n = strlen(s), colons = 0;

	if (n == 0 || n > 64 || *s == ':' || s[n - 1] == ':' || *s == '-')
		return err_set(ERR_INVAL, "user must be a name or uid, "
		    "optionally with :group");
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == ':' && ++colons == 1)
			continue;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return err_set(ERR_INVAL, "user must be a name or uid, "
			    "optionally with :group");
	}
	return 0;
}

/* Reads the body with the exec's own limit (stdin can be large). */
static int
read_body(struct req *r, json_t **out)
{
	int rc;

	api_body_continue(r);
	rc = req_json_body_limit(r, EXEC_BODY_MAX, out);
	if (rc == ERR_TOOBIG)
		return err_set(ERR_TOOBIG, "exec request is larger than %d MiB;"
		    " send big inputs with PUT .../files", EXEC_BODY_MAX /
		    1048576);
	if (rc == 0 && json_object_size(*out) == 0) {
		json_decref(*out);
		*out = NULL;
		return err_set(ERR_INVAL, "exec needs a JSON body with argv "
		    "or command");
	}
	return rc;
}

static int
parse_exec(const struct ws *w, json_t *body, struct exec_req *e)
{
	static const char *const fields[] = { "argv", "command", "stdin",
	    "stdin_encoding", "env", "workdir", "user", "timeout", NULL };
	json_t *argv = json_object_get(body, "argv");
	json_t *cmd = json_object_get(body, "command");
	json_t *in = json_object_get(body, "stdin");
	json_t *env = json_object_get(body, "env");
	json_t *to = json_object_get(body, "timeout");
	const char *enc = NULL;
	int rc;

	if ((rc = json_only_fields(body, fields)) != 0)
		return rc;
	if ((rc = exec_args_argv(w, argv, cmd, 65536, &e->argv)) != 0)
		return rc;
	if ((rc = json_opt_str(body, "stdin_encoding", &enc)) != 0)
		return rc;
	if (enc != NULL && strcmp(enc, "base64") != 0 &&
	    strcmp(enc, "utf-8") != 0)
		return err_set(ERR_INVAL, "stdin_encoding must be \"base64\" "
		    "or \"utf-8\"");
	if (in != NULL && !json_is_null(in)) {
		if (!json_is_string(in))
			return err_set(ERR_INVAL, "stdin must be a string");
		e->has_in = 1;
		if (enc != NULL && strcmp(enc, "base64") == 0) {
			if ((rc = b64_decode(json_string_value(in),
			    json_string_length(in), &e->in, &e->inlen)) != 0)
				return rc;
		} else {
			e->inlen = json_string_length(in);
			e->in = xmalloc(e->inlen + 1);
			memcpy(e->in, json_string_value(in), e->inlen);
		}
	} else if (enc != NULL)
		return err_set(ERR_INVAL, "stdin_encoding without stdin");
	if ((rc = exec_args_env(env, &e->env)) != 0)
		return rc;
	if ((rc = json_opt_str(body, "workdir", &e->workdir)) != 0)
		return rc;
	if (e->workdir != NULL && (rc = valid_container_path("workdir",
	    e->workdir)) != 0)
		return rc;
	if ((rc = json_opt_str(body, "user", &e->user)) != 0)
		return rc;
	if (e->user != NULL && (rc = valid_exec_user(e->user)) != 0)
		return rc;
	e->timeout_ms = EXEC_TIMEOUT_DEFAULT * 1000;
	if (to != NULL && !json_is_null(to)) {
		double t = json_number_value(to);
		if (!json_is_number(to) || !(t > 0) || t > EXEC_TIMEOUT_MAX)
			return err_set(ERR_INVAL, "timeout must be a number of "
			    "seconds, more than 0 and at most %d",
			    EXEC_TIMEOUT_MAX);
		e->timeout_ms = (int64_t)(t * 1000);
		if (e->timeout_ms < 1)
			e->timeout_ms = 1;
	}
	return 0;
}

/* ---- running it ---- */

/* Where output goes: kept in capped spools (whole reply; memory bounded,
 * exec-spool.h) or sent as NDJSON lines (stream). */
struct sink {
	struct req	*r;
	int		 stream;
	int64_t		 cap;
	struct spool	*out[3];
	uint8_t		 carry[3][4];	/* a character cut by a read */
	size_t		 ncarry[3];
	int		 client_gone;
	int		 cfd;		/* the client's socket (stream) */
	int		 seen;		/* any output yet */
	int		 not_found;	/* the engine could not find argv[0] */
	int		 spool_failed;
};

static const char *const stream_name[3] = { "", "stdout", "stderr" };

/* Sends one NDJSON line. */
static int
send_line(struct sink *k, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	size_t n = strlen(s);
	int rc;

	s[n] = '\n';
	rc = reply_write(k->r, s, n + 1);
	free(s);
	json_decref(o);
	if (rc != 0)
		k->client_gone = 1;
	return rc;
}

static int
sink_stream(struct sink *k, int st, const uint8_t *p, size_t n, int last)
{
	uint8_t *all;
	size_t len, pre;
	json_t *o;
	int tail;

	len = k->ncarry[st] + n;
	if (len == 0)
		return 0;
	all = xmalloc(len);
	memcpy(all, k->carry[st], k->ncarry[st]);
	if (n > 0)
		memcpy(all + k->ncarry[st], p, n);
	k->ncarry[st] = 0;
	pre = utf8_prefix(all, len, &tail);
	if (tail > 0 && !last) {
		/* hold a character cut between reads for the next one */
		memcpy(k->carry[st], all + pre, (size_t)tail);
		k->ncarry[st] = (size_t)tail;
		len = pre;
		tail = 0;
	}
	if (len == 0) {
		free(all);
		return 0;
	}
	o = json_pack("{s:s}", "stream", stream_name[st]);
	if (tail == 0 && pre == len)
		json_object_set_new(o, "data", json_stringn_nocheck((char *)all,
		    len));
	else {
		char *b = b64_encode(all, len);
		json_object_set_new(o, "data", json_string(b));
		json_object_set_new(o, "encoding", json_string("base64"));
		free(b);
	}
	free(all);
	return send_line(k, o);
}

static int
sink_put(struct sink *k, int st, const uint8_t *p, size_t n)
{
	if (st != PROC_STDERR)
		st = PROC_STDOUT;
	if (!k->seen) {
		/* When the engine cannot start argv it says so as the exec's
		 * only output, on stdout; a shell would say it on stderr and
		 * exit 127 when the command is missing. */
		static const char oci[] = "OCI runtime exec failed";
		k->seen = 1;
		if (n >= sizeof oci - 1 &&
		    memcmp(p, oci, sizeof oci - 1) == 0) {
			st = PROC_STDERR;
			k->not_found = memmem(p, n, "executable file not found",
			    25) != NULL || memmem(p, n, "no such file or "
			    "directory", 25) != NULL;
		}
	}
	if (k->stream)
		return sink_stream(k, st, p, n, 0);
	if (spool_put(k->out[st], p, n) != 0 && !k->spool_failed) {
		k->spool_failed = 1;
		log_warn("exec output cut short: %s", err_msg());
	}
	return 0;
}

struct exec_result {
	int	 exit_code;
	int	 timed_out;
	int64_t	 duration_ms;
};

/* The pumps' peers (pump.h): the process (proc.h), the request's stdin
 * in memory, and the sink. */
struct exec_io {
	struct proc	*p;
	struct sink	*k;
	const uint8_t	*in;
	size_t		 inlen, inoff;
};

static ssize_t
io_proc_read(void *ctx, int *stream, void *buf, size_t len)
{
	struct exec_io *io = ctx;

	return proc_read(io->p, stream, buf, len);
}

static ssize_t
io_proc_write(void *ctx, int stream, const void *buf, size_t len)
{
	struct exec_io *io = ctx;

	return proc_write(io->p, buf, len);
}

static void
io_proc_eof(void *ctx)
{
	struct exec_io *io = ctx;

	proc_close_stdin(io->p);
}

static ssize_t
io_stdin_read(void *ctx, int *stream, void *buf, size_t len)
{
	struct exec_io *io = ctx;
	size_t n = io->inlen - io->inoff;

	if (n > len)
		n = len;
	memcpy(buf, io->in + io->inoff, n);
	io->inoff += n;
	*stream = PROC_STDOUT;
	return (ssize_t)n;
}

/* Takes it all (kept up to the cap, or sent); <0 once the client left. */
static ssize_t
io_sink_write(void *ctx, int stream, const void *buf, size_t len)
{
	struct exec_io *io = ctx;

	if (sink_put(io->k, stream, buf, len) != 0 || io->k->client_gone)
		return ERR_EOF;
	return (ssize_t)len;
}

/* Runs e in the container, output into k. Errors before the process ran
 * are returned; later ones end the run with what was seen. */
static int
exec_run(struct req *r, const struct ws *w, struct exec_req *e,
    struct sink *k, struct exec_result *res)
{
	struct proc_spec spec;
	struct proc *p = NULL;
	struct pollfd pfd;
	struct exec_io io;
	struct pump_peer proc_src = { .ctx = &io, .read = io_proc_read };
	struct pump_peer proc_dst = { .ctx = &io, .write = io_proc_write,
	    .eof = io_proc_eof };
	struct pump_peer in_src = { .ctx = &io, .read = io_stdin_read };
	struct pump_peer sink_dst = { .ctx = &io, .write = io_sink_write };
	struct pump out, in;
	uint8_t *rb = xmalloc(EXEC_RBUF), *ib = NULL;
	char *supdir = NULL;
	int64_t t0 = mono_ms(), deadline = t0 + e->timeout_ms, kill_by = 0;
	int64_t touched = t0, now, wait;
	int in_open, status = -1, rc, killed = 0;

	memset(res, 0, sizeof *res);
	memset(&spec, 0, sizeof spec);
	memset(&io, 0, sizeof io);
	spec.argv = (const char *const *)e->argv;
	spec.env = (const char *const *)e->env;
	spec.workdir = e->workdir;
	spec.user = e->user;
	spec.attach_stdin = e->has_in;
	/* Through the supervisor when the workspace has one. It enforces the
	 * timeout too, a little after we would (so ours, which reports
	 * timed_out, comes first): the exec keeps it across a berthd crash. */
	spec.sup_dir = supdir = sup_host_dir(w->id);
	spec.timeout_ms = (int)e->timeout_ms + EXEC_SUP_BACKSTOP_MS;
	spec.keep = 1;
	if ((rc = proc_start(req_rt(r), w->container_id, &spec, &p)) != 0)
		goto out;
	if (k->stream) {
		reply_start(r, 200, "application/x-ndjson", -1, NULL);
		k->cfd = api_client_fd(r);
	}
	proc_set_nonblock(p, 1);
	io.p = p;
	io.k = k;
	io.in = e->in;
	io.inlen = e->inlen;
	pump_init(&out, &proc_src, &sink_dst, rb, EXEC_RBUF, PUMP_STOP);
	in_open = e->has_in;
	if (in_open) {
		ib = xmalloc(EXEC_RBUF);
		pump_init(&in, &in_src, &proc_dst, ib, EXEC_RBUF, PUMP_STOP);
	}
	for (;;) {
		/* Stdin as far as the pipe takes it; all written (EOF sent),
		 * or the process closed its stdin. */
		if (in_open && pump_run(&in) == PUMP_DONE) {
			if (in.dst_gone)
				proc_close_stdin(p);
			in_open = 0;
		}
		/* Drain what is there. */
		if (pump_run(&out) == PUMP_DONE) {
			if (out.src_err != 0 && !k->client_gone)
				log_warn("exec in %s: %s", w->id, err_msg());
			break;
		}
		if (k->client_gone)
			break;
		now = mono_ms();
		if (!killed && now >= deadline) {
			/* proc_signal kills the whole tree. */
			if (proc_signal(p, SIGKILL) != 0)
				log_warn("exec in %s: kill: %s", w->id,
				    err_msg());
			killed = res->timed_out = 1;
			kill_by = now + EXEC_KILL_GRACE_MS;
		}
		if (killed && now >= kill_by)
			break;
		if (now - touched >= EXEC_TOUCH_MS) {
			ws_activity(w->id, "exec");
			touched = now;
		}
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN | (in_open && pump_wants_write(&in) ?
		    POLLOUT : 0);
		pfd.revents = 0;
		wait = (killed ? kill_by : deadline) - now;
		poll(&pfd, 1, wait > 1000 ? 1000 : (int)wait);
		if (k->stream && api_client_gone(k->cfd)) {
			k->client_gone = 1;
			break;
		}
	}
	rc = 0;
	if (k->client_gone) {
		/* Nobody to tell: proc_free kills what still runs. */
		goto out;
	}
	if (proc_wait(p, killed ? EXEC_KILL_GRACE_MS : 10000, &status) != 0) {
		if (!killed)
			log_warn("exec in %s: no exit status: %s", w->id,
			    err_msg());
		status = -1;
	}
	if (k->stream) {
		sink_stream(k, PROC_STDOUT, NULL, 0, 1);
		sink_stream(k, PROC_STDERR, NULL, 0, 1);
	}
	res->exit_code = res->timed_out ? 137 : status;
	if (res->exit_code == 126 && k->not_found)
		res->exit_code = 127;
 out:
	res->duration_ms = mono_ms() - t0;
	proc_free(p);
	free(supdir);
	free(rb);
	free(ib);
	return rc;
}

static int
want_stream(struct req *r)
{
	const char *q = req_query(r, "stream"), *acc = req_header(r, "Accept");

	if (q != NULL)
		return strcmp(q, "1") == 0 || strcmp(q, "true") == 0;
	return acc != NULL && strstr(acc, "application/x-ndjson") != NULL;
}

static int
reply_piece(void *ctx, const void *p, size_t n)
{
	return reply_write(ctx, p, n);
}

/* The whole answer, {exit_code, timed_out, duration_ms, stdout_truncated,
 * stderr_truncated, stdout[, stdout_encoding], stderr[, stderr_encoding]}
 * as json_dumps(JSON_COMPACT) would write it, sent piece by piece from the
 * spools: its length is known before, its bytes are never all in memory. */
static int
reply_whole(struct req *r, struct sink *k, const struct exec_result *res)
{
	static const char b64[] = ",\"%s_encoding\":\"base64\"";
	char head[256], enc[2][40];
	int64_t len[3];
	int is64[3], n, st;

	n = snprintf(head, sizeof head, "{\"exit_code\":%d,\"timed_out\":%s,"
	    "\"duration_ms\":%lld,\"stdout_truncated\":%s,"
	    "\"stderr_truncated\":%s,\"stdout\":", res->exit_code,
	    res->timed_out ? "true" : "false", (long long)res->duration_ms,
	    spool_truncated(k->out[PROC_STDOUT]) ? "true" : "false",
	    spool_truncated(k->out[PROC_STDERR]) ? "true" : "false");
	for (st = PROC_STDOUT; st <= PROC_STDERR; st++) {
		len[st] = spool_json_len(k->out[st], &is64[st]);
		enc[st - 1][0] = '\0';
		if (is64[st])
			snprintf(enc[st - 1], sizeof enc[0], b64,
			    stream_name[st]);
	}
	reply_start(r, 200, "application/json", (int64_t)n + len[1] +
	    (int64_t)strlen(enc[0]) + 10 + len[2] + (int64_t)strlen(enc[1]) +
	    2, NULL);
	if (reply_write(r, head, (size_t)n) != 0 ||
	    spool_json_write(k->out[PROC_STDOUT], reply_piece, r) != 0 ||
	    reply_write(r, enc[0], strlen(enc[0])) != 0 ||
	    reply_write(r, ",\"stderr\":", 10) != 0 ||
	    spool_json_write(k->out[PROC_STDERR], reply_piece, r) != 0 ||
	    reply_write(r, enc[1], strlen(enc[1])) != 0 ||
	    reply_write(r, "}\n", 2) != 0)
		log_debug("exec reply cut short: %s", err_msg());
	return 0;
}

static int
h_exec(struct req *r)
{
	struct exec_req e;
	struct exec_result res;
	struct sink k;
	struct ws *w = NULL;
	int rc;

	memset(&e, 0, sizeof e);
	memset(&k, 0, sizeof k);
	k.r = r;
	k.cfd = -1;
	k.stream = want_stream(r);
	k.cap = req_app(r)->cfg.exec_output_cap > 0 ?
	    req_app(r)->cfg.exec_output_cap : 16 * 1024 * 1024;
	if ((rc = api_ws_running(r, &w)) != 0 ||
	    (rc = read_body(r, &e.body)) != 0 ||
	    (rc = parse_exec(w, e.body, &e)) != 0 ||
	    (rc = exec_user_check(req_app(r), req_who(r), w, e.user)) != 0)
		goto out;
	if (!k.stream) {
		k.out[PROC_STDOUT] = spool_new(k.cap);
		k.out[PROC_STDERR] = spool_new(k.cap);
	}
	metrics_inc("berth_exec_total", "commands run through the exec API");
	/* A running exec is activity however long it takes. */
	ws_activity_hold(w->id, "exec");
	rc = exec_run(r, w, &e, &k, &res);
	ws_activity_release(w->id, "exec");
	if (rc != 0)
		goto out;
	metrics_observe("berth_exec_seconds", "exec API duration",
	    (double)res.duration_ms / 1000);
	if (k.client_gone)
		goto out;
	if (k.stream) {
		send_line(&k, json_pack("{s:i,s:b,s:I}", "exit_code",
		    res.exit_code, "timed_out", res.timed_out, "duration_ms",
		    (json_int_t)res.duration_ms));
		reply_end(r);
		goto out;
	}
	rc = reply_whole(r, &k, &res);
 out:
	spool_free(k.out[PROC_STDOUT]);
	spool_free(k.out[PROC_STDERR]);
	exec_req_free(&e);
	ws_free(w);
	return rc;
}

const struct route api_exec_routes[] = {
	{ "POST", "/v1/workspaces/{id}/exec", h_exec, ROUTE_EXEC, "run a "
	    "command: {argv:[...]} or {command:\"...\"} (run by the "
	    "workspace shell with -c), stdin (string; binary with "
	    "stdin_encoding:\"base64\"), env {K:V}, workdir, user (the "
	    "workspace's own; another only for an admin or the template's "
	    "exec_users, else 403), timeout (s, default 30, max 3600) -> "
	    "{stdout, stderr, exit_code, timed_out, duration_ms, "
	    "stdout_truncated, stderr_truncated}. stdout/stderr are "
	    "byte-exact: text when valid UTF-8 without NUL, else base64 "
	    "with stdout_encoding/stderr_encoding:\"base64\". Each stream "
	    "is kept up to exec_output_cap (16 MiB) and flagged *_truncated "
	    "past it. On timeout the process tree is killed: exit_code 137, "
	    "timed_out true. With Accept: application/x-ndjson or ?stream=1 "
	    "the output streams as lines {stream:\"stdout\"|\"stderr\", "
	    "data[, encoding:\"base64\"]} and ends with {exit_code, "
	    "timed_out, duration_ms} (or {error:{code,message}})" },
	{ NULL, NULL, NULL, 0, NULL }
};
