/* vol-loop.c: loop-mounted filesystem image per volume (vol-loop.h). */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "vol-loop.h"
#include "xmalloc.h"

extern char **environ;

static pthread_mutex_t vol_lock = PTHREAD_MUTEX_INITIALIZER;
static int loop_state = -1;	/* -1 unknown, 0 unavailable, 1 works */

/* Runs argv (PATH lookup), output kept for the error; an exit status up
 * to ok_max is success. */
static int
run_ok(const char *const *argv, int ok_max)
{
	posix_spawn_file_actions_t fa;
	char out[512];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int p[2], st = 0, e;

	if (pipe2(p, O_CLOEXEC) != 0)
		return err_set(ERR_IO, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		return err_set(ERR_IO, "cannot run %s: %s", argv[0],
		    strerror(e));
	}
	while ((n = read(p[0], out + len, sizeof out - 1 - len)) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0)
			len += (size_t)n;
	close(p[0]);
	out[len] = '\0';
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > ok_max)
		return err_set(ERR_IO, "%s failed: %s", argv[0],
		    len ? out : "no output");
	return 0;
}

static int
run(const char *const *argv)
{
	return run_ok(argv, 0);
}

static char *
vol_dir(struct app *app)
{
	return xasprintf("%s/volumes", app->cfg.state_dir);
}

/* 1 when dir is a mount point (another device than its parent). */
static int
mounted(const char *dir)
{
	struct stat a, b;
	char *parent = xasprintf("%s/..", dir);
	int m;

	m = stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
	free(parent);
	return m;
}

static int
mkfs(const char *img, int64_t bytes)
{
	const char *argv[] = { "mkfs.ext4", "-q", "-F", "-m", "0", "-E",
	    "lazy_itable_init=1,lazy_journal_init=1", img, NULL };
	int fd;

	unlink(img);
	if ((fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600))
	    < 0)
		return err_set(ERR_IO, "cannot create %s: %s", img,
		    strerror(errno));
	if (ftruncate(fd, bytes) != 0) {
		int e = errno;
		close(fd);
		unlink(img);
		return err_set(ERR_IO, "cannot size %s: %s", img, strerror(e));
	}
	close(fd);
	if (run(argv) != 0) {
		unlink(img);
		return ERR_IO;
	}
	return 0;
}

static int
do_mount(const char *img, const char *mnt)
{
	const char *argv[] = { "mount", "-t", "ext4", "-o",
	    "loop,nosuid,nodev", img, mnt, NULL };
	char *lf;

	if (mkdir(mnt, 0755) != 0 && errno != EEXIST)
		return err_set(ERR_IO, "cannot make %s: %s", mnt,
		    strerror(errno));
	if (mounted(mnt))
		return 0;
	if (run(argv) != 0)
		return ERR_IO;
	/* Users see their files only. */
	lf = xasprintf("%s/lost+found", mnt);
	rmdir(lf);
	free(lf);
	return 0;
}

static void
do_umount(const char *mnt)
{
	if (mounted(mnt) && umount2(mnt, 0) != 0 &&
	    umount2(mnt, MNT_DETACH) != 0)
		log_warn("cannot unmount %s: %s", mnt, strerror(errno));
	rmdir(mnt);
}

/* Under vol_lock. Tries a 32 MiB filesystem once. */
static int
probe(struct app *app)
{
	char *dir, *img, *mnt;

	if (loop_state >= 0)
		return loop_state;
	dir = vol_dir(app);
	img = xasprintf("%s/.probe.img", dir);
	mnt = xasprintf("%s/.probe", dir);
	loop_state = 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		log_warn("volume sizes are NOT enforced: cannot make %s: %s",
		    dir, strerror(errno));
	else if (access("/dev/loop-control", F_OK) != 0)
		log_warn("volume sizes are NOT enforced: this host has no "
		    "loop devices (/dev/loop-control); volumes are plain "
		    "engine volumes, their size is recorded only");
	else if (mkfs(img, 32LL << 20) != 0 || do_mount(img, mnt) != 0)
		log_warn("volume sizes are NOT enforced: a loop-mounted "
		    "filesystem does not work here (%s); volumes are plain "
		    "engine volumes, their size is recorded only", err_msg());
	else
		loop_state = 1;
	do_umount(mnt);
	unlink(img);
	free(dir);
	free(img);
	free(mnt);
	return loop_state;
}

int
vol_enforced(struct app *app)
{
	int r;

	pthread_mutex_lock(&vol_lock);
	r = probe(app);
	pthread_mutex_unlock(&vol_lock);
	return r;
}

