/* docker-io.c: the streaming engine calls of rt.h: container logs (framed,
 * demultiplexed by docker-stream.c), one stats sample, and file transfer
 * through the archive endpoints (tar both ways; a single file is cut out
 * of, or wrapped into, a tar here, and uploaded entries are re-owned on the
 * fly). Each stream is its own HTTP/1.1 exchange on its own connection
 * (docker-http.c), read and written in pieces so that no body is ever
 * held whole. Any thread; a
 * struct docker_stream belongs to one thread at a time. */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "docker-client.h"
#include "docker-http.h"
#include "docker-io.h"
#include "docker-rt.h"
#include "docker-stream.h"
#include "docker-tar.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "xmalloc.h"

#define IO_RBUF		(128 * 1024)	/* socket read buffer */
#define IO_HEAD_MS	30000		/* request sent until response head */
#define IO_PAX_MAX	(1024 * 1024)	/* a pax header's records */
#define IO_LINK_HOPS	8

enum io_kind {
	IO_LOGS,	/* framed output, demultiplexed */
	IO_TAR,		/* raw body: a directory's tar */
	IO_FILE,	/* one file's bytes cut out of a tar */
	IO_PUT_FILE,	/* upload: a file wrapped into a tar */
	IO_PUT_TAR,	/* upload: a tar, entries re-owned */
};

struct docker_stream {
	struct rt_stream base;		/* first: rt.h's head */
	struct dconn	*c;		/* its own connection to the engine */
	enum io_kind	 kind;
	char		*what;		/* "logs of 'id'", for messages */

	/* IO_LOGS: decoded body bytes waiting for the demultiplexer. */
	struct dstream	 ds;
	uint8_t		*dbuf;
	size_t		 doff, dlen;

	/* IO_FILE: the tar being cut. */
	struct dtar	 tar;
	int		 file_started;
	int64_t		 file_left;

	/* Uploads. */
	int64_t		 up_left;	/* IO_PUT_FILE: bytes still due */
	int64_t		 up_size;
	struct dtar_rw	 rw;		/* IO_PUT_TAR: the re-owner */
	int		 failed;
};

static void	io_stream_free(struct docker_stream *);
static int	io_file_stat(struct rt *, const char *, const char *,
		    struct rt_file *);

/* ---- one exchange on its own connection (docker-http.c) ---- */

static int
io_send_buf(struct docker_stream *s, const void *p, size_t n)
{
	struct iovec iov = { (void *)p, n };

	return dconn_send(s->c, &iov, 1);
}

static int
io_open(struct rt *rt, const char *what, struct docker_stream **sp)
{
	struct docker_stream *s = xcalloc(1, sizeof *s);
	int r;

	s->what = xstrdup(what);
	if ((r = dc_open(docker_rt_client(rt), what, IO_RBUF, DC_CONNECT_MS,
	    &s->c)) != 0) {
		io_stream_free(s);
		return r;
	}
	*sp = s;
	return 0;
}

/* Sends the request head. body_len: -1 none, -2 chunked, else length. */
static int
io_request(struct docker_stream *s, const char *method, const char *path,
    const char *ctype, int64_t body_len)
{
	return dconn_request(s->c, method, path, ctype,
	    "Connection: close\r\n", NULL, body_len);
}

/* Reads the status line and headers. */
static int
io_response(struct docker_stream *s, int head_request)
{
	return dconn_read_head(s->c, head_request, IO_HEAD_MS);
}

static int
io_status(const struct docker_stream *s)
{
	return dconn_head(s->c)->status;
}

static const char *
io_path_stat(const struct docker_stream *s)
{
	return dconn_head(s->c)->path_stat;
}

/* Reads decoded body bytes: >0, 0 at the end, ERR_TIMEOUT, errors. */
static ssize_t
io_body(struct docker_stream *s, void *out, size_t len, int timeout_ms)
{
	return dconn_read_body(s->c, out, len, timeout_ms);
}

/* Turns a non-2xx answer into ERR_* with the engine's message. */
static int
io_error(struct docker_stream *s, const char *what)
{
	return dconn_error(s->c, what);
}

static char *
io_escape(const char *v)
{
	struct buf *b = buf_new(0);
	char *s;

	dc_escape(b, v);
	s = buf_steal(b, NULL);
	buf_free(b);
	return s;
}

