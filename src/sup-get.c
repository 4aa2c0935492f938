/* sup-get.c: berth-sup's file reader (berth-sup --get PATH), run through
 * the supervisor as the workspace's user, so the files API reads with
 * that user's permissions (sup-files.c, docs/exec.md).
 *
 * It writes one header line on stdout, "berth-get 1 F SIZE MODE MTIME" for
 * a file or "berth-get 1 D 0 MODE MTIME" for a directory (MODE octal),
 * then reads one line "OFFSET LENGTH" on stdin (LENGTH -1: to the end;
 * ignored for a directory) and writes the file's bytes from OFFSET, or a
 * tar of the directory's contents ("./name" entries; files, directories
 * and symbolic links, with modes and mtimes; what the user cannot read is
 * left out and named on stderr). Exit status: 0 done, 2 no such file,
 * 3 not permitted, 5 refused (/proc, /sys), 7 not a regular file or a
 * directory, 1 anything else; the cause on stderr. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-put.h"

#define BLK	512
#define DEPTH	256

static char	iob[65536];

static int
fail(const char *what, const char *path, int e)
{
	fprintf(stderr, "cannot %s %s: %s\n", what, path, strerror(e));
	return sup_errno_status(e, 0);
}

static int
fail_why(char *why, size_t wsz, const char *what, const char *path, int e)
{
	snprintf(why, wsz, "cannot %s %s: %s", what, path, strerror(e));
	return sup_errno_status(e, 0);
}

static int
write_all(const void *b, size_t n)
{
	const char *c = b;
	ssize_t w;

	while (n > 0) {
		if ((w = write(1, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Octal number v into f (n bytes, NUL-terminated). */
static void
octal(char *f, size_t n, unsigned long long v)
{
	f[--n] = '\0';
	while (n > 0) {
		f[--n] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* Appends one pax record "LEN key=value\n" to rec (size cap), where LEN
 * counts the whole record. */
static size_t
pax_rec(char *rec, size_t at, size_t cap, const char *key, const char *val)
{
	size_t body = strlen(key) + strlen(val) + 3, len = body + 1, d;
	int n;

	/* The length counts its own digits. */
	for (;;) {
		d = (size_t)snprintf(NULL, 0, "%zu", len);
		if (body + d == len)
			break;
		len = body + d;
	}
	if (at + len >= cap)
		return at;
	n = snprintf(rec + at, cap - at, "%zu %s=%s\n", len, key, val);
	return n > 0 ? at + (size_t)n : at;
}

static int
header(const char *name, char type, const struct stat *st, long long size,
    const char *link)
{
	char h[BLK], *c;
	unsigned sum = 0;

	memset(h, 0, sizeof h);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	octal(h + 100, 8, st->st_mode & 07777);
	octal(h + 108, 8, st->st_uid & 07777777);
	octal(h + 116, 8, st->st_gid & 07777777);
	octal(h + 124, 12, size < 077777777777LL ? (unsigned long long)size :
	    0);
	octal(h + 136, 12, (unsigned long long)(st->st_mtime > 0 ?
	    st->st_mtime : 0));
	h[156] = type;
	if (link != NULL)
		memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (c = h; c < h + BLK; c++)
		sum += (unsigned char)*c;
	octal(h + 148, 7, sum);
	return write_all(h, BLK);
}

/* One entry's headers: a pax header first when the name, the link or the
 * size does not fit ustar. */
static int
entry(const char *name, char type, const struct stat *st, long long size,
    const char *link)
{
	static char rec[3 * PATH_MAX + 64];
	static const char zero[BLK];
	struct stat px;
	char num[32];
	size_t n = 0;

	if (strlen(name) >= 100)
		n = pax_rec(rec, n, sizeof rec, "path", name);
	if (link != NULL && strlen(link) >= 100)
		n = pax_rec(rec, n, sizeof rec, "linkpath", link);
	if (size >= 077777777777LL) {
		snprintf(num, sizeof num, "%lld", size);
		n = pax_rec(rec, n, sizeof rec, "size", num);
	}
	if (n > 0) {
		px = *st;
		px.st_mode = 0644;
		if (header("./PaxHeaders/entry", 'x', &px, (long long)n,
		    NULL) != 0 || write_all(rec, n) != 0 ||
		    (n % BLK && write_all(zero, BLK - n % BLK) != 0))
			return -1;
	}
	return header(name, type, st, size, link);
}

/* Copies fd's size bytes into the tar (short files padded with zeros,
 * so the archive stays well-formed when a file shrinks meanwhile). */
static int
file_body(int fd, long long size)
{
	static const char zero[BLK];
	long long left = size;
	ssize_t n;

	while (left > 0) {
		size_t want = left < (long long)sizeof iob ?
		    (size_t)left : sizeof iob;
		if ((n = read(fd, iob, want)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			memset(iob, 0, want);
			n = (ssize_t)want;
		}
		if (write_all(iob, (size_t)n) != 0)
			return -1;
		left -= n;
	}
	if (size % BLK)
		return write_all(zero, BLK - (size_t)(size % BLK));
	return 0;
}

/* The contents of directory fd, named below rel ("." for the top). */
static int
walk(int dfd, char *rel, size_t rlen, int depth, int *skipped)
{
	struct dirent *de;
	struct stat st;
	char link[PATH_MAX];
	DIR *d;
	int fd, r = 0;
	ssize_t ln;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (rlen + 1 + nl + 2 >= PATH_MAX) {
			fprintf(stderr, "left out %s/%s: name too long\n",
			    rel, de->d_name);
			(*skipped)++;
			continue;
		}
		rel[rlen] = '/';
		memcpy(rel + rlen + 1, de->d_name, nl + 1);
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			fprintf(stderr, "left out %s: %s\n", rel,
			    strerror(errno));
			(*skipped)++;
		} else if (S_ISLNK(st.st_mode)) {
			ln = readlinkat(dirfd(d), de->d_name, link,
			    sizeof link - 1);
			if (ln >= 0) {
				link[ln] = '\0';
				r = entry(rel, '2', &st, 0, link);
			}
		} else if (S_ISREG(st.st_mode)) {
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				fprintf(stderr, "left out %s: %s\n", rel,
				    strerror(errno));
				(*skipped)++;
			} else {
				long long sz = (long long)st.st_size;
				r = entry(rel, '0', &st, sz, NULL);
				if (r == 0)
					r = file_body(fd, sz);
				close(fd);
			}
		} else if (S_ISDIR(st.st_mode)) {
			size_t l = strlen(rel);
			rel[l] = '/';
			rel[l + 1] = '\0';
			r = entry(rel, '5', &st, 0, NULL);
			rel[l] = '\0';
			fd = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (r == 0 && fd < 0) {
				fprintf(stderr, "left out the contents of %s: "
				    "%s\n", rel, strerror(errno));
				(*skipped)++;
			} else if (r == 0 && depth >= DEPTH) {
				fprintf(stderr, "left out the contents of %s: "
				    "nested too deep\n", rel);
				(*skipped)++;
				close(fd);
			} else if (r == 0)
				r = walk(fd, rel, l, depth + 1, skipped);
			else if (fd >= 0)
				close(fd);
		}
		/* Devices, fifos and sockets are not files to copy. */
		rel[rlen] = '\0';
	}
	closedir(d);
	return r;
}

