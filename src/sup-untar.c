/* sup-untar.c: berth-sup's tar unpacker (berth-sup --untar DIR), run
 * through the supervisor as the workspace's user, so a tar upload is
 * written with that user's permissions (sup-files.c, docs/exec.md). stdin
 * is the tar (sup-tar.h); DIR and missing parents are created; entries
 * keep their modes and mtimes and belong to the user; names are taken
 * below DIR ("/" and "./" in front dropped, ".." refused). Exit status: 0
 * unpacked, 3 not permitted, 4 a non-directory in the way, 5 refused
 * (/proc, /sys), 6 no space, 8 not an acceptable tar (the cause names
 * it), 1 anything else; the cause on stderr. */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-put.h"
#include "sup-tar.h"

#define DIRS_MAX	65536	/* directories whose mode and mtime are set at
				 * the end */

struct untar {
	int		 dfd;		/* the target directory */
	int		 fd;		/* the file being written */
	char		 name[TAR_NAME_MAX];
	unsigned	 mode;
	int64_t		 mtime;
	int		 status;	/* the exit status of a failure */
	struct dmt {
		char	 *name;
		unsigned  mode;
		int64_t	  mtime;
	}		*dirs;
	size_t		 ndirs;
};

static int
fail(struct untar *u, const char *what, const char *name, int e)
{
	fprintf(stderr, "cannot %s %s: %s\n", what, name, strerror(e));
	u->status = sup_errno_status(e, 1);
	return -1;
}

static int
refuse(struct untar *u, const char *why, const char *name)
{
	fprintf(stderr, "%s: %s\n", why, name);
	u->status = 8;
	return -1;
}

/* The entry's name below the target: leading "/" and "./" dropped, "."
 * components skipped, ".." refused; "" for the target itself. */