static int
io_check_id(const char *id)
{
	if (id == NULL || !docker_safe_name(id))
		return err_set(ERR_INVAL, "bad container id");
	return 0;
}

/* ---- logs ---- */

static int
io_logs(struct rt *rt, const char *id, const struct rt_logs_opts *o,
    struct docker_stream **sp)
{
	struct docker_stream *s = NULL;
	struct buf *p = NULL;
	char *what;
	int r;

	*sp = NULL;
	if ((r = io_check_id(id)) != 0)
		return r;
	what = xasprintf("the logs of container '%.12s'", id);
	r = io_open(rt, what, &s);
	free(what);
	if (r != 0)
		return r;
	s->kind = IO_LOGS;
	s->dbuf = xmalloc(IO_RBUF);
	dstream_init(&s->ds);
	p = buf_new(0);
	buf_appendf(p, "/containers/%s/logs?stdout=%d&stderr=%d&follow=%d&"
	    "timestamps=%d", id, o->out ? 1 : 0, o->err ? 1 : 0,
	    o->follow ? 1 : 0, o->timestamps ? 1 : 0);
	if (o->tail >= 0)
		buf_appendf(p, "&tail=%" PRId64, o->tail);
	if (o->since > 0)
		buf_appendf(p, "&since=%" PRId64, o->since);
	if ((r = io_request(s, "GET", buf_data(p), NULL, -1)) != 0 ||
	    (r = io_response(s, 0)) != 0)
		goto out;
	if (io_status(s) != 200) {
		r = io_error(s, "cannot read logs");
		goto out;
	}
	*sp = s;
	s = NULL;
 out:
	buf_free(p);
	io_stream_free(s);
	return r;
}

static ssize_t
logs_read(struct docker_stream *s, int *stream, void *out, size_t len,
    int timeout_ms)
{
	const uint8_t *p;
	size_t plen;
	ssize_t n;
	int st;

	for (;;) {
		if (s->doff == s->dlen) {
			s->doff = s->dlen = 0;
			if ((n = io_body(s, s->dbuf, IO_RBUF, timeout_ms)) <
			    0)
				return n;
			if (n == 0) {
				if (!dstream_idle(&s->ds))
					return err_set(ERR_BACKEND, "docker "
					    "engine cut %s mid-frame",
					    s->what);
				return 0;
			}
			s->dlen = (size_t)n;
		}
		n = dstream_feed(&s->ds, s->dbuf + s->doff, s->dlen - s->doff,
		    len, &st, &p, &plen);
		if (n < 0)
			return err_set(ERR_BACKEND, "docker engine sent a "
			    "corrupt frame in %s (is the container "
			    "running with a tty?)", s->what);
		s->doff += (size_t)n;
		if (plen == 0)
			continue;
		if (st == DSTREAM_SYSERR)
			return err_set(ERR_BACKEND, "docker engine: %.*s",
			    (int)(plen > 200 ? 200 : plen), (const char *)p);
		memcpy(out, p, plen);
		if (stream != NULL)
			*stream = st;
		return (ssize_t)plen;
	}
}

/* ---- stats ---- */

static int64_t
jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