static int64_t
size_of(struct db *db, const char *backend)
{
	return db_vol_size_by_backend(db, backend);
}

int
vol_ensure(struct app *app, struct db *db, const char *backend,
    const char *const *labels)
{
	char *dir = NULL, *img = NULL, *mnt = NULL;
	int64_t gib = size_of(db, backend);
	int r;

	pthread_mutex_lock(&vol_lock);
	/* Where containers do not run here (a cluster) a volume lives on
	 * the workspace's node, not in a loop image here: its size is not
	 * enforced (docs/cluster.md). */
	if (gib <= 0 || !(rt_caps(app->rt) & RT_CAP_LOCAL_VOLUMES) ||
	    !probe(app)) {
		r = rt_volume_create(app->rt, backend, labels);
		goto out;
	}
	dir = vol_dir(app);
	img = xasprintf("%s/%s.img", dir, backend);
	mnt = xasprintf("%s/%s", dir, backend);
	if (access(img, F_OK) != 0) {
		/* Made aside and renamed: a crash leaves no half image. */
		char *tmp = xasprintf("%s.new", img);
		if ((r = mkfs(tmp, gib << 30)) == 0 && rename(tmp, img) != 0)
			r = err_set(ERR_IO, "cannot rename %s: %s", tmp,
			    strerror(errno));
		unlink(tmp);
		free(tmp);
		if (r != 0)
			goto out;
	}
	if ((r = do_mount(img, mnt)) != 0)
		goto out;
	r = rt_volume_create_bind(app->rt, backend, labels, mnt);
out:
	pthread_mutex_unlock(&vol_lock);
	free(dir);
	free(img);
	free(mnt);
	return r;
}

int
vol_chown_root(struct app *app, const char *backend, const char *user)
{
	char *mnt, *end;
	unsigned long uid, gid;
	int r;

	uid = strtoul(user, &end, 10);
	if (end == user || *end != ':' || end[1] == '\0')
		return 1;	/* a name, not ids: the backend's way */
	gid = strtoul(end + 1, &end, 10);
	if (*end != '\0' || uid > 65535 * 65536UL || gid > 65535 * 65536UL)
		return 1;
	mnt = xasprintf("%s/volumes/%s", app->cfg.state_dir, backend);
	pthread_mutex_lock(&vol_lock);
	if (!mounted(mnt))
		r = 1;		/* an engine volume: the backend's way */
	else if (lchown(mnt, (uid_t)uid, (gid_t)gid) != 0)
		r = err_set(ERR_IO, "cannot chown %s: %s", mnt,
		    strerror(errno));
	else
		r = 0;
	pthread_mutex_unlock(&vol_lock);
	free(mnt);
	return r;
}

/* The loop device mounted on mnt, from /proc/self/mountinfo. */
static char *
loop_dev(const char *mnt)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], *dev = NULL;

	if (f == NULL)
		return NULL;
	while (dev == NULL && fgets(line, sizeof line, f) != NULL) {
		char *save = NULL, *tok, *mp = NULL, *sep;
		int i = 0;
		for (tok = strtok_r(line, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save), i++)
			if (i == 4)
				mp = tok;
			else if (strcmp(tok, "-") == 0)
				break;
		if (tok == NULL || mp == NULL || strcmp(mp, mnt) != 0)
			continue;
		strtok_r(NULL, " ", &save);	/* fs type */
		if ((sep = strtok_r(NULL, " ", &save)) != NULL &&
		    strncmp(sep, "/dev/loop", 9) == 0)
			dev = xstrdup(sep);
	}
	fclose(f);
	return dev;
}

/* 1 while loop device dev (/dev/loopN) is still attached. */
static int
loop_attached(const char *dev)
{
	char *p = xasprintf("/sys/block/%s/loop/backing_file", dev + 5);
	int a = access(p, F_OK) == 0;

	free(p);
	return a;
}

static int
grow_offline(const char *img, const char *mnt)
{
	const char *a1[] = { "e2fsck", "-f", "-p", img, NULL };
	const char *a2[] = { "resize2fs", img, NULL };
	int r;

	/* e2fsck: 1 is "errors corrected" (lost+found made again). */
	if ((r = run_ok(a1, 1)) == 0)
		r = run(a2);
	if (mnt != NULL && do_mount(img, mnt) != 0 && r == 0)
		r = ERR_IO;
	return r;
}

