/* sup-act.c: berth-sup's activity report (ACT_ASK -> ACT, sup-aframe.h):
 * what runs in the workspace and when a tty last had input, for berthd's
 * idle decision (docs/access.md, "What the supervisor adds"). It reads
 * /proc and /dev/pts at each ask and keeps one moment of its own (the
 * last exit). Only berth-sup's single-threaded loop calls it. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sup-act.h"
#include "sup-aframe.h"
#include "sup-frame.h"
#include "sup-int.h"
#include "sup-task.h"

#define MAX_PIDS	8192	/* processes looked at, at most */
#define MAX_TASKS	256	/* task keepers looked at, at most */
#define MAX_DEPTH	512	/* parent links followed, at most */

struct pinfo {
	int		pid, ppid;
	uint64_t	start;		/* epoch s */
};

static int64_t	last_exit;	/* epoch s */

void
sact_note_exit(void)
{
	last_exit = (int64_t)time(NULL);
}

static int
pid_cmp(const void *a, const void *b)
{
	const struct pinfo *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The boot time (epoch s) and clock ticks, for start times. */
static void
boot_clock(int64_t *btime, long *hz)
{
	char line[256];
	FILE *fp;

	*btime = 0;
	*hz = sysconf(_SC_CLK_TCK);
	if (*hz <= 0)
		*hz = 100;
	if ((fp = fopen("/proc/stat", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, fp) != NULL)
		if (strncmp(line, "btime ", 6) == 0) {
			*btime = strtoll(line + 6, NULL, 10);
			break;
		}
	fclose(fp);
}

/* One /proc/PID/stat: 0 with *p, -1 when gone or not running (zombie). */
static int
read_stat(int pid, int64_t btime, long hz, struct pinfo *p)
{
	char path[64], b[1024], *s, *end;
	unsigned long long start;
	ssize_t n;
	int fd, field;

	(void)snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, b, sizeof b - 1);
	close(fd);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	/* The command name may hold anything: fields follow its last ')'. */
	if ((s = strrchr(b, ')')) == NULL || s[1] != ' ')
		return -1;
	s += 2;
	if (*s == 'Z' || *s == 'X' || *s == 'x')
		return -1;
	p->pid = pid;
	p->ppid = (int)strtol(s + 2, &end, 10);
	/* starttime is field 22; s is at field 3. */
	for (field = 3; field < 22 && s != NULL; field++)
		if ((s = strchr(s, ' ')) != NULL)
			s++;
	if (s == NULL)
		return -1;
	start = strtoull(s, NULL, 10);
	p->start = (uint64_t)(btime + (int64_t)(start / (unsigned long)hz));
	return 0;
}

/* Every running process in the container, sorted by pid (malloc). */
static struct pinfo *
list_procs(size_t *np)
{
	struct pinfo *v;
	struct dirent *de;
	int64_t btime;
	long hz;
	size_t n = 0;
	DIR *d;

	*np = 0;
	if ((v = calloc(MAX_PIDS, sizeof *v)) == NULL)
		abort();
	if ((d = opendir("/proc")) == NULL)
		return v;
	boot_clock(&btime, &hz);
	while (n < MAX_PIDS && (de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0)
			continue;
		if (read_stat((int)pid, btime, hz, &v[n]) == 0)
			n++;
	}
	closedir(d);
	qsort(v, n, sizeof *v, pid_cmp);
	*np = n;
	return v;
}

static const struct pinfo *
find(const struct pinfo *v, size_t n, int pid)
{
	struct pinfo key = { .pid = pid };

	return bsearch(&key, v, n, sizeof *v, pid_cmp);
}

static int
in(const int *roots, size_t nroots, int pid)
{
	for (size_t i = 0; i < nroots; i++)
		if (roots[i] == pid)
			return 1;
	return 0;
}

/* Processes outside every tree the supervisor tracks (roots: the keepers
 * of live processes and running tasks, the image's command), other than
 * init, the supervisor and its keepers: what a shell or an exec left
 * behind (its keeper outlived it), what docker exec started. */
static void
background(const int *roots, size_t nroots, uint32_t *count,
    uint64_t *newest)
{
	int self = (int)getpid();
	struct pinfo *v;
	size_t n;

	*count = 0;
	*newest = 0;
	v = list_procs(&n);
	for (size_t i = 0; i < n; i++) {
		const struct pinfo *a = &v[i];
		int depth = 0, bg = 0;

		if (a->pid == 1 || a->pid == self)
			continue;
		while (a != NULL && depth++ < MAX_DEPTH) {
			if (in(roots, nroots, a->pid))
				break;		/* a tracked tree */
			if (a->ppid == self) {
				/* A keeper left over: its tree is. */
				bg = a != &v[i];
				break;
			}
			if (a->ppid <= 1) {
				bg = 1;		/* init's or docker exec's */
				break;
			}
			a = find(v, n, a->ppid);
		}
		if (a == NULL)
			bg = 1;		/* its parent is outside our view */
		if (bg) {
			(*count)++;
			if (v[i].start > *newest)
				*newest = v[i].start;
		}
	}
	free(v);
}

/* The container's ptys and the latest input read on any (the kernel sets
 * a tty's access time when a process reads from it, to 8 s, as w(1)
 * uses it). */
static void
ttys(uint32_t *count, uint64_t *last)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	*count = 0;
	*last = 0;
	if ((d = opendir("/dev/pts")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 ||
		    !S_ISCHR(st.st_mode))
			continue;
		(*count)++;
		if (st.st_atim.tv_sec > 0 &&
		    (uint64_t)st.st_atim.tv_sec > *last)
			*last = (uint64_t)st.st_atim.tv_sec;
	}
	closedir(d);
}

int
sact_frame(const struct sup_frame *f, struct sup_wbuf *wb, int command)
{
	struct sup_act a;
	struct sup_rd r;
	int tk[MAX_TASKS], *roots;
	uint32_t nproc = 0, nsess = 0, cnt;
	uint64_t at, now = (uint64_t)time(NULL);
	size_t n = 0, nroots = 0;
	int ntask;

	sup_rd_init(&r, f);
	(void)sup_get_u32(&r);		/* flags: none yet */
	if (f->type != SUP_ACT_ASK || sup_rd_end(&r) != 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.now = now;
	ntask = stask_running(tk, MAX_TASKS);
	for (struct sproc *p = sup_procs; p != NULL; p = p->next)
		n++;
	if ((roots = calloc(n + MAX_TASKS + 1, sizeof *roots)) == NULL)
		abort();
	for (struct sproc *p = sup_procs; p != NULL; p = p->next) {
		if (p->exited)
			continue;
		/* A terminal session's shell: berthd counts its viewers. */
		if (p->flags & SUP_F_IDLE)
			nsess++;
		else
			nproc++;
		roots[nroots++] = (int)p->keeper;
	}
	for (int i = 0; i < ntask && i < MAX_TASKS; i++)
		roots[nroots++] = tk[i];
	if (command > 0)
		roots[nroots++] = command;
	(void)sup_act_add(&a, "process", nproc, nproc > 0 ? now :
	    (uint64_t)last_exit);
	(void)sup_act_add(&a, "session", nsess, 0);
	ttys(&cnt, &at);
	(void)sup_act_add(&a, "tty", cnt, at);
	(void)sup_act_add(&a, "task", (uint32_t)ntask, ntask > 0 ? now : 0);
	background(roots, nroots, &cnt, &at);
	(void)sup_act_add(&a, "background", cnt, at);
	free(roots);
	sup_act_encode(wb, &a);
	return 0;
}
