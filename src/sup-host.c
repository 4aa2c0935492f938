/* sup-host.c: the supervisor's host side (sup-host.h): the binary copied
 * into the state directory (so rebuilding or moving berthd's own files
 * never breaks a workspace's bind mount) and per-workspace run
 * directories. Set up once by the main thread, then read-only. */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "proc-sup.h"
#include "sup-host.h"
#include "timeutil.h"
#include "valid.h"
#include "xmalloc.h"

static char	*sup_root;	/* <state_dir>/sup */
static char	*sup_bin;	/* installed copy, NULL: none */
static int	 remote;	/* sockets on other hosts */

void
sup_host_set_remote(void)
{
	remote = 1;
}

static int
copy_file(const char *from, const char *to)
{
	char *tmp = xasprintf("%s.tmp", to), b[65536];
	int in = -1, out = -1, r = -1;
	ssize_t n;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		goto out;
	(void)unlink(tmp);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0755)) < 0)
		goto out;
	while ((n = read(in, b, sizeof b)) > 0)
		if (write(out, b, (size_t)n) != n)
			goto out;
	if (n < 0 || fchmod(out, 0755) != 0 || fsync(out) != 0)
		goto out;
	close(out);
	out = -1;
	/* rename: a running container keeps the old inode it mounted */
	r = rename(tmp, to);
 out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (r != 0)
		(void)unlink(tmp);
	free(tmp);
	return r;
}

int
sup_host_init(const char *state_dir, const char *binary)
{
	char exe[PATH_MAX], *src = NULL, *slash;
	ssize_t n;

	sup_root = xasprintf("%s/sup", state_dir);
	if (mkdir(sup_root, 0711) != 0 && errno != EEXIST)
		return err_set(ERR_IO, "cannot create %s: %s", sup_root,
		    strerror(errno));
	(void)chmod(sup_root, 0711);
	if (binary == NULL || *binary == '\0' || strcmp(binary, "off") == 0) {
		log_info("supervisor off: processes run through docker exec");
		return 0;
	}
	if (strcmp(binary, "auto") == 0) {
		if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
			return 0;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		src = xasprintf("%s/berth-sup", exe);
		if (access(src, X_OK) != 0) {
			log_warn("no %s: processes run through docker exec",
			    src);
			free(src);
			return 0;
		}
	} else
		src = xstrdup(binary);
	sup_bin = xasprintf("%s/berth-sup", sup_root);
	if (copy_file(src, sup_bin) != 0) {
		int e = errno;
		free(sup_bin);
		sup_bin = NULL;
		err_set(ERR_IO, "cannot install the supervisor %s: %s", src,
		    strerror(e));
		free(src);
		return ERR_IO;
	}
	log_info("supervisor %s installed as %s", src, sup_bin);
	free(src);
	return 0;
}

const char *
sup_host_binary(void)
{
	return sup_bin;
}

static int
ws_id_ok(const char *id)
{
	if (id == NULL || *id == '\0' || strlen(id) > 64)
		return 0;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return 0;
	return 1;
}