int
vol_resize(struct app *app, const char *backend, int64_t gib)
{
	char *dir = vol_dir(app), *img, *mnt, *dev = NULL;
	struct stat sb;
	int64_t bytes = gib << 30, old;
	int r = 0;

	img = xasprintf("%s/%s.img", dir, backend);
	mnt = xasprintf("%s/%s", dir, backend);
	pthread_mutex_lock(&vol_lock);
	if (stat(img, &sb) != 0 || sb.st_size == bytes)
		goto out;
	old = sb.st_size;
	if (bytes < old) {
		r = err_set(ERR_CONFLICT, "a volume can only grow (it is %lld "
		    "GiB; copy the data to a smaller new volume instead)",
		    (long long)(old >> 30));
		goto out;
	}
	if (truncate(img, bytes) != 0) {
		r = err_set(ERR_IO, "cannot grow %s: %s", img, strerror(errno));
		goto out;
	}
	if ((dev = loop_dev(mnt)) == NULL) {
		r = grow_offline(img, NULL);
		goto out;
	}
	{
		const char *a1[] = { "losetup", "-c", dev, NULL };
		const char *a2[] = { "resize2fs", dev, NULL };
		if ((r = run(a1)) == 0 && (r = run(a2)) == 0)
			goto out;
	}
	/* Online growth refused (it needs CAP_SYS_RESOURCE): offline when
	 * no container has the filesystem mounted, i.e. the loop device
	 * goes away once our mount does. */
	umount2(mnt, 0);
	for (int i = 0; i < 250 && loop_attached(dev); i++)
		usleep(20000);
	if (!loop_attached(dev)) {
		r = grow_offline(img, mnt);
		goto out;
	}
	{
		const char *a3[] = { "mount", "-t", "ext4", "-o",
		    "nosuid,nodev", dev, mnt, NULL };
		const char *a4[] = { "losetup", "-c", dev, NULL };
		if (truncate(img, old) == 0)
			run(a4);
		if (run(a3) != 0)
			log_warn("volume %s: cannot mount it back: %s",
			    backend, err_msg());
	}
	r = err_set(ERR_CONFLICT, "this host cannot grow a volume in use "
	    "(online resize is not permitted here): stop the workspaces "
	    "using it, then resize");
out:
	pthread_mutex_unlock(&vol_lock);
	free(dev);
	free(dir);
	free(img);
	free(mnt);
	return r;
}

int
vol_destroy(struct app *app, const char *backend)
{
	char *dir = vol_dir(app), *img, *mnt;
	int r;

	img = xasprintf("%s/%s.img", dir, backend);
	mnt = xasprintf("%s/%s", dir, backend);
	pthread_mutex_lock(&vol_lock);
	if ((r = rt_volume_remove(app->rt, backend)) != 0 && r !=
	    ERR_NOTFOUND)
		goto out;
	do_umount(mnt);
	if (unlink(img) != 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", img, strerror(errno));
	r = 0;
out:
	pthread_mutex_unlock(&vol_lock);
	free(dir);
	free(img);
	free(mnt);
	return r;
}

/* Images and mounts with no volume record (a crash between making one
 * and the record's commit, or after the record went) and half-made
 * images: nothing berth makes is left behind. */
static void
remove_orphans(struct db *db, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char *b, *path, *mnt;
		int known = 0;
		if (n > 8 && strcmp(e->d_name + n - 8, ".img.new") == 0) {
			path = xasprintf("%s/%s", dir, e->d_name);
			unlink(path);
			free(path);
			continue;
		}
		if (n <= 4 || strcmp(e->d_name + n - 4, ".img") != 0 ||
		    e->d_name[0] == '.')
			continue;
		b = xstrndup(e->d_name, n - 4);
		known = size_of(db, b) > 0;
		if (!known) {
			path = xasprintf("%s/%s", dir, e->d_name);
			mnt = xasprintf("%s/%s", dir, b);
			log_info("volume image %s has no record: removed",
			    path);
			do_umount(mnt);
			unlink(path);
			free(path);
			free(mnt);
		}
		free(b);
	}
	closedir(d);
}

void
vol_mount_all(struct app *app, struct db *db)
{
	char *dir = vol_dir(app), **names = NULL;
	size_t n = 0;

	if (db_vol_backends(db, &names, &n) != 0)
		goto out;
	pthread_mutex_lock(&vol_lock);
	for (size_t i = 0; i < n; i++) {
		const char *b = names[i];
		char *img = xasprintf("%s/%s.img", dir, b);
		char *mnt = xasprintf("%s/%s", dir, b);
		if (access(img, F_OK) == 0 && do_mount(img, mnt) != 0)
			log_warn("volume %s: cannot mount: %s", b, err_msg());
		free(img);
		free(mnt);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	remove_orphans(db, dir);
	pthread_mutex_unlock(&vol_lock);
out:
	free(dir);
}