/* Fills st from the engine's stats object, as docker stats does. */
void
docker_stats_parse(json_t *j, struct rt_stats *st)
{
	json_t *cpu = json_object_get(j, "cpu_stats");
	json_t *pre = json_object_get(j, "precpu_stats");
	json_t *mem = json_object_get(j, "memory_stats");
	json_t *ms = json_object_get(mem, "stats");
	json_t *nets = json_object_get(j, "networks"), *v;
	json_t *blk = json_object_get(json_object_get(j, "blkio_stats"),
	    "io_service_bytes_recursive");
	const char *k;
	double cd, sd;
	int64_t cache;
	size_t i;

	memset(st, 0, sizeof *st);
	st->online_cpus = (int)jint(cpu, "online_cpus");
	if (st->online_cpus == 0)
		st->online_cpus = (int)json_array_size(json_object_get(
		    json_object_get(cpu, "cpu_usage"), "percpu_usage"));
	cd = (double)jint(json_object_get(cpu, "cpu_usage"), "total_usage") -
	    (double)jint(json_object_get(pre, "cpu_usage"), "total_usage");
	sd = (double)jint(cpu, "system_cpu_usage") -
	    (double)jint(pre, "system_cpu_usage");
	if (cd > 0 && sd > 0)
		st->cpu_percent = cd / sd * st->online_cpus * 100.0;
	/* docker stats: usage minus inactive file pages (v1 total_, v2). */
	st->mem_used = jint(mem, "usage");
	if ((cache = jint(ms, "total_inactive_file")) == 0)
		cache = jint(ms, "inactive_file");
	if (cache > 0 && cache < st->mem_used)
		st->mem_used -= cache;
	st->mem_limit = jint(mem, "limit");
	st->pids = jint(json_object_get(j, "pids_stats"), "current");
	json_object_foreach(nets, k, v) {
		st->net_rx += jint(v, "rx_bytes");
		st->net_tx += jint(v, "tx_bytes");
	}
	json_array_foreach(blk, i, v) {
		const char *op = json_string_value(json_object_get(v, "op"));
		if (op != NULL && strcasecmp(op, "read") == 0)
			st->blk_read += jint(v, "value");
		else if (op != NULL && strcasecmp(op, "write") == 0)
			st->blk_write += jint(v, "value");
	}
}

static int
io_stats(struct rt *rt, const char *id, struct rt_stats *st)
{
	json_t *j = NULL;
	char *path;
	long status = 0;
	int r;

	memset(st, 0, sizeof *st);
	if ((r = io_check_id(id)) != 0)
		return r;
	path = xasprintf("/containers/%s/stats?stream=false", id);
	r = dc_request(docker_rt_client(rt), "GET", path, NULL, 15000, &status,
	    &j, NULL);
	free(path);
	if (r == 0 && status != 200)
		r = dc_error(status, j, "cannot read stats");
	else if (r == 0 && !json_is_object(j))
		r = err_set(ERR_BACKEND, "docker engine sent no stats");
	if (r == 0)
		docker_stats_parse(j, st);
	json_decref(j);
	return r;
}

/* ---- files: stat ---- */

/* Decodes the engine's base64 stat header into f. */
int
docker_path_stat_parse(const char *b64, struct rt_file *f)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	size_t n = strlen(b64), o = 0;
	uint32_t acc = 0;
	int bits = 0;
	char *raw = xmalloc(n + 1);
	const char *mt, *lt, *c;
	json_t *j;
	uint64_t mode;

	for (size_t i = 0; i < n; i++) {
		if (b64[i] == '=' || b64[i] == '\r' || b64[i] == '\n')
			continue;
		if ((c = strchr(tbl, b64[i])) == NULL || b64[i] == '\0') {
			free(raw);
			return err_set(ERR_BACKEND, "docker engine sent a bad "
			    "path stat");
		}
		acc = acc << 6 | (uint32_t)(c - tbl);
		if ((bits += 6) >= 8) {
			bits -= 8;
			raw[o++] = (char)(acc >> bits & 0xff);
		}
	}
	j = json_loadb(raw, o, 0, NULL);
	free(raw);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(ERR_BACKEND, "docker engine sent a bad path "
		    "stat");
	}
	memset(f, 0, sizeof *f);
	mode = (uint64_t)jint(j, "mode");
	f->is_dir = (mode & (1ULL << 31)) != 0;
	f->is_link = (mode & (1ULL << 27)) != 0;
	/* device, named pipe, socket, char device, irregular */
	f->is_special = (mode & (1ULL << 26 | 1ULL << 25 | 1ULL << 24 |
	    1ULL << 21 | 1ULL << 19)) != 0;
	/* Go's FileMode: permissions, then setuid/setgid/sticky bits. */
	f->mode = (unsigned)(mode & 0777);
	if (mode & (1ULL << 23))
		f->mode |= 04000;
	if (mode & (1ULL << 22))
		f->mode |= 02000;
	if (mode & (1ULL << 20))
		f->mode |= 01000;
	f->size = jint(j, "size");
	if ((mt = json_string_value(json_object_get(j, "mtime"))) != NULL)
		rfc3339_parse(mt, &f->mtime);
	if ((lt = json_string_value(json_object_get(j, "linkTarget"))) != NULL)
		strlcpy_b(f->link, lt, sizeof f->link);
	json_decref(j);
	return 0;
}