int
sup_host_prepare(const char *ws_id, const char *user, char **dirp,
    char secret[65])
{
	unsigned char raw[32];
	char *dir = NULL, *key = NULL, *end;
	long uid = -1, gid = -1;
	int fd = -1, r = 0;

	*dirp = NULL;
	if (sup_root == NULL || !ws_id_ok(ws_id))
		return err_set(ERR_INVAL, "no supervisor directory for '%s'",
		    ws_id ? ws_id : "");
	if (user != NULL && *user != '\0') {
		uid = strtol(user, &end, 10);
		if (end == user || uid < 0)
			uid = -1;
		else if (*end == ':')
			gid = strtol(end + 1, &end, 10);
		if (*end != '\0')
			uid = gid = -1;
	}
	dir = xasprintf("%s/%s", sup_root, ws_id);
	key = xasprintf("%s.key", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		r = err_set(ERR_IO, "cannot create %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	/* The supervisor runs as the container's user and makes its socket
	 * here: that user owns it; with a user we cannot name, a sticky
	 * world-writable directory (as /tmp). */
	if (uid >= 0 && getuid() == 0) {
		if (chown(dir, (uid_t)uid, (gid_t)(gid >= 0 ? gid : uid)) != 0
		    || chmod(dir, 0700) != 0) {
			r = err_set(ERR_IO, "cannot chown %s: %s", dir,
			    strerror(errno));
			goto out;
		}
	} else if (chmod(dir, 01777) != 0) {
		r = err_set(ERR_IO, "cannot chmod %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		r = err_set(ERR_IO, "getrandom: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(secret + 2 * i, 3, "%02x", raw[i]);
	explicit_bzero(raw, sizeof raw);
	if ((fd = open(key, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || write(fd, secret, 64) != 64) {
		r = err_set(ERR_IO, "cannot write %s: %s", key,
		    strerror(errno));
		goto out;
	}
	*dirp = dir;
	dir = NULL;
 out:
	if (fd >= 0)
		close(fd);
	free(dir);
	free(key);
	return r;
}

char *
sup_host_dir(const char *ws_id)
{
	struct stat sb;
	char *dir;

	if (sup_root == NULL || !ws_id_ok(ws_id))
		return NULL;
	dir = xasprintf("%s/%s", sup_root, ws_id);
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		free(dir);
		return NULL;
	}
	return dir;
}

const char *
sup_host_runner(const char *ws_id, int running)
{
	struct stat sb;
	char *sock;
	int ok;

	if (sup_root == NULL || !ws_id_ok(ws_id))
		return "docker-exec";
	if (remote)
		running = 0;	/* its socket is on its node */
	sock = xasprintf("%s/%s%s", sup_root, ws_id, running ? "/sup.sock" :
	    "");
	ok = stat(sock, &sb) == 0 && (running ? S_ISSOCK(sb.st_mode) :
	    S_ISDIR(sb.st_mode));
	free(sock);
	return ok ? "sup" : "docker-exec";
}

/* sup_host_wait on a cluster: through proc-sup, which reaches the
 * supervisor through its node's agent (the run directory there is not
 * dir). */
static int
remote_wait(const char *ws_id, const char *dir, int ms)
{
	int64_t until = mono_ms() + ms;
	int fd = -1, r;

	while ((r = sup_dial_fd(dir, &fd)) != 0 && mono_ms() < until)
		usleep(5000);
	if (r == 0) {
		close(fd);
		return 0;
	}
	log_warn("workspace %s: its supervisor did not answer within %d ms; "
	    "processes use docker exec", ws_id, ms);
	return ERR_TIMEOUT;
}

int
sup_host_wait(const char *ws_id, int ms)
{
	struct sockaddr_un sa;
	int64_t until = mono_ms() + ms;
	char *dir;
	int fd, ok = 0, r;

	if ((dir = sup_host_dir(ws_id)) == NULL)
		return 0;
	if (remote) {
		r = remote_wait(ws_id, dir, ms);
		free(dir);
		return r;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sup.sock",
	    dir) >= sizeof sa.sun_path) {
		free(dir);
		return 0;	/* proc-sup reaches it through an fd */
	}
	free(dir);
	do {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			break;
		ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(fd);
		/* It listens a few ms after the start: look often at
		 * first (the first exec waits on this), then less. */
		if (!ok)
			usleep(mono_ms() + ms - until < 200 ? 1000 : 5000);
	} while (!ok && mono_ms() < until);
	if (!ok)
		log_warn("workspace %s: its supervisor did not answer within "
		    "%d ms; processes use docker exec", ws_id, ms);
	return ok ? 0 : ERR_TIMEOUT;
}

void
sup_host_remove(const char *ws_id)
{
	char *p;

	if (sup_root == NULL || !ws_id_ok(ws_id))
		return;
	p = xasprintf("%s/%s/sup.sock", sup_root, ws_id);
	(void)unlink(p);
	free(p);
	p = xasprintf("%s/%s", sup_root, ws_id);
	if (rmdir(p) != 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", p, strerror(errno));
	free(p);
	p = xasprintf("%s/%s.key", sup_root, ws_id);
	(void)unlink(p);
	free(p);
}
