/* sup-task.c: berth-sup's tasks (docs/tasks.md). A task is a process
 * started under a keeper like any other (sup-spawn.c) but owned by no
 * connection: the supervisor reads its output (stdout and stderr on one
 * pipe, or its pty) and appends it to rotating segment files
 * <rundir>/tasks/<tid>/out.<first offset>, keeping the last max_out bytes;
 * a state file records its end. Any connection reads from a byte offset,
 * follows, writes its stdin or kills its tree. Only berth-sup's loop. */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sup-frame.h"
#include "sup-spawn.h"
#include "sup-task.h"
#include "sup-tframe.h"
#include "sup-tree.h"

#define SEGS		4		/* output kept in this many files */
#define SEG_MIN		4096
#define OUT_MAX_DEFAULT	(64ull << 20)
#define CHUNK		(60u << 10)	/* one DATA frame */
#define WB_HIGH		(256u << 10)	/* a reader waits past this */
#define INPUT_MAX	(1u << 20)	/* stdin buffered for a task */
#define LINGER_MS	300		/* output after the exit */
#define TASKS_KEEP	1000		/* ended tasks kept on disk */

struct stask {
	char		 id[SUP_TID_MAX + 1];
	pid_t		 keeper, pid;
	int		 in_fd, out_fd, status_fd, tty;
	uint8_t		*ib;
	size_t		 ilen;
	int		 eof_wanted, kill_sent;
	uint32_t	 state, code, sig;
	int64_t		 started, ended;	/* epoch ms */
	uint64_t	 seg_size;
	uint64_t	 segs[SEGS + 1];
	int		 nseg, seg_fd;
	uint64_t	 out_end;
	struct stask	*next;
};

struct stask_reader {
	char		 id[SUP_TID_MAX + 1];
	uint64_t	 off;
	uint32_t	 flags;
	int		 done;
};

static struct stask	*tasks;
static int		 ntasks;
static int		 tdir = -1;	/* <rundir>/tasks */

static int64_t
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct stask *
find(const char *id)
{
	for (struct stask *t = tasks; t != NULL; t = t->next)
		if (strcmp(t->id, id) == 0)
			return t;
	return NULL;
}

static void
info(const struct stask *t, struct sup_tinfo *i)
{
	memset(i, 0, sizeof *i);
	memcpy(i->id, t->id, sizeof i->id);
	i->state = t->state;
	i->pid = t->pid > 0 ? (uint32_t)t->pid : 0;
	i->started_ms = (uint64_t)t->started;
	i->ended_ms = (uint64_t)t->ended;
	i->code = t->code;
	i->sig = t->sig;
	i->flags = (t->tty ? SUP_TF_TTY : 0) | (t->status_fd >= 0 ?
	    SUP_TF_TREE : 0) | (t->out_fd >= 0 ? SUP_TF_OPEN : 0);
	i->out_start = t->nseg > 0 ? t->segs[0] : t->out_end;
	i->out_end = t->out_end;
}

