/* sup-put.c: berth-sup's file writer (berth-sup --put PATH MODE MTIME),
 * run through the supervisor as the workspace's user, so the files API
 * writes with that user's permissions (sup-files.c, docs/exec.md). stdin
 * becomes the file. Exit status: 0 written, 3 not permitted, 4 a directory
 * is in the way, 5 refused (/proc, /sys), 6 no space, 1 anything else;
 * the cause on stderr. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-put.h"

static int
fail(char *why, size_t wsz, const char *what, const char *path, int e)
{
	snprintf(why, wsz, "cannot %s %s: %s", what, path, strerror(e));
	return sup_errno_status(e, 1);
}

int
sup_put_prepare(const char *path, unsigned mode, int *fdp, char *why,
    size_t wsz)
{
	char dir[PATH_MAX], real[PATH_MAX], *slash;
	struct stat st;
	int fd;

	*fdp = -1;
	if (path[0] != '/' || strlen(path) >= sizeof dir) {
		snprintf(why, wsz, "bad path %s", path);
		return 1;
	}
	if (sup_path_refused(path)) {
		snprintf(why, wsz, "%s: /proc and /sys are not written "
		    "through the files API", path);
		return 5;
	}
	/* Missing parents, as the user. */
	memcpy(dir, path, strlen(path) + 1);
	for (char *p = dir + 1; (slash = strchr(p, '/')) != NULL;
	    p = slash + 1) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return fail(why, wsz, "create directory", dir, errno);
		*slash = '/';
	}
	/* Where it really lands (a symlink may point into /proc). */
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (realpath(dir[0] ? dir : "/", real) == NULL)
		return fail(why, wsz, "resolve", dir[0] ? dir : "/", errno);
	if (sup_path_refused(real) || (realpath(path, dir) != NULL &&
	    sup_path_refused(dir))) {
		snprintf(why, wsz, "%s: /proc and /sys are not written "
		    "through the files API", path);
		return 5;
	}
	/* O_NONBLOCK: a fifo without a reader fails instead of waiting. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NONBLOCK, (mode_t)mode)) < 0)
		return fail(why, wsz, "write", path, errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, wsz, "cannot write %s: not a regular file", path);
		return 4;
	}
	if (fcntl(fd, F_SETFL, 0) != 0 || fchmod(fd, (mode_t)mode) != 0) {
		int e = errno;
		close(fd);
		return fail(why, wsz, "chmod", path, e);
	}
	*fdp = fd;
	return 0;
}

int
sup_put_main(const char *path, const char *mode_s, const char *mtime_s)
{
	static char b[65536];
	char why[PATH_MAX + 128];
	struct timespec ts[2];
	unsigned long mode;
	long long mtime;
	ssize_t n, w, off;
	int fd, r;

	mode = strtoul(mode_s, NULL, 8) & 07777;
	mtime = strtoll(mtime_s, NULL, 10);
	if ((r = sup_put_prepare(path, (unsigned)mode, &fd, why,
	    sizeof why)) != 0) {
		fprintf(stderr, "%s\n", why);
		return r;
	}
	while ((n = read(0, b, sizeof b)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = fail(why, sizeof why, "read the upload for", path,
			    errno);
			goto out;
		}
		for (off = 0; off < n; off += w)
			if ((w = write(fd, b + off, (size_t)(n - off))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				r = fail(why, sizeof why, "write", path, errno);
				goto out;
			}
	}
	if (mtime > 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(fd, ts) != 0) {
			r = fail(why, sizeof why, "set the time of", path,
			    errno);
			goto out;
		}
	}
	if (close(fd) != 0) {
		fd = -1;
		r = fail(why, sizeof why, "write", path, errno);
		goto out;
	}
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0)
		fprintf(stderr, "%s\n", why);
	return r;
}