/* One HEAD of the archive endpoint; does not follow links. */
static int
stat_once(struct rt *rt, const char *id, const char *path, struct rt_file *f)
{
	struct docker_stream *s = NULL;
	char *ep = io_escape(path), *p = NULL, *what;
	int r;

	what = xasprintf("the stat of '%s'", path);
	r = io_open(rt, what, &s);
	free(what);
	if (r != 0)
		goto out;
	p = xasprintf("/containers/%s/archive?path=%s", id, ep);
	if ((r = io_request(s, "HEAD", p, NULL, -1)) != 0 ||
	    (r = io_response(s, 1)) != 0)
		goto out;
	if (io_status(s) == 404)
		r = err_set(ERR_NOTFOUND, "no such file or directory: %s",
		    path);
	else if (io_status(s) != 200)
		r = dc_error(io_status(s), NULL, "cannot stat a path");
	else if (io_path_stat(s) == NULL)
		r = err_set(ERR_BACKEND, "docker engine sent no path stat");
	else
		r = docker_path_stat_parse(io_path_stat(s), f);
 out:
	free(ep);
	free(p);
	io_stream_free(s);
	return r;
}

static int
io_file_stat(struct rt *rt, const char *id, const char *path,
    struct rt_file *f)
{
	char cur[4096];
	int r;

	if ((r = io_check_id(id)) != 0)
		return r;
	strlcpy_b(cur, path, sizeof cur);
	for (int hop = 0; hop <= IO_LINK_HOPS; hop++) {
		if ((r = stat_once(rt, id, cur, f)) != 0)
			return r;
		if (!f->is_link)
			return 0;
		if (f->link[0] != '/')
			return err_set(ERR_BACKEND, "cannot resolve the "
			    "symlink %s", cur);
		strlcpy_b(cur, f->link, sizeof cur);
	}
	return err_set(ERR_INVAL, "too many levels of symbolic links at %s",
	    path);
}

/* ---- files: download ---- */

/* One GET of the archive endpoint: src itself, or with dir a directory's
 * contents ("src/." makes the engine name entries "./x"); the stat the
 * engine sends along goes into info. */
static int
get_once(struct rt *rt, const char *id, const char *src, int dir,
    const char *path, struct rt_file *info, struct docker_stream **sp)
{
	struct docker_stream *s = NULL;
	char *ep, *p, *what;
	size_t n = strlen(src);
	int r;

	*sp = NULL;
	if (dir) {
		p = xasprintf("%s%s.", src, n > 0 && src[n - 1] == '/' ? "" :
		    "/");
		ep = io_escape(p);
		free(p);
	} else
		ep = io_escape(src);
	p = xasprintf("/containers/%s/archive?path=%s", id, ep);
	free(ep);
	what = xasprintf("the download of '%s'", path);
	r = io_open(rt, what, &s);
	free(what);
	if (r != 0)
		goto out;
	dtar_init(&s->tar);
	if ((r = io_request(s, "GET", p, NULL, -1)) != 0 ||
	    (r = io_response(s, 0)) != 0)
		goto out;
	if (io_status(s) == 404)
		r = err_set(ERR_NOTFOUND, "no such file or directory: %s",
		    path);
	else if (io_status(s) != 200)
		r = io_error(s, "cannot download");
	else if (io_path_stat(s) == NULL)
		r = err_set(ERR_BACKEND, "docker engine sent no path stat");
	else
		r = docker_path_stat_parse(io_path_stat(s), info);
	if (r != 0)
		goto out;
	s->kind = info->is_dir ? IO_TAR : IO_FILE;
	*sp = s;
	s = NULL;
 out:
	free(p);
	io_stream_free(s);
	return r;
}

static int
io_file_get(struct rt *rt, const char *id, const char *path,
    struct rt_file *info, struct docker_stream **sp)
{
	struct docker_stream *s = NULL;
	char src[sizeof info->link];
	int r;

