/* api-files.c: GET/PUT /v1/workspaces/{id}/files?path=: a file as raw
 * bytes or a directory as a tar, streamed end to end in fixed-size pieces,
 * so memory does not grow with the size of what is copied: through the
 * workspace's supervisor as its user (sup-files.h) when it has one, else
 * through rt.h's streams. Uploads are owned by the workspace user.
 * Request threads. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "activity.h"
#include "api-inside.h"
#include "app.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "rt.h"
#include "sup-files.h"
#include "sup-host.h"
#include "timeutil.h"
#include "valid.h"
#include "ws.h"
#include "xmalloc.h"

#define FILES_BUF	(256 * 1024)
#define FILES_READ_MS	60000	/* the engine may pause this long */

static int
get_path(struct req *r, const char **pathp)
{
	const char *path = req_query(r, "path");
	int rc;

	if (path == NULL || *path == '\0')
		return err_set(ERR_INVAL, "path is required (?path=/abs/path)");
	if ((rc = valid_container_path("path", path)) != 0)
		return rc;
	*pathp = path;
	return 0;
}

/* A download's source: the workspace's supervisor reading as its user,
 * or the engine. */
struct src {
	struct sup_get		*g;
	struct rt_stream	*s;
};

static ssize_t
src_read(struct src *src, void *b, size_t n)
{
	if (src->g != NULL)
		return sup_get_read(src->g, b, n, FILES_READ_MS);
	return rt_stream_read(src->s, NULL, b, n, FILES_READ_MS);
}

/* Opens path in w: through the supervisor when the workspace has one (as
 * the workspace's user: what it may not read is 403), else through the
 * engine. */
static int
src_open(struct req *r, const struct ws *w, const char *path,
    struct rt_file *f, struct src *src)
{
	struct sup_file sf;
	char *supdir;
	int uid, gid, rc = 1;

	memset(src, 0, sizeof *src);
	if ((supdir = sup_host_dir(w->id)) != NULL) {
		api_ws_owner(w, &uid, &gid);
		rc = sup_get_open(supdir, path, uid, gid, &sf, &src->g);
		free(supdir);
	}
	if (rc < 0)
		return rc;
	if (rc == 0) {
		memset(f, 0, sizeof *f);
		f->is_dir = sf.is_dir;
		f->size = sf.size;
		f->mode = sf.mode;
		f->mtime = sf.mtime;
		return 0;
	}
	return rt_file_get(req_rt(r), w->container_id, path, f, &src->s);
}

static int
h_get(struct req *r)
{
	struct src src = { NULL, NULL };
	struct rt_file f;
	struct ws *w = NULL;
	const char *path = NULL;
	char hdr[400], date[64], etag[64];
	int64_t first = 0, last = -1, skip, left;
	struct tm tm;
	time_t mt;
	uint8_t *b = NULL;
	ssize_t n = 0;
	int rc;

	if ((rc = get_path(r, &path)) != 0 || (rc = api_ws_running(r, &w)) !=
	    0)
		goto out;
	if ((rc = src_open(r, w, path, &f, &src)) != 0)
		goto out;
	if (f.is_special) {
		rc = err_set(ERR_INVAL, "%s is not a regular file or a "
		    "directory", path);
		goto out;
	}
	ws_activity(w->id, "files");
	mt = (time_t)f.mtime;
	gmtime_r(&mt, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (long long)f.mtime,
	    (long long)f.size);
	snprintf(hdr, sizeof hdr, "X-Berth-Mode: %04o\r\nLast-Modified: "
	    "%s\r\n%s%s%s", f.mode, date, f.is_dir ? "" : "ETag: ", f.is_dir ?
	    "" : etag, f.is_dir ? "" : "\r\nAccept-Ranges: bytes\r\n");
	if (!f.is_dir && (rc = req_range(r, f.size, etag, date, &first,
	    &last)) < 0) {
		rc = 0;
		goto out;
	}
	/* The supervisor seeks; the engine's stream is cut (no offset). */
	skip = first;
	left = f.is_dir || rc != 1 ? INT64_MAX : last - first + 1;
	if (src.g != NULL) {
		int e;
		if ((e = sup_get_range(src.g, first, left == INT64_MAX ? -1 :
		    left)) != 0) {
			rc = e;
			goto out;
		}
		skip = 0;
	}
	if (f.is_dir)
		reply_start(r, 200, "application/x-tar", -1, hdr);
	else if (rc == 1) {
		size_t l = strlen(hdr);
		snprintf(hdr + l, sizeof hdr - l, "Content-Range: bytes "
		    "%lld-%lld/%lld\r\n", (long long)first, (long long)last,
		    (long long)f.size);
		reply_start(r, 206, "application/octet-stream", last - first +
		    1, hdr);
	} else
		reply_start(r, 200, "application/octet-stream", f.size, hdr);
	b = xmalloc(FILES_BUF);
	while (left > 0 && (n = src_read(&src, b, FILES_BUF)) > 0) {
		int64_t off = skip < n ? skip : n, take = n - off;
		skip -= off;
		if (take > left)
			take = left;
		left -= take;
		if (take > 0 && reply_write(r, b + off, (size_t)take) != 0)
			break;
	}
	if (left == 0)
		n = 0;
	if (n < 0)
		/* The status is out: the client sees a short body. */
		log_warn("download %s from %s: %s", path, w->id, err_msg());
	else if (n == 0)
		reply_end(r);
	metrics_inc("berth_files_download_total", "downloads through the "
	    "files API");
	rc = 0;
 out:
	free(b);
	sup_get_free(src.g);
	rt_stream_free(src.s);
	ws_free(w);
	return rc;
}