static int
clean(struct untar *u, const char *in, char *out, size_t cap)
{
	size_t o = 0;

	while (*in != '\0') {
		const char *s = in;
		size_t n;
		while (*in != '\0' && *in != '/')
			in++;
		n = (size_t)(in - s);
		while (*in == '/')
			in++;
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return refuse(u, "the tar has a name with '..'", s);
		if (o + n + 2 > cap)
			return refuse(u, "a name in the tar is too long", s);
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* Creates the parents of name below the target. */
static int
parents(struct untar *u, char *name)
{
	char *s = name;

	while ((s = strchr(s, '/')) != NULL) {
		*s = '\0';
		if (mkdirat(u->dfd, name, 0755) != 0 && errno != EEXIST) {
			int e = errno;
			*s = '/';
			return fail(u, "create directory", name, e);
		}
		*s = '/';
		s++;
	}
	return 0;
}

/* Removes what is at name unless it is a directory (tar replaces files
 * and links). */
static int
clear(struct untar *u, const char *name)
{
	struct stat st;

	if (fstatat(u->dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return 0;
	if (unlinkat(u->dfd, name, 0) != 0)
		return fail(u, "replace", name, errno);
	return 0;
}

static void
set_time(struct untar *u, const char *name, int64_t mtime, int flags)
{
	struct timespec ts[2];

	if (mtime <= 0)
		return;
	ts[0].tv_sec = ts[1].tv_sec = (time_t)mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	(void)utimensat(u->dfd, name, ts, flags);
}

static int
on_entry(void *arg, const struct tar_entry *e)
{
	struct untar *u = arg;
	char link[TAR_NAME_MAX];
	struct stat st;

	if (clean(u, e->name, u->name, sizeof u->name) != 0)
		return -1;
	if (u->name[0] == '\0') {
		if (e->type != '5')
			return refuse(u, "the tar has a file named like the "
			    "target directory", e->name);
		return 0;	/* the target keeps its owner and mode */
	}
	if (parents(u, u->name) != 0)
		return -1;
	switch (e->type) {
	case '5':
		if (mkdirat(u->dfd, u->name, 0700) != 0) {
			if (errno != EEXIST)
				return fail(u, "create directory", u->name,
				    errno);
			if (fstatat(u->dfd, u->name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
				return fail(u, "create directory", u->name,
				    ENOTDIR);
		}
		/* Its mode and mtime at the end, as tar does: a mode
		 * without write (0555) would refuse the entries inside. */
		if (u->ndirs >= DIRS_MAX) {
			if (fchmodat(u->dfd, u->name, e->mode, 0) != 0)
				return fail(u, "chmod", u->name, errno);
		} else {
			if (u->ndirs % 256 == 0) {
				struct dmt *nd = realloc(u->dirs,
				    (u->ndirs + 256) * sizeof *nd);
				if (nd == NULL)
					return fail(u, "remember", u->name,
					    ENOMEM);
				u->dirs = nd;
			}
			u->dirs[u->ndirs].name = strdup(u->name);
			u->dirs[u->ndirs].mode = e->mode;
			u->dirs[u->ndirs++].mtime = e->mtime;
		}
		return 0;
	case '2':
		if (clear(u, u->name) != 0)
			return -1;
		if (symlinkat(e->link, u->dfd, u->name) != 0)
			return fail(u, "create link", u->name, errno);
		set_time(u, u->name, e->mtime, AT_SYMLINK_NOFOLLOW);
		return 0;
	case '1':
		if (clean(u, e->link, link, sizeof link) != 0)
			return -1;
		if (clear(u, u->name) != 0)
			return -1;
		if (linkat(u->dfd, link, u->dfd, u->name, 0) != 0)
			return fail(u, "link", u->name, errno);
		return 0;
	default:
		if (clear(u, u->name) != 0)
			return -1;
		u->fd = openat(u->dfd, u->name, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (u->fd < 0)
			return fail(u, "write", u->name, errno);
		u->mode = e->mode;
		u->mtime = e->mtime;
		return 0;
	}
}

static int
on_data(void *arg, const void *b, size_t n)
{
	struct untar *u = arg;
	const char *c = b;
	ssize_t w;

	while (n > 0) {
		if ((w = write(u->fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return fail(u, "write", u->name, errno);
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
on_end(void *arg)
{
	struct untar *u = arg;
	struct timespec ts[2];
	int fd = u->fd;

	u->fd = -1;
	if (fchmod(fd, u->mode) != 0) {
		close(fd);
		return fail(u, "chmod", u->name, errno);
	}
	if (u->mtime > 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)u->mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		(void)futimens(fd, ts);
	}
	if (close(fd) != 0)
		return fail(u, "write", u->name, errno);
	return 0;
}

int
sup_untar_main(const char *dir)
{
	static char b[65536];
	struct tar_cb cb = { on_entry, on_data, on_end, NULL };
	struct untar u;
	struct tar_rd *t;
	char real[PATH_MAX], path[PATH_MAX], *s;
	ssize_t n;
	int r = 0;

	memset(&u, 0, sizeof u);
	u.fd = -1;
	cb.arg = &u;
	if (dir[0] != '/' || strlen(dir) >= sizeof path) {
		fprintf(stderr, "bad path %s\n", dir);
		return 1;
	}
	if (sup_path_refused(dir)) {
		fprintf(stderr, "%s: /proc and /sys are not written through "
		    "the files API\n", dir);
		return 5;
	}
	memcpy(path, dir, strlen(dir) + 1);
	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return fail(&u, "create directory", path, errno),
			    u.status;
		*s = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(&u, "create directory", dir, errno), u.status;
	if (realpath(dir, real) == NULL)
		return fail(&u, "resolve", dir, errno), u.status;
	if (sup_path_refused(real)) {
		fprintf(stderr, "%s: /proc and /sys are not written through "
		    "the files API\n", dir);
		return 5;
	}
	if ((u.dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail(&u, "unpack into", dir, errno), u.status;
	if ((t = tar_rd_new(&cb)) == NULL)
		return 1;
	for (;;) {
		if ((n = read(0, b, sizeof b)) < 0) {
			if (errno == EINTR)
				continue;
			r = fail(&u, "read the upload for", dir, errno);
			break;
		}
		if (n == 0) {
			r = tar_rd_finish(t);
			break;
		}
		if ((r = tar_rd_feed(t, b, (size_t)n)) != 0)
			break;
	}
	if (r != 0 && u.status == 0) {
		fprintf(stderr, "%s\n", tar_rd_error(t));
		u.status = 8;
	}
	tar_rd_free(t);
	if (u.fd >= 0)
		close(u.fd);
	/* Directories last: their entries changed their mtimes. */
	for (size_t i = u.ndirs; i > 0; i--) {
		struct dmt *d = &u.dirs[i - 1];
		if (r == 0 && d->name != NULL) {
			(void)fchmodat(u.dfd, d->name, d->mode, 0);
			set_time(&u, d->name, d->mtime, 0);
		}
		free(d->name);
	}
	free(u.dirs);
	close(u.dfd);
	return r != 0 ? u.status : 0;
}