	*sp = NULL;
	if ((r = io_check_id(id)) != 0)
		return r;
	/* A regular file, the common case, takes one request. */
	if ((r = get_once(rt, id, path, 0, path, info, &s)) != 0)
		return r;
	if (!info->is_dir && !info->is_link) {
		*sp = s;
		return 0;
	}
	io_stream_free(s);
	strlcpy_b(src, path, sizeof src);
	if (info->is_link) {
		/* Links are followed: fetch what they point at. */
		if ((r = io_file_stat(rt, id, path, info)) != 0)
			return r;
		if (info->link[0] == '/')
			strlcpy_b(src, info->link, sizeof src);
	}
	return get_once(rt, id, src, info->is_dir, path, info, sp);
}

/* IO_FILE: skips tar headers up to the first regular file, then hands out
 * its bytes. */
static ssize_t
file_read(struct docker_stream *s, void *out, size_t len, int timeout_ms)
{
	uint8_t blk[512];
	ssize_t n;
	size_t got;
	int r;

	while (!s->file_started) {
		/* Headers and skipped data go block by block. */
		for (got = 0; got < sizeof blk; got += (size_t)n) {
			n = io_body(s, blk + got, sizeof blk - got,
			    timeout_ms);
			if (n < 0)
				return n;
			if (n == 0)
				return err_set(ERR_BACKEND, "docker engine "
				    "sent a truncated archive for %s",
				    s->what);
		}
		if ((r = dtar_block(&s->tar, blk)) < 0)
			return err_set(ERR_BACKEND, "docker engine sent a "
			    "bad archive for %s", s->what);
		if (r == DTAR_FILE) {
			s->file_started = 1;
			s->file_left = s->tar.size;
		} else if (r == DTAR_END)
			return err_set(ERR_BACKEND, "docker engine sent an "
			    "archive without the file for %s", s->what);
	}
	if (s->file_left == 0)
		return 0;
	if ((int64_t)len > s->file_left)
		len = (size_t)s->file_left;
	if ((n = io_body(s, out, len, timeout_ms)) == 0)
		return err_set(ERR_BACKEND, "docker engine cut %s short",
		    s->what);
	if (n > 0)
		s->file_left -= n;
	return n;
}

static ssize_t
io_stream_read(struct docker_stream *s, int *stream, void *out, size_t len,
    int timeout_ms)
{
	if (stream != NULL)
		*stream = 1;
	switch (s->kind) {
	case IO_LOGS:
		return logs_read(s, stream, out, len, timeout_ms);
	case IO_TAR:
		return io_body(s, out, len, timeout_ms);
	case IO_FILE:
		return file_read(s, out, len, timeout_ms);
	default:
		return err_set(ERR_INTERNAL, "read on an upload stream");
	}
}

/* ---- files: upload ---- */

static char *
path_dirname(const char *path)
{
	const char *sl = strrchr(path, '/');

	if (sl == NULL || sl == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(sl - path));
}

/* Sends a whole small tar (in b) to dir with a Content-Length. */
static int
put_small(struct rt *rt, const char *id, const char *dir, struct buf *b)
{
	struct docker_stream *s = NULL;
	char *ed = io_escape(dir), *p = NULL;
	int r;

	if ((r = io_open(rt, "the creation of directories", &s)) != 0)
		goto out;
	p = xasprintf("/containers/%s/archive?path=%s", id, ed);
	if ((r = io_request(s, "PUT", p, "application/x-tar",
	    (int64_t)buf_len(b))) != 0 ||
	    (r = io_send_buf(s, buf_data(b), buf_len(b))) != 0 ||
	    (r = io_response(s, 0)) != 0)
		goto out;
	if (io_status(s) != 200)
		r = io_error(s, "cannot create directories");
 out:
	free(ed);
	free(p);
	io_stream_free(s);
	return r;
}

/* Makes directory path and its missing parents, owned by uid:gid. 1 when
 * something was created, 0 when it existed, <0 on error (ERR_CONFLICT
 * when a component is not a directory). */
