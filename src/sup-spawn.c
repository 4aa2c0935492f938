/* sup-spawn.c: berth-sup's child side: the environment a process gets, and
 * the keeper (a child subreaper) that forks it as the asked-for user, in
 * its own session, on a pty or pipes. Runs in forked children of berth-sup's
 * loop (sup-main.c); only libc. */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-frame.h"
#include "sup-spawn.h"

void
sup_close_from(int lo, int hi)
{
	/* close_range(2) where the kernel has it; else one by one. */
	if (syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0) == 0)
		return;
	for (int fd = lo; fd <= hi && fd < 4096; fd++)
		(void)close(fd);
}

void
sup_child_signals(void)
{
	sigset_t all;

	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)signal(s, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

/* A "K=V" environment: ours, then the START's entries over it. */
char **
sup_make_env(const struct sup_start *st)
{
	size_t n = 0, m = 0, k;
	char **e;

	while (environ[n] != NULL)
		n++;
	while (st->env[m] != NULL)
		m++;
	if ((e = calloc(n + m + 2, sizeof *e)) == NULL)
		return NULL;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t kl = strcspn(environ[i], "=");
		int over = 0;

		for (size_t j = 0; j < m && !over; j++)
			over = strncmp(st->env[j], environ[i], kl + 1) == 0;
		if (!over)
			e[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		e[k++] = st->env[j];
	if (st->flags & SUP_F_TTY) {
		int has = 0;
		for (size_t i = 0; i < k; i++)
			has |= strncmp(e[i], "TERM=", 5) == 0;
		if (!has)
			e[k++] = "TERM=xterm";
	}
	e[k] = NULL;
	return e;
}

static void __attribute__((noreturn))
exec_child(const struct sup_start *st, char **env, const char *slave,
    int in, int out, int err)
{
	char msg[600];
	int fd, e;

	sup_child_signals();
	(void)setsid();
	if (slave != NULL) {
		if ((fd = open(slave, O_RDWR)) < 0)
			_exit(126);
		(void)ioctl(fd, TIOCSCTTY, 0);
		in = out = err = fd;
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	sup_close_from(3, ~0U >> 1);
	if (st->gid != SUP_ID_NONE && st->gid != getegid()) {
		gid_t g = st->gid;
		if (setgroups(1, &g) != 0 || setgid(st->gid) != 0)
			_exit(126);
	}
	if (st->uid != SUP_ID_NONE && st->uid != geteuid() &&
	    setuid(st->uid) != 0)
		_exit(126);
	if (st->cwd[0] != '\0' && chdir(st->cwd) != 0) {
		e = errno;
		(void)snprintf(msg, sizeof msg, "berth-sup: chdir %s: %s\n",
		    st->cwd, strerror(e));
		(void)write(2, msg, strlen(msg));
		_exit(126);
	}
	environ = env;
	execvp(st->argv[0], st->argv);
	e = errno;
	/* The words runc uses, so callers see the same message either way. */
	if (e == ENOENT && strchr(st->argv[0], '/') == NULL)
		(void)snprintf(msg, sizeof msg, "berth-sup: exec: \"%.200s\": "
		    "executable file not found in $PATH\n", st->argv[0]);
	else
		(void)snprintf(msg, sizeof msg, "berth-sup: exec: \"%.200s\": "
		    "%s\n", st->argv[0], strerror(e));
	(void)write(2, msg, strlen(msg));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* The keeper: a child subreaper under which the process and everything it
 * forks stays; reports the process's pid and wait status, then reaps the
 * rest until none is left. Its signals stay blocked (inherited). */
void
sup_keeper(const struct sup_start *st, char **env, const char *slave, int in,
    int out, int err, int sw)
{
	pid_t pid, r;
	int status;
	uint32_t v;

	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	if ((pid = fork()) < 0)
		_exit(1);
	if (pid == 0)
		exec_child(st, env, slave, in, out, err);
	/* Keep only the status pipe, as fd 3. */
	if (sw != 3) {
		if (dup2(sw, 3) < 0)
			_exit(1);
	}
	sup_close_from(4, ~0U >> 1);
	close(0);
	close(1);
	close(2);
	v = (uint32_t)pid;
	(void)write(3, &v, sizeof v);
	for (;;) {
		r = waitpid(-1, &status, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (r == pid) {
			v = (uint32_t)status;
			(void)write(3, &v, sizeof v);
		}
	}
	_exit(0);
}

int
sup_read_full(int fd, void *b, size_t n)
{
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		r = read(fd, (char *)b + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

int
sup_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
