/* sup-files.c: uploads written by berth-sup --put and downloads read by
 * berth-sup --get as the workspace's user (sup-files.h), through proc.h's
 * supervisor runner. */
#include <sys/types.h>

#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-files.h"
#include "sup-host.h"
#include "xmalloc.h"

#define PUT_WAIT_MS	60000	/* the end of a written file */

struct sup_put {
	struct proc	*p;		/* berth-sup --put or --untar */
	int		 fd;		/* or the file itself (OPEN), -1 */
	int64_t		 mtime;
	int		 uid;
	char		*path;
	int		 closed, rc;
	char		 errbuf[512];
	size_t		 nerr;
};

/* Starts berth-sup with argv as uid:gid, its stdin the upload. */
static int
put_start(const char *supdir, const char *const *argv, const char *path,
    int uid, int gid, struct sup_put **pp)
{
	struct proc_spec s;
	struct sup_put *u;
	struct proc *p = NULL;
	char user[32];
	int r;

	*pp = NULL;
	snprintf(user, sizeof user, "%d:%d", uid, gid);
	memset(&s, 0, sizeof s);
	s.argv = argv;
	s.user = user;
	s.attach_stdin = 1;
	s.sup_dir = supdir;
	if ((r = sup_proc_start(&s, &p)) != 0)
		return r;
	u = xcalloc(1, sizeof *u);
	u->p = p;
	u->fd = -1;
	u->path = xstrdup(path);
	*pp = u;
	return 0;
}

int
sup_put_open(const char *supdir, const char *path, unsigned mode,
    int64_t mtime, int uid, int gid, struct sup_put **pp)
{
	char m[16], t[32];
	const char *argv[] = { SUP_MOUNT_BIN, "--put", path, m, t, NULL };

	struct sup_opened o;
	struct sup_put *u;
	int fd, r;

	/* The file itself when the supervisor can hand it over: one copy,
	 * berthd to the file. */
	if ((r = sup_open_file(supdir, path, 1, mode, uid, gid, &o, &fd)) < 0)
		return r;
	if (r == 0) {
		u = xcalloc(1, sizeof *u);
		u->fd = fd;
		u->mtime = mtime;
		u->uid = uid;
		u->path = xstrdup(path);
		*pp = u;
		return 0;
	}
	snprintf(m, sizeof m, "%o", mode & 07777);
	snprintf(t, sizeof t, "%lld", (long long)(mtime > 0 ? mtime : 0));
	return put_start(supdir, argv, path, uid, gid, pp);
}

int
sup_untar_open(const char *supdir, const char *dir, int uid, int gid,
    struct sup_put **pp)
{
	const char *argv[] = { SUP_MOUNT_BIN, "--untar", dir, NULL };

	return put_start(supdir, argv, dir, uid, gid, pp);
}

/* Keeps what the writer says on stderr (its cause), drops the rest. */
static void
drain(struct sup_put *u)
{
	char b[4096];
	ssize_t n;
	int st;

	while ((n = proc_read(u->p, &st, b, sizeof b)) > 0) {
		size_t k = (size_t)n;
		if (k > sizeof u->errbuf - 1 - u->nerr)
			k = sizeof u->errbuf - 1 - u->nerr;
		memcpy(u->errbuf + u->nerr, b, k);
		u->nerr += k;
	}
}