static int
send_dir(int fd)
{
	static char rel[PATH_MAX];
	static const char zero[2 * BLK];
	int skipped = 0;

	memcpy(rel, ".", 2);
	if (walk(fd, rel, 1, 0, &skipped) != 0 ||
	    write_all(zero, sizeof zero) != 0)
		return 1;
	return 0;
}

static int
send_file(int fd, const char *path, long long off, long long len)
{
	ssize_t n;

	if (off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
		return fail("seek in", path, errno);
	while (len != 0) {
		size_t want = len > 0 && len < (long long)sizeof iob ?
		    (size_t)len : sizeof iob;
		if ((n = read(fd, iob, want)) < 0) {
			if (errno == EINTR)
				continue;
			return fail("read", path, errno);
		}
		if (n == 0)
			break;
		if (write_all(iob, (size_t)n) != 0)
			return 1;
		if (len > 0)
			len -= n;
	}
	return 0;
}

int
sup_get_prepare(const char *path, int *fdp, struct stat *st, char *why,
    size_t wsz)
{
	char real[PATH_MAX];
	int fd;

	*fdp = -1;
	if (path[0] != '/' || sup_path_refused(path)) {
		snprintf(why, wsz, "%s: /proc and /sys are not read through "
		    "the files API", path);
		return path[0] != '/' ? 1 : 5;
	}
	/* Where it really is (a symlink may point into /proc). */
	if (realpath(path, real) == NULL)
		return fail_why(why, wsz, "read", path, errno);
	if (sup_path_refused(real)) {
		snprintf(why, wsz, "%s: /proc and /sys are not read through "
		    "the files API", path);
		return 5;
	}
	/* O_NONBLOCK: a fifo does not wait for a writer. */
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return fail_why(why, wsz, "read", path, errno);
	if (fstat(fd, st) != 0 || fcntl(fd, F_SETFL, 0) != 0) {
		int e = errno;
		close(fd);
		return fail_why(why, wsz, "stat", path, e);
	}
	if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode)) {
		close(fd);
		snprintf(why, wsz, "%s is not a regular file or a directory",
		    path);
		return 7;
	}
	*fdp = fd;
	return 0;
}

int
sup_get_main(const char *path)
{
	char line[64], hdr[128], why[PATH_MAX + 128];
	long long off = 0, len = -1;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, isdir, r;

	if ((r = sup_get_prepare(path, &fd, &st, why, sizeof why)) != 0) {
		fprintf(stderr, "%s\n", why);
		return r;
	}
	isdir = S_ISDIR(st.st_mode);
	snprintf(hdr, sizeof hdr, "berth-get 1 %c %lld %o %lld\n",
	    isdir ? 'D' : 'F', isdir ? 0LL : (long long)st.st_size,
	    (unsigned)(st.st_mode & 07777), (long long)st.st_mtime);
	if (write_all(hdr, strlen(hdr)) != 0)
		return 1;
	/* The range, one line. */
	while (got < sizeof line - 1) {
		if ((n = read(0, line + got, 1)) < 0 && errno == EINTR)
			continue;
		if (n <= 0 || line[got] == '\n')
			break;
		got++;
	}
	line[got] = '\0';
	if (got > 0 && sscanf(line, "%lld %lld", &off, &len) != 2) {
		fprintf(stderr, "bad range line\n");
		return 1;
	}
	if (isdir)
		return send_dir(fd);
	return send_file(fd, path, off < 0 ? 0 : off, len);
}