static int
mkdirs(struct rt *rt, const char *id, const char *path, int uid, int gid)
{
	struct rt_file f;
	struct buf *b = NULL;
	char *base = xstrdup(path), *rel = NULL, *cut;
	int64_t now = now_s();
	int r;

	/* Walk up to the deepest existing ancestor. */
	for (;;) {
		r = io_file_stat(rt, id, base, &f);
		if (r == 0)
			break;
		if (r != ERR_NOTFOUND || strcmp(base, "/") == 0)
			goto out;
		cut = path_dirname(base);
		free(base);
		base = cut;
	}
	if (!f.is_dir) {
		r = err_set(ERR_CONFLICT, "%s is not a directory", base);
		goto out;
	}
	if (strlen(base) == strlen(path) || strcmp(path, "/") == 0) {
		r = 0;
		goto out;
	}
	/* Entries for every missing component below base. */
	rel = xstrdup(path + (strcmp(base, "/") == 0 ? 1 :
	    strlen(base) + 1));
	b = buf_new(0);
	for (char *p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;
			*p = '\0';
			if (*rel != '\0')
				dtar_entry(b, rel, DTAR_TYPE_DIR, 0755, 0, now,
				    uid, gid);
			*p = save;
			if (save == '\0')
				break;
		}
	}
	dtar_end(b);
	if ((r = put_small(rt, id, base, b)) == 0)
		r = 1;
 out:
	free(base);
	free(rel);
	buf_free(b);
	return r;
}

static int
io_file_put(struct rt *rt, const char *id, const char *path,
    const struct rt_put *pu, struct docker_stream **sp)
{
	struct docker_stream *s = NULL;
	struct rt_file f;
	struct buf *hdr = NULL;
	char *dir = NULL, *ed = NULL, *p = NULL, *target = NULL, *what;
	const char *name;
	int64_t total;
	int r, created = 0;

	*sp = NULL;
	if ((r = io_check_id(id)) != 0)
		return r;
	if (pu->tar) {
		if ((r = mkdirs(rt, id, path, pu->uid, pu->gid)) < 0)
			return r;
		created = r;
		dir = xstrdup(path);
	} else {
		if (path[strlen(path) - 1] == '/')
			return err_set(ERR_INVAL, "%s names a directory; give "
			    "the file's path", path);
		/* An existing file (or a link to one) has its parent: one
		 * request. A new one needs its parent checked or made. */
		if ((r = stat_once(rt, id, path, &f)) == 0 && f.is_link &&
		    (r = io_file_stat(rt, id, path, &f)) == 0 &&
		    f.link[0] == '/')
			/* Written through the link. */
			path = target = xstrdup(f.link);
		if (r == 0 && f.is_dir) {
			r = err_set(ERR_CONFLICT, "%s is a directory; upload "
			    "a tar (Content-Type: application/x-tar) to unpack "
			    "into it", path);
			goto out;
		}
		if (r != 0 && r != ERR_NOTFOUND)
			goto out;
		dir = path_dirname(path);
		if (r == ERR_NOTFOUND && (r = mkdirs(rt, id, dir, pu->uid,
		    pu->gid)) < 0)
			goto out;
	}
	what = xasprintf("the upload to '%s'", path);
	r = io_open(rt, what, &s);
	free(what);
	if (r != 0)
		goto out;
	ed = io_escape(dir);
	p = xasprintf("/containers/%s/archive?path=%s", id, ed);
	if (pu->tar) {
		s->kind = IO_PUT_TAR;
		dtar_rw_init(&s->rw, pu->uid, pu->gid, created);
		r = io_request(s, "PUT", p, "application/x-tar", -2);
	} else {
		s->kind = IO_PUT_FILE;
		name = strrchr(path, '/') + 1;
		hdr = buf_new(0);
		dtar_entry(hdr, name, DTAR_TYPE_FILE, pu->mode & 07777,
		    pu->size, pu->mtime > 0 ? pu->mtime : now_s(), pu->uid,
		    pu->gid);
		s->up_left = s->up_size = pu->size;
		total = (int64_t)buf_len(hdr) + (pu->size + 511) / 512 * 512 +
		    1024;
		if ((r = io_request(s, "PUT", p, "application/x-tar",
		    total)) == 0)
			r = io_send_buf(s, buf_data(hdr), buf_len(hdr));
	}
	if (r != 0)
		goto out;
	*sp = s;
	s = NULL;
 out:
	free(dir);
	free(ed);
	free(p);
	free(target);
	buf_free(hdr);
	io_stream_free(s);
	return r;
}

/* Sends upload bytes, framed when chunked. */
static int
up_send(struct docker_stream *s, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (s->kind != IO_PUT_TAR)
		return io_send_buf(s, p, n);
	return dconn_send_chunk(s->c, p, n);
}

static int
tar_emit(void *arg, const void *p, size_t n)
{
	return up_send(arg, p, n);
}

