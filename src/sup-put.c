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
status_of(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case EROFS:
		return 3;
	case EISDIR:
	case ENOTDIR:
	case EEXIST:
		return 4;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return 6;
	default:
		return 1;
	}
}

static int
fail(const char *what, const char *path, int e)
{
	fprintf(stderr, "cannot %s %s: %s\n", what, path, strerror(e));
	return status_of(e);
}

/* 1 when p is /proc, /sys or below them. */
static int
refused(const char *p)
{
	static const char *const no[] = { "/proc", "/sys" };

	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		size_t n = strlen(no[i]);
		if (strncmp(p, no[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
			return 1;
	}
	return 0;
}

int
sup_put_main(const char *path, const char *mode_s, const char *mtime_s)
{
	char dir[PATH_MAX], real[PATH_MAX], *slash;
	static char b[65536];
	struct timespec ts[2];
	unsigned long mode;
	long long mtime;
	ssize_t n, w, off;
	int fd;

	mode = strtoul(mode_s, NULL, 8) & 07777;
	mtime = strtoll(mtime_s, NULL, 10);
	if (path[0] != '/' || strlen(path) >= sizeof dir) {
		fprintf(stderr, "bad path %s\n", path);
		return 1;
	}
	if (refused(path)) {
		fprintf(stderr, "%s: /proc and /sys are not written through "
		    "the files API\n", path);
		return 5;
	}
	/* Missing parents, as the user. */
	memcpy(dir, path, strlen(path) + 1);
	for (char *p = dir + 1; (slash = strchr(p, '/')) != NULL;
	    p = slash + 1) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return fail("create directory", dir, errno);
		*slash = '/';
	}
	/* Where it really lands (a symlink may point into /proc). */
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (realpath(dir[0] ? dir : "/", real) == NULL)
		return fail("resolve", dir[0] ? dir : "/", errno);
	if (refused(real) || (realpath(path, dir) != NULL && refused(dir))) {
		fprintf(stderr, "%s: /proc and /sys are not written through "
		    "the files API\n", path);
		return 5;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    (mode_t)mode)) < 0)
		return fail("write", path, errno);
	while ((n = read(0, b, sizeof b)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail("read the upload for", path, errno);
		}
		for (off = 0; off < n; off += w)
			if ((w = write(fd, b + off, (size_t)(n - off))) < 0) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				return fail("write", path, errno);
			}
	}
	if (fchmod(fd, (mode_t)mode) != 0)
		return fail("chmod", path, errno);
	if (mtime > 0) {
		ts[0].tv_sec = ts[1].tv_sec = (time_t)mtime;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(fd, ts) != 0)
			return fail("set the time of", path, errno);
	}
	if (close(fd) != 0)
		return fail("write", path, errno);
	return 0;
}