/* The record a restarted supervisor reads back (tid/state). */
static void
state_write(const struct stask *t)
{
	char path[64], tmp[64], line[256];
	int fd, n;

	(void)snprintf(path, sizeof path, "%s/state", t->id);
	(void)snprintf(tmp, sizeof tmp, "%s/state.tmp", t->id);
	n = snprintf(line, sizeof line, "berth-task 1 %u %d %lld %lld %u %u "
	    "%d\n", t->state, (int)t->pid, (long long)t->started,
	    (long long)t->ended, t->code, t->sig, t->tty);
	if ((fd = openat(tdir, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return;
	if (write(fd, line, (size_t)n) == n)
		(void)renameat(tdir, tmp, tdir, path);
	close(fd);
}

static void
seg_name(const struct stask *t, uint64_t start, char *b, size_t n)
{
	(void)snprintf(b, n, "%s/out.%020llu", t->id,
	    (unsigned long long)start);
}

/* Starts a new segment at out_end; drops the oldest past SEGS. */
static int
seg_next(struct stask *t)
{
	char name[80];

	if (t->seg_fd >= 0)
		close(t->seg_fd);
	seg_name(t, t->out_end, name, sizeof name);
	t->seg_fd = openat(tdir, name, O_WRONLY | O_CREAT | O_TRUNC |
	    O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (t->seg_fd < 0)
		return -1;
	t->segs[t->nseg++] = t->out_end;
	while (t->nseg > SEGS) {
		seg_name(t, t->segs[0], name, sizeof name);
		(void)unlinkat(tdir, name, 0);
		memmove(t->segs, t->segs + 1, (size_t)(t->nseg - 1) *
		    sizeof t->segs[0]);
		t->nseg--;
	}
	return 0;
}

/* Appends output; what cannot be written (a full disk) is dropped. */
static void
out_append(struct stask *t, const uint8_t *b, size_t n)
{
	while (n > 0) {
		uint64_t used = t->nseg > 0 ? t->out_end -
		    t->segs[t->nseg - 1] : t->seg_size;
		size_t k;
		ssize_t w;

		if (t->seg_fd < 0 || used >= t->seg_size) {
			if (seg_next(t) != 0)
				return;
			used = 0;
		}
		k = n;
		if (k > t->seg_size - used)
			k = (size_t)(t->seg_size - used);
		w = write(t->seg_fd, b, k);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		t->out_end += (uint64_t)w;
		b += w;
		n -= (size_t)w;
	}
}

/* Reads output at off from the segment holding it: >0 bytes, 0 when the
 * bytes are gone from disk (the reader skips ahead). */
static ssize_t
read_at(const struct stask *t, uint64_t off, uint8_t *b, size_t n,
    uint64_t *skip_to)
{
	char name[80];
	uint64_t end;
	ssize_t r;
	int i, fd;

	for (i = t->nseg - 1; i > 0 && t->segs[i] > off; i--)
		;
	end = i + 1 < t->nseg ? t->segs[i + 1] : t->out_end;
	*skip_to = end;
	if (t->nseg == 0 || off < t->segs[i] || off >= end)
		return 0;
	if (n > end - off)
		n = (size_t)(end - off);
	seg_name(t, t->segs[i], name, sizeof name);
	if ((fd = openat(tdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	r = pread(fd, b, n, (off_t)(off - t->segs[i]));
	close(fd);
	return r < 0 ? 0 : r;
}

static void
task_free(struct stask *t)
{
	if (t->in_fd >= 0 && t->in_fd != t->out_fd)
		close(t->in_fd);
	if (t->out_fd >= 0)
		close(t->out_fd);
	if (t->status_fd >= 0)
		close(t->status_fd);
	if (t->seg_fd >= 0)
		close(t->seg_fd);
	free(t->ib);
	free(t);
}

static struct stask *
task_new(const char *id)
{
	struct stask *t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		abort();
	memcpy(t->id, id, strlen(id) + 1);
	t->in_fd = t->out_fd = t->status_fd = t->seg_fd = -1;
	t->keeper = t->pid = -1;
	t->next = tasks;
	tasks = t;
	ntasks++;
	return t;
}

/* Removes an ended task's files (the oldest, past TASKS_KEEP). */
static void
prune(void)
{
	struct stask *old = NULL, **pp;
	char name[80];

	if (ntasks < TASKS_KEEP)
		return;
	for (struct stask *t = tasks; t != NULL; t = t->next)
		if (t->state != SUP_T_RUNNING && t->status_fd < 0 &&
		    (old == NULL || t->started < old->started))
			old = t;
	if (old == NULL)
		return;
	for (int i = 0; i < old->nseg; i++) {
		seg_name(old, old->segs[i], name, sizeof name);
		(void)unlinkat(tdir, name, 0);
	}
	(void)snprintf(name, sizeof name, "%s/state", old->id);
	(void)unlinkat(tdir, name, 0);
	(void)unlinkat(tdir, old->id, AT_REMOVEDIR);
	for (pp = &tasks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == old) {
			*pp = old->next;
			break;
		}
	ntasks--;
	task_free(old);
}

/* ---- restart: what a previous supervisor left ------------------------ */

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
load_one(const char *id)
{
	struct stask *t;
	struct dirent *e;
	struct stat sb;
	uint64_t *all = NULL;
	size_t n = 0, cap = 0;
	char b[256], name[80];
	unsigned st, code, sig;
	long long started, ended;
	int fd, dfd, pid, tty;
	ssize_t r;
	DIR *d;

	(void)snprintf(name, sizeof name, "%.32s/state", id);
	if ((fd = openat(tdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	r = read(fd, b, sizeof b - 1);
	close(fd);
	if (r <= 0)
		return;
	b[r] = '\0';
	if (sscanf(b, "berth-task 1 %u %d %lld %lld %u %u %d", &st, &pid,
	    &started, &ended, &code, &sig, &tty) != 7 || st >= SUP_T_NSTATES)
		return;
	if ((dfd = openat(tdir, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	t = task_new(id);
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long long v;

		if (strncmp(e->d_name, "out.", 4) != 0)
			continue;
		v = strtoull(e->d_name + 4, &end, 10);
		if (*end != '\0')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((all = realloc(all, cap * sizeof *all)) == NULL)
				abort();
		}
		all[n++] = v;
	}
	closedir(d);
	if (n > 0)
		qsort(all, n, sizeof *all, u64cmp);
	for (size_t i = n > SEGS ? n - SEGS : 0; i < n; i++)
		t->segs[t->nseg++] = all[i];
	if (t->nseg > 0) {
		seg_name(t, t->segs[t->nseg - 1], name, sizeof name);
		if (fstatat(tdir, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			t->out_end = t->segs[t->nseg - 1] +
			    (uint64_t)sb.st_size;
		else
			t->out_end = t->segs[t->nseg - 1];
	}
	free(all);
	t->pid = pid;
	t->tty = tty != 0;
	t->started = started;
	t->ended = ended;
	t->code = code;
	t->sig = sig;
	t->state = st;
	if (st == SUP_T_RUNNING) {
		/* It ran in a container that is gone now. */
		t->state = SUP_T_LOST;
		t->ended = epoch_ms();
		state_write(t);
	}
}

void
stask_init(const char *rundir)
{
	struct dirent *e;
	char path[256];
	DIR *d;
	int fd;

	(void)snprintf(path, sizeof path, "%s/tasks", rundir);
	(void)mkdir(path, 0700);
	if ((tdir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return;
	if ((fd = dup(tdir)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (sup_tid_ok(e->d_name, strlen(e->d_name)))
			load_one(e->d_name);
	closedir(d);
}

/* ---- starting one ---------------------------------------------------- */

/* Starts it: 0, or an errno with *what naming the step. */
static int
spawn(struct stask *t, struct sup_start *st, const char **what)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, pst[2] = { -1, -1 };
	int master = -1, e = 0;
	char slave[64], **env = NULL;
	uint32_t pid;
	pid_t k;

	st->flags |= SUP_F_STDIN;
	*what = "start";
	if ((env = sup_make_env(st)) == NULL)
		return ENOMEM;
	if (st->flags & SUP_F_TTY) {
		struct winsize ws = { .ws_row = (unsigned short)st->rows,
		    .ws_col = (unsigned short)st->cols };

		*what = "pty";
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) != 0 ||
		    unlockpt(master) != 0 ||
		    ptsname_r(master, slave, sizeof slave) != 0) {
			e = errno;
			goto fail;
		}
		if (st->rows > 0 && st->cols > 0)
			(void)ioctl(master, TIOCSWINSZ, &ws);
	} else {
		*what = "pipe";
		if (pipe2(pin, O_CLOEXEC) != 0 ||
		    pipe2(pout, O_CLOEXEC) != 0) {
			e = errno;
			goto fail;
		}
	}
	if (pipe2(pst, O_CLOEXEC) != 0) {
		e = errno;
		goto fail;
	}
	*what = "fork";
	if ((k = fork()) < 0) {
		e = errno;
		goto fail;
	}
	if (k == 0)
		/* stdout and stderr share one pipe: one stream, one order. */
		sup_keeper(st, env, master >= 0 ? slave : NULL, pin[0],
		    pout[1], pout[1], pst[1]);
	close(pst[1]);
	pst[1] = -1;
	if (sup_read_full(pst[0], &pid, sizeof pid) != 0) {
		e = EIO;
		(void)waitpid(k, NULL, 0);
		goto fail;
	}
	t->keeper = k;
	t->pid = (pid_t)pid;
	t->status_fd = pst[0];
	if (master >= 0) {
		t->tty = 1;
		t->in_fd = t->out_fd = master;
	} else {
		close(pin[0]);
		close(pout[1]);
		t->in_fd = pin[1];
		t->out_fd = pout[0];
		(void)sup_set_nonblock(t->in_fd);
	}
	(void)sup_set_nonblock(t->out_fd);
	(void)sup_set_nonblock(t->status_fd);
	free(env);
	return 0;
 fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (pst[i] >= 0)
			close(pst[i]);
	}
	if (master >= 0)
		close(master);
	free(env);
	return e ? e : EIO;
}

static int
put_error(struct sup_wbuf *wb, int e, const char *msg)
{
	size_t m = sup_put_begin(wb, SUP_ERROR);

	sup_put_u32(wb, (uint32_t)e);
	sup_put_str(wb, msg, strlen(msg));
	sup_put_end(wb, m);
	return 1;
}

static void
put_info(struct sup_wbuf *wb, int type, const struct stask *t)
{
	struct sup_tinfo i;
	size_t m = sup_put_begin(wb, type);

	info(t, &i);
	sup_tinfo_put(wb, &i);
	sup_put_end(wb, m);
}

static int
start_task(const struct sup_frame *f, struct sup_wbuf *wb)
{
	struct sup_start st;
	struct stask *t;
	char tid[SUP_TID_MAX + 1], msg[128];
	const char *what;
	uint64_t max;
	int e;

	if (sup_tstart_decode(f, tid, &max, &st) != 0)
		return -1;
	if (tdir < 0) {
		sup_start_clear(&st);
		return put_error(wb, EIO, "the supervisor has no tasks "
		    "directory");
	}
	if (find(tid) != NULL) {
		sup_start_clear(&st);
		return put_error(wb, EEXIST, "a task with that id exists");
	}
	if (geteuid() != 0 && ((st.uid != SUP_ID_NONE && st.uid !=
	    geteuid()) || (st.gid != SUP_ID_NONE && st.gid != getegid()))) {
		sup_start_clear(&st);
		return put_error(wb, EPERM, "the supervisor runs as the "
		    "workspace user and starts processes only as that user");
	}
	prune();
	if (mkdirat(tdir, tid, 0700) != 0) {
		e = errno;
		sup_start_clear(&st);
		(void)snprintf(msg, sizeof msg, "task directory: %s",
		    strerror(e));
		return put_error(wb, e, msg);
	}
	t = task_new(tid);
	if (max == 0)
		max = OUT_MAX_DEFAULT;
	t->seg_size = max / SEGS < SEG_MIN ? SEG_MIN : max / SEGS;
	t->started = epoch_ms();
	t->tty = (st.flags & SUP_F_TTY) != 0;
	if ((e = spawn(t, &st, &what)) != 0) {
		(void)snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
		t->state = SUP_T_LOST;
		t->ended = epoch_ms();
		t->code = 255;
		state_write(t);
		sup_start_clear(&st);
		return put_error(wb, e, msg);
	}
	(void)seg_next(t);
	state_write(t);
	sup_start_clear(&st);
	put_info(wb, SUP_TASK_INFO, t);
	return 0;
}

/* ---- frames ---------------------------------------------------------- */

static int
get_tid(struct sup_rd *r, char tid[SUP_TID_MAX + 1], int empty_ok)
{
	const uint8_t *s;
	size_t n;

	s = sup_get_str(r, &n);
	if (r->bad)
		return -1;
	if (n == 0 && empty_ok) {
		tid[0] = '\0';
		return 0;
	}
	if (!sup_tid_ok((const char *)s, n))
		return -1;
	memcpy(tid, s, n);
	tid[n] = '\0';
	return 0;
}

int
stask_frame(const struct sup_frame *f, struct sup_wbuf *wb,
    struct stask_reader **rdp)
{
	struct sup_rd r;
	struct stask *t;
	struct stask_reader *rd;
	char tid[SUP_TID_MAX + 1];
	uint32_t a, b;
	uint64_t off, replay;
	const uint8_t *in;
	size_t m, n;
	uint32_t cnt = 0;

	if (f->type == SUP_TASK_START)
		return start_task(f, wb);
	sup_rd_init(&r, f);
	if (get_tid(&r, tid, f->type == SUP_TASK_LIST) != 0)
		return -1;
	t = tid[0] != '\0' ? find(tid) : NULL;
	switch (f->type) {
	case SUP_TASK_LIST:
		if (sup_rd_end(&r) != 0)
			return -1;
		if (tid[0] != '\0' && t == NULL)
			return put_error(wb, ENOENT, "no such task");
		m = sup_put_begin(wb, SUP_TASKS);
		for (struct stask *q = tasks; q != NULL; q = q->next)
			cnt += t == NULL || q == t;
		sup_put_u32(wb, cnt);
		for (struct stask *q = tasks; q != NULL; q = q->next)
			if (t == NULL || q == t) {
				struct sup_tinfo i;
				info(q, &i);
				sup_tinfo_put(wb, &i);
			}
		sup_put_end(wb, m);
		return 0;
	case SUP_TASK_READ:
		off = sup_get_u64(&r);
		a = sup_get_u32(&r);
		replay = sup_get_u64(&r);
		if (sup_rd_end(&r) != 0)
			return -1;
		if (t == NULL)
			return put_error(wb, ENOENT, "no such task");
		if ((rd = *rdp) == NULL && (rd = *rdp = calloc(1,
		    sizeof *rd)) == NULL)
			abort();
		memcpy(rd->id, tid, sizeof rd->id);
		rd->flags = a;
		rd->done = 0;
		rd->off = off;
		if (a & SUP_TR_ATTACH) {
			uint64_t first = t->nseg > 0 ? t->segs[0] :
			    t->out_end;
			rd->off = t->out_end - first < replay ? first :
			    t->out_end - replay;
		}
		return 0;
	case SUP_TASK_INPUT:
		a = sup_get_u32(&r);
		in = sup_get_str(&r, &n);
		if (sup_rd_end(&r) != 0)
			return -1;
		if (t == NULL)
			return (a & SUP_TI_QUIET) ? 0 :
			    put_error(wb, ENOENT, "no such task");
		if (t->in_fd < 0 || t->state != SUP_T_RUNNING ||
		    (t->eof_wanted && n > 0)) {
			if (a & SUP_TI_QUIET)
				return 0;
			return put_error(wb, EPIPE, "the task's stdin is "
			    "closed");
		}
		if (t->ilen + n > INPUT_MAX) {
			if (a & SUP_TI_QUIET)
				return 0;
			return put_error(wb, EAGAIN, "the task is not reading "
			    "its stdin (1 MiB waiting)");
		}
		if (n > 0) {
			uint8_t *nb = realloc(t->ib, t->ilen + n);
			if (nb == NULL)
				abort();
			t->ib = nb;
			memcpy(t->ib + t->ilen, in, n);
			t->ilen += n;
		}
		if (a & SUP_TI_EOF)
			t->eof_wanted = 1;
		if (!(a & SUP_TI_QUIET))
			put_info(wb, SUP_TASK_INFO, t);
		return 0;
	case SUP_TASK_RESIZE:
		a = sup_get_u32(&r);
		b = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0)
			return -1;
		if (t != NULL && t->tty && t->out_fd >= 0 && a > 0 && b > 0 &&
		    a <= 0xffff && b <= 0xffff) {
			struct winsize ws = { .ws_row = (unsigned short)a,
			    .ws_col = (unsigned short)b };
			(void)ioctl(t->out_fd, TIOCSWINSZ, &ws);
		}
		return 0;
	case SUP_TASK_KILL:
		a = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || a == 0 || a >= NSIG)
			return -1;
		if (t == NULL)
			return put_error(wb, ENOENT, "no such task");
		if (t->status_fd >= 0 && t->keeper > 0) {
			if (t->state == SUP_T_RUNNING && a != SIGCONT &&
			    a != SIGWINCH && a != SIGUSR1 && a != SIGUSR2 &&
			    a != SIGSTOP && a != SIGTSTP)
				t->kill_sent = 1;
			(void)tree_signal(t->keeper, (int)a);
		}
		put_info(wb, SUP_TASK_INFO, t);
		return 0;
	default:
		return -1;
	}
}

/* ---- the loop's part ------------------------------------------------- */

int
stask_npoll(void)
{
	return 3 * ntasks;
}

void
stask_poll_fill(void *v, int *n)
{
	struct pollfd *pf = v;

	for (struct stask *t = tasks; t != NULL; t = t->next) {
		pf[(*n)++] = (struct pollfd){ .fd = t->out_fd,
		    .events = POLLIN };
		pf[(*n)++] = (struct pollfd){ .fd = t->ilen > 0 ? t->in_fd :
		    -1, .events = POLLOUT };
		pf[(*n)++] = (struct pollfd){ .fd = t->status_fd,
		    .events = POLLIN };
	}
}

static void
t_output(struct stask *t)
{
	static uint8_t b[CHUNK];
	ssize_t n;

	for (int round = 0; round < 4 && t->out_fd >= 0; round++) {
		n = read(t->out_fd, b, sizeof b);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			/* EOF, or EIO from a pty nobody holds any more */
			if (t->in_fd == t->out_fd)
				t->in_fd = -1;
			close(t->out_fd);
			t->out_fd = -1;
			return;
		}
		out_append(t, b, (size_t)n);
	}
}

static void
t_input(struct stask *t)
{
	ssize_t n;

	if (t->ilen > 0 && t->in_fd >= 0) {
		n = write(t->in_fd, t->ib, t->ilen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			n = (ssize_t)t->ilen;	/* EPIPE: dropped */
		memmove(t->ib, t->ib + n, t->ilen - (size_t)n);
		t->ilen -= (size_t)n;
	}
	if (t->ilen == 0 && t->eof_wanted && t->in_fd >= 0) {
		if (t->tty)
			(void)write(t->in_fd, "\004", 1);
		else {
			close(t->in_fd);
			t->in_fd = -1;
		}
		t->eof_wanted = 0;
	}
}

static void
t_status(struct stask *t)
{
	uint32_t v;
	ssize_t n = read(t->status_fd, &v, sizeof v);
	int ws;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof v && t->state == SUP_T_RUNNING) {
		ws = (int)v;
		if (WIFSIGNALED(ws)) {
			t->sig = (uint32_t)WTERMSIG(ws);
			t->code = 128 + t->sig;
		} else
			t->code = (uint32_t)WEXITSTATUS(ws);
		t->state = t->kill_sent ? SUP_T_KILLED : SUP_T_EXITED;
		t->ended = epoch_ms();
		state_write(t);
		return;
	}
	if (n == (ssize_t)sizeof v)
		return;
	/* The keeper is gone: every process of the tree was reaped. */
	close(t->status_fd);
	t->status_fd = -1;
	t->keeper = -1;
	if (t->state == SUP_T_RUNNING) {
		t->state = t->kill_sent ? SUP_T_KILLED : SUP_T_LOST;
		t->code = 255;
		t->ended = epoch_ms();
		state_write(t);
	}
	if (!t->tty && t->in_fd >= 0) {
		close(t->in_fd);
		t->in_fd = -1;
	}
}

void
stask_service(int64_t now_ms)
{
	(void)now_ms;
	for (struct stask *t = tasks; t != NULL; t = t->next) {
		if (t->out_fd >= 0)
			t_output(t);
		if (t->status_fd >= 0)
			t_status(t);
		t_input(t);
		/* A tree that is gone leaves a tty's output to drain only. */
		if (t->status_fd < 0 && t->out_fd >= 0 && t->ended > 0 &&
		    epoch_ms() - t->ended > 5000) {
			if (t->in_fd == t->out_fd)
				t->in_fd = -1;
			close(t->out_fd);
			t->out_fd = -1;
		}
		if (t->out_fd < 0 && t->status_fd < 0 && t->seg_fd >= 0) {
			close(t->seg_fd);
			t->seg_fd = -1;
		}
	}
}

int
stask_timeout(void)
{
	for (struct stask *t = tasks; t != NULL; t = t->next)
		if (t->state != SUP_T_RUNNING && (t->out_fd >= 0 ||
		    t->status_fd >= 0))
			return 100;
	return -1;
}

/* The task has ended and its output is all on disk (or whatever still
 * holds its output has had LINGER_MS since the exit). */
static int
finished(const struct stask *t)
{
	if (t->state == SUP_T_RUNNING)
		return 0;
	return t->out_fd < 0 || epoch_ms() - t->ended >= LINGER_MS;
}

void
stask_reader_pump(struct stask_reader *rd, struct sup_wbuf *wb)
{
	static uint8_t b[CHUNK];
	struct stask *t;
	uint64_t first, skip;
	ssize_t n;
	size_t m;

	if (rd == NULL || rd->done)
		return;
	if ((t = find(rd->id)) == NULL) {
		rd->done = 1;
		(void)put_error(wb, ENOENT, "the task is gone");
		return;
	}
	while (wb->len < WB_HIGH) {
		first = t->nseg > 0 ? t->segs[0] : t->out_end;
		if (rd->off < first)
			rd->off = first;
		if (rd->off < t->out_end) {
			n = read_at(t, rd->off, b, sizeof b, &skip);
			if (n <= 0) {
				rd->off = skip > rd->off ? skip : t->out_end;
				continue;
			}
			m = sup_put_begin(wb, SUP_TASK_DATA);
			sup_put_u64(wb, rd->off);
			sup_put_str(wb, b, (size_t)n);
			sup_put_end(wb, m);
			rd->off += (uint64_t)n;
			continue;
		}
		if (!(rd->flags & SUP_TR_FOLLOW) || finished(t)) {
			put_info(wb, SUP_TASK_END, t);
			rd->done = 1;
		}
		return;
	}
}

void
stask_reader_free(struct stask_reader *rd)
{
	free(rd);
}

int
stask_running(int *keepers, int max)
{
	int n = 0;

	for (struct stask *t = tasks; t != NULL; t = t->next)
		if (t->state == SUP_T_RUNNING) {
			if (n < max)
				keepers[n] = (int)t->keeper;
			n++;
		}
	return n;
}