int
sup_put_write(struct sup_put *u, const void *b, size_t n)
{
	const char *c = b;
	ssize_t w;

	while (u->fd >= 0 && n > 0) {
		if ((w = write(u->fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(ERR_IO, "cannot write %s: %s", u->path,
			    strerror(errno));
		}
		c += w;
		n -= (size_t)w;
	}
	while (n > 0) {
		/* A writer that stopped early says why at its exit. */
		if ((w = proc_write(u->p, c, n)) == ERR_EOF)
			return sup_put_close(u);
		if (w < 0)
			return (int)w;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Ends a file written through its descriptor: its mtime (on the user's
 * own file only), then the close that reports a late write error. */
static int
fd_close(struct sup_put *u)
{
	struct timespec ts[2];
	struct stat st;
	int fd = u->fd;

	u->fd = -1;
	if (u->mtime > 0 && fstat(fd, &st) == 0 && (int)st.st_uid == u->uid) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)u->mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)futimens(fd, ts);
	}
	if (close(fd) != 0)
		return err_set(ERR_IO, "cannot write %s: %s", u->path,
		    strerror(errno));
	return 0;
}

int
sup_put_close(struct sup_put *u)
{
	int r, status = -1;

	if (u->closed)
		return u->rc;
	u->closed = 1;
	if (u->fd >= 0)
		return u->rc = fd_close(u);
	(void)proc_close_stdin(u->p);
	drain(u);
	if ((r = proc_wait(u->p, PUT_WAIT_MS, &status)) != 0)
		return u->rc = r;
	while (u->nerr > 0 && u->errbuf[u->nerr - 1] == '\n')
		u->nerr--;
	u->errbuf[u->nerr] = '\0';
	return u->rc = sup_status_error(status, 1, u->path, u->errbuf);
}

void
sup_put_free(struct sup_put *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	proc_free(u->p);
	free(u->path);
	free(u);
}

struct sup_get {
	int		 fd;		/* a file (OPEN), or -1: */
	int64_t		 left;		/* its bytes still wanted */
	struct proc	*p;		/* berth-sup --get */
	char		 head[160];	/* the header line, then data */
	size_t		 nhead, off;	/* bytes in head, used of them */
	char		 errbuf[512];
	size_t		 nerr;
	int		 done;
};

/* Keeps the reader's stderr (its cause). */
static void
get_err(struct sup_get *g, const char *b, size_t n)
{
	if (n > sizeof g->errbuf - 1 - g->nerr)
		n = sizeof g->errbuf - 1 - g->nerr;
	memcpy(g->errbuf + g->nerr, b, n);
	g->nerr += n;
	g->errbuf[g->nerr] = '\0';
}

/* Reads stdout bytes into b, keeping stderr aside. */
static ssize_t
get_raw(struct sup_get *g, void *b, size_t n, int timeout_ms)
{
	struct pollfd pfd;
	ssize_t k;
	int st, pr;

	for (;;) {
		k = proc_read(g->p, &st, b, n);
		if (k > 0 && st == PROC_STDERR) {
			get_err(g, b, (size_t)k);
			continue;
		}
		if (k != ERR_AGAIN)
			return k;
		pfd.fd = proc_fd(g->p);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((pr = poll(&pfd, 1, timeout_ms)) == 0)
			return err_set(ERR_TIMEOUT, "the workspace's file "
			    "reader sent nothing for %d ms", timeout_ms);
		if (pr < 0 && errno != EINTR)
			return err_set(ERR_IO, "poll: %s", strerror(errno));
	}
}

/* The reader's verdict once its output ended. */
static int
get_status(struct sup_get *g, const char *path)
{
	int r, status = -1;

	if ((r = proc_wait(g->p, PUT_WAIT_MS, &status)) != 0)
		return r;
	while (g->nerr > 0 && g->errbuf[g->nerr - 1] == '\n')
		g->errbuf[--g->nerr] = '\0';
	return sup_status_error(status, 0, path, g->errbuf);
}

int
sup_get_open(const char *supdir, const char *path, int uid, int gid,
    struct sup_file *f, struct sup_get **gp)
{
	struct proc_spec s;
	struct sup_get *g;
	struct proc *p = NULL;
	const char *argv[] = { SUP_MOUNT_BIN, "--get", path, NULL };
	struct sup_opened o;
	char user[32], kind, *nl;
	int fd;
	long long size, mtime;
	unsigned mode;
	ssize_t k;
	int r;

	*gp = NULL;
	if ((r = sup_open_file(supdir, path, 0, 0, uid, gid, &o, &fd)) < 0)
		return r;
	if (r == 0 && !o.is_dir) {
		g = xcalloc(1, sizeof *g);
		g->fd = fd;
		g->left = INT64_MAX;
		memset(f, 0, sizeof *f);
		f->size = o.size;
		f->mode = o.mode;
		f->mtime = o.mtime;
		*gp = g;
		return 0;
	}
	/* A directory, or a supervisor from before OPEN: --get. */
	snprintf(user, sizeof user, "%d:%d", uid, gid);
	memset(&s, 0, sizeof s);
	s.argv = argv;
	s.user = user;
	s.attach_stdin = 1;
	s.sup_dir = supdir;
	if ((r = sup_proc_start(&s, &p)) != 0)
		return r;
	g = xcalloc(1, sizeof *g);
	g->fd = -1;
	g->p = p;
	proc_set_nonblock(p, 1);
	/* The header line. */
	while ((nl = memchr(g->head, '\n', g->nhead)) == NULL) {
		if (g->nhead == sizeof g->head) {
			r = err_set(ERR_IO, "the workspace's file reader "
			    "sent a bad header");
			goto out;
		}
		k = get_raw(g, g->head + g->nhead, sizeof g->head - g->nhead,
		    PUT_WAIT_MS);
		if (k == 0) {
			r = get_status(g, path);
			if (r == 0)
				r = err_set(ERR_IO, "the workspace's file "
				    "reader ended early");
			goto out;
		}
		if (k < 0) {
			r = (int)k;
			goto out;
		}
		g->nhead += (size_t)k;
	}
	*nl = '\0';
	if (sscanf(g->head, "berth-get 1 %c %lld %o %lld", &kind, &size,
	    &mode, &mtime) != 4 || (kind != 'F' && kind != 'D')) {
		r = err_set(ERR_IO, "the workspace's file reader sent a bad "
		    "header (an older berth-sup?)");
		goto out;
	}
	g->off = (size_t)(nl - g->head) + 1;
	memset(f, 0, sizeof *f);
	f->is_dir = kind == 'D';
	f->size = size;
	f->mode = mode & 07777;
	f->mtime = mtime;
	*gp = g;
	g = NULL;
	r = 0;
out:
	sup_get_free(g);
	return r;
}

int
sup_get_range(struct sup_get *g, int64_t off, int64_t len)
{
	char line[64];
	size_t n, at = 0;
	ssize_t w;
	struct pollfd pfd;

	if (g->fd >= 0) {
		if (off > 0 && lseek(g->fd, (off_t)off, SEEK_SET) < 0)
			return err_set(ERR_IO, "seek: %s", strerror(errno));
		g->left = len < 0 ? INT64_MAX : len;
		return 0;
	}
	n = (size_t)snprintf(line, sizeof line, "%lld %lld\n",
	    (long long)off, (long long)len);
	while (at < n) {
		if ((w = proc_write(g->p, line + at, n - at)) == ERR_AGAIN) {
			pfd.fd = proc_fd(g->p);
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 1000);
			continue;
		}
		if (w < 0)
			return (int)w;
		at += (size_t)w;
	}
	return proc_close_stdin(g->p);
}

ssize_t
sup_get_read(struct sup_get *g, void *b, size_t n, int timeout_ms)
{
	ssize_t k;
	int r;

	if (g->done)
		return 0;
	if (g->fd >= 0) {
		(void)timeout_ms;	/* a regular file does not wait */
		if ((int64_t)n > g->left)
			n = (size_t)g->left;
		if (n == 0)
			return 0;
		while ((k = read(g->fd, b, n)) < 0 && errno == EINTR)
			;
		if (k < 0)
			return err_set(ERR_IO, "read: %s", strerror(errno));
		g->left -= k;
		return k;
	}
	if (g->off < g->nhead) {
		k = (ssize_t)(g->nhead - g->off);
		if ((size_t)k > n)
			k = (ssize_t)n;
		memcpy(b, g->head + g->off, (size_t)k);
		g->off += (size_t)k;
		return k;
	}
	if ((k = get_raw(g, b, n, timeout_ms)) != 0)
		return k;
	g->done = 1;
	if ((r = get_status(g, "")) != 0)
		return r;
	return 0;
}

void
sup_get_free(struct sup_get *g)
{
	if (g == NULL)
		return;
	if (g->fd >= 0)
		close(g->fd);
	proc_free(g->p);
	free(g);
}
