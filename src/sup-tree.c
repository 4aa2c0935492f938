/* sup-tree.c: process trees inside the container, for berth-sup. Each
 * process berth-sup starts sits under a keeper that is a child subreaper,
 * so everything the process ever forks (double-forked, setsid'd, env -i'd
 * escapees included) stays a descendant of the keeper; a tree is found by
 * ppid over /proc. One thread (berth-sup's loop). */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-tree.h"

struct ptab {
	pid_t	*pid, *ppid;
	size_t	 n, cap;
};

/* The ppid from /proc/PID/stat: after the last ')' come state and ppid. */
static pid_t
read_ppid(pid_t pid)
{
	char path[64], b[512], *p;
	int fd;
	ssize_t n;
	long v;

	(void)snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	if ((p = strrchr(b, ')')) == NULL || p[1] != ' ' || p[2] == '\0' ||
	    p[3] != ' ')
		return -1;
	v = strtol(p + 4, NULL, 10);
	return v > 0 ? (pid_t)v : 0;
}

static int
ptab_load(struct ptab *t)
{
	DIR *d;
	struct dirent *e;
	char *end;
	long v;
	pid_t pp;

	t->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || v <= 0)
			continue;
		if ((pp = read_ppid((pid_t)v)) < 0)
			continue;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 256;
			pid_t *a = realloc(t->pid, cap * sizeof *a);
			pid_t *b;
			if (a == NULL)
				abort();
			t->pid = a;
			if ((b = realloc(t->ppid, cap * sizeof *b)) == NULL)
				abort();
			t->ppid = b;
			t->cap = cap;
		}
		t->pid[t->n] = (pid_t)v;
		t->ppid[t->n] = pp;
		t->n++;
	}
	closedir(d);
	return 0;
}

static int
has(const pid_t *s, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == p)
			return 1;
	return 0;
}

/* Descendants of root (root excluded) into *out (malloc), count returned. */
static size_t
descendants(struct ptab *t, pid_t root, pid_t **out)
{
	pid_t *s = malloc((t->n + 1) * sizeof *s);
	size_t n = 0, grew = 1;

	if (s == NULL)
		abort();
	while (grew) {
		grew = 0;
		for (size_t i = 0; i < t->n; i++) {
			if (has(s, n, t->pid[i]))
				continue;
			if (t->ppid[i] == root || has(s, n, t->ppid[i])) {
				s[n++] = t->pid[i];
				grew = 1;
			}
		}
	}
	*out = s;
	return n;
}

int
tree_signal(pid_t root, int sig)
{
	struct ptab t = { 0 };
	pid_t *s = NULL, *stopped = NULL;
	size_t n, ns = 0, rounds;

	if (sig != SIGKILL) {
		if (ptab_load(&t) != 0)
			return -1;
		n = descendants(&t, root, &s);
		for (size_t i = 0; i < n; i++)
			(void)kill(s[i], sig);
		free(s);
		free(t.pid);
		free(t.ppid);
		return (int)n;
	}
	/* Stop round by round (a stopped process cannot fork), then kill. */
	for (rounds = 0; rounds < 64; rounds++) {
		size_t fresh = 0;

		if (ptab_load(&t) != 0)
			break;
		free(s);
		n = descendants(&t, root, &s);
		if ((stopped = realloc(stopped, (ns + n + 1) *
		    sizeof *stopped)) == NULL)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (has(stopped, ns, s[i]))
				continue;
			(void)kill(s[i], SIGSTOP);
			stopped[ns++] = s[i];
			fresh++;
		}
		if (fresh == 0)
			break;
	}
	for (size_t i = 0; i < ns; i++)
		(void)kill(stopped[i], SIGKILL);
	for (size_t i = 0; i < ns; i++)
		(void)kill(stopped[i], SIGCONT);
	free(s);
	free(stopped);
	free(t.pid);
	free(t.ppid);
	return (int)ns;
}