static int
parse_mode(const char *v, unsigned *mode)
{
	char *end;
	long m;

	if (v == NULL || *v == '\0')
		return 0;
	m = strtol(v, &end, 8);
	if (*end != '\0' || m < 0 || m > 07777)
		return err_set(ERR_INVAL, "mode must be octal permission bits "
		    "like 0644 or 755");
	*mode = (unsigned)m;
	return 0;
}

/* A write the engine refused for want of space (a full volume, vol-loop.c,
 * or a full disk) is the client's 413 with the cause, not a 503. */
static int
full_error(int rc)
{
	struct err_saved msg;

	if (strcasestr(err_msg(), "no space left on device") == NULL &&
	    strcasestr(err_msg(), "disk quota exceeded") == NULL)
		return rc;
	err_save(&msg);
	return err_set(ERR_TOOBIG, "no space left: the volume (or the "
	    "workspace's disk) is full; free some space or grow the volume "
	    "(PATCH /v1/volumes/{id}) (%s)", msg.msg);
}

static int
h_put(struct req *r)
{
	struct rt_stream *s = NULL;
	struct sup_put *sp = NULL;
	char *supdir = NULL;
	struct rt_put pu;
	struct ws *w = NULL;
	const char *path = NULL, *ct = req_header(r, "Content-Type"), *mt;
	uint8_t *b = NULL;
	int64_t total = 0, len = req_content_length(r);
	ssize_t n;
	int rc;

	memset(&pu, 0, sizeof pu);
	pu.mode = 0644;
	pu.tar = ct != NULL && strncasecmp(ct, "application/x-tar", 17) == 0;
	if ((rc = get_path(r, &path)) != 0 ||
	    (rc = parse_mode(req_query(r, "mode"), &pu.mode)) != 0)
		goto out;
	if ((mt = req_query(r, "mtime")) != NULL && *mt != '\0' &&
	    rfc3339_parse(mt, &pu.mtime) != 0) {
		rc = err_set(ERR_INVAL, "mtime must be an RFC 3339 time or "
		    "epoch seconds");
		goto out;
	}
	if (pu.tar && strcmp(path, "/") == 0) {
		rc = err_set(ERR_INVAL, "unpacking into / is not allowed; "
		    "name a directory");
		goto out;
	}
	if ((rc = api_ws_running(r, &w)) != 0)
		goto out;
	api_ws_owner(w, &pu.uid, &pu.gid);
	b = xmalloc(FILES_BUF);
	/* A file or a tar is written by berth-sup as the workspace's user
	 * when the workspace has it (sup-files.h), streamed whatever its
	 * length; else the engine writes as root and gives everything to
	 * the user. The engine wants a file's size up front (its tar
	 * header), and nothing is spooled on berthd's disk: without the
	 * supervisor a file upload needs a Content-Length. */
	if ((supdir = sup_host_dir(w->id)) != NULL && (rc = pu.tar ?
	    sup_untar_open(supdir, path, pu.uid, pu.gid, &sp) :
	    sup_put_open(supdir, path, pu.mode, pu.mtime, pu.uid, pu.gid,
	    &sp)) < 0)
		goto out;
	if (sp == NULL && !pu.tar) {
		if (len < 0) {
			rc = err_set(ERR_INVAL, "a file upload to this "
			    "workspace needs a Content-Length (it has no "
			    "supervisor to stream to; a tar needs none)");
			goto out;
		}
		pu.size = len;
	}
	if (sp == NULL && (rc = rt_file_put(req_rt(r), w->container_id, path,
	    &pu, &s)) != 0)
		goto out;
	ws_activity(w->id, "files");
	api_body_continue(r);
	for (;;) {
		n = req_read(r, b, FILES_BUF);
		if (n < 0) {
			rc = err_set(ERR_IO, "the upload was cut off after %"
			    PRId64 " bytes", total);
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = sp != NULL ? sup_put_write(sp, b, (size_t)n) :
		    rt_stream_write(s, b, (size_t)n)) != 0) {
			rc = full_error(rc);
			goto out;
		}
		total += n;
	}
	if ((rc = sp != NULL ? sup_put_close(sp) : rt_stream_finish(s)) != 0) {
		rc = full_error(rc);
		goto out;
	}
	ws_activity(w->id, "files");
	metrics_inc("berth_files_upload_total", "uploads through the files "
	    "API");
	rc = reply_json(r, 200, json_pack("{s:s,s:s,s:I}", "path", path,
	    "type", pu.tar ? "tar" : "file", "bytes", (json_int_t)total));
 out:
	free(b);
	free(supdir);
	sup_put_free(sp);
	rt_stream_free(s);
	ws_free(w);
	return rc;
}

const struct route api_files_routes[] = {
	{ "GET", "/v1/workspaces/{id}/files", h_get, ROUTE_FILES, "download "
	    "?path=: a file as application/octet-stream (Content-Length, "
	    "X-Berth-Mode, Last-Modified), a directory as application/x-tar "
	    "of its contents (./name entries, modes and mtimes kept); "
	    "streamed" },
	{ "PUT", "/v1/workspaces/{id}/files", h_put, ROUTE_FILES, "upload "
	    "to ?path=: Content-Type application/x-tar unpacks into "
	    "directory path (created if missing); any other type writes the "
	    "body as the file path (?mode=0644 octal, ?mtime= RFC 3339 or "
	    "epoch). Missing parents are created; everything is owned by "
	    "the workspace user; device nodes and fifos are refused. "
	    "Streamed, no size cap but the disk's; a file of unknown length "
	    "(chunked) needs the workspace's supervisor -> {path, type, "
	    "bytes}" },
	{ NULL, NULL, NULL, 0, NULL }
};