static int
io_stream_write(struct docker_stream *s, const void *p, size_t n)
{
	int r;

	if (s->failed)
		return err_set(ERR_IO, "the upload already failed");
	switch (s->kind) {
	case IO_PUT_FILE:
		if ((int64_t)n > s->up_left) {
			s->failed = 1;
			return err_set(ERR_INVAL, "more data than the %" PRId64
			    " bytes announced", s->up_size);
		}
		s->up_left -= (int64_t)n;
		r = up_send(s, p, n);
		break;
	case IO_PUT_TAR:
		r = dtar_rw_feed(&s->rw, p, n, tar_emit, s);
		break;
	default:
		r = err_set(ERR_INTERNAL, "write on a download stream");
	}
	if (r != 0)
		s->failed = 1;
	return r;
}

static int
io_stream_finish(struct docker_stream *s)
{
	static const uint8_t zero[1536];	/* padding and the end marker */
	int r = 0;

	if (s->failed)
		return err_set(ERR_IO, "the upload failed");
	if (s->kind == IO_PUT_FILE) {
		if (s->up_left != 0)
			return err_set(ERR_INVAL, "the upload ended %" PRId64
			    " bytes short of %" PRId64, s->up_left,
			    s->up_size);
		/* Pad the file to a block, then two zero blocks. */
		r = io_send_buf(s, zero, (size_t)((512 - s->up_size % 512) %
		    512) + 1024);
	} else if (s->kind == IO_PUT_TAR) {
		if ((r = dtar_rw_finish(&s->rw, tar_emit, s)) == 0)
			r = dconn_send_chunk(s->c, NULL, 0);
	} else
		return err_set(ERR_INTERNAL, "finish on a download stream");
	if (r == 0)
		r = io_response(s, 0);
	if (r == 0 && io_status(s) != 200)
		r = io_error(s, "cannot write");
	s->failed = r != 0;
	return r;
}

static void
io_stream_free(struct docker_stream *s)
{
	if (s == NULL)
		return;
	dconn_free(s->c);
	dtar_rw_free(&s->rw);
	dtar_free(&s->tar);
	free(s->dbuf);
	free(s->what);
	free(s);
}

/* ---- rt.h's operations (docker-rt.h) ---- */

/* A new stream as rt.h hands it out: with the backend's table. */
static struct rt_stream *
io_base(struct rt *rt, struct docker_stream *s)
{
	if (s == NULL)
		return NULL;
	s->base.ops = rt->ops;
	return &s->base;
}

int
docker_logs(struct rt *rt, const char *id, const struct rt_logs_opts *o,
    struct rt_stream **sp)
{
	struct docker_stream *s = NULL;
	int r = io_logs(rt, id, o, &s);

	*sp = io_base(rt, s);
	return r;
}

int
docker_stats(struct rt *rt, const char *id, struct rt_stats *st)
{
	return io_stats(rt, id, st);
}

int
docker_file_stat(struct rt *rt, const char *id, const char *path,
    struct rt_file *f)
{
	return io_file_stat(rt, id, path, f);
}

int
docker_file_get(struct rt *rt, const char *id, const char *path,
    struct rt_file *info, struct rt_stream **sp)
{
	struct docker_stream *s = NULL;
	int r = io_file_get(rt, id, path, info, &s);

	*sp = io_base(rt, s);
	return r;
}

int
docker_file_put(struct rt *rt, const char *id, const char *path,
    const struct rt_put *p, struct rt_stream **sp)
{
	struct docker_stream *s = NULL;
	int r = io_file_put(rt, id, path, p, &s);

	*sp = io_base(rt, s);
	return r;
}

ssize_t
docker_stream_read(struct rt_stream *s, int *stream, void *out, size_t len,
    int timeout_ms)
{
	return io_stream_read((struct docker_stream *)s, stream, out, len,
	    timeout_ms);
}

int
docker_stream_write(struct rt_stream *s, const void *p, size_t n)
{
	return io_stream_write((struct docker_stream *)s, p, n);
}

int
docker_stream_finish(struct rt_stream *s)
{
	return io_stream_finish((struct docker_stream *)s);
}

void
docker_stream_free(struct rt_stream *s)
{
	io_stream_free((struct docker_stream *)s);
}
