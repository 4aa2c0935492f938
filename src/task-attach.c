/* task-attach.c: a viewer attached to a running task, as a proc.h process
 * (its own runner, "task-attach"), so the browser terminal (term-*.c)
 * and the SSH gateway (`ssh -t ws@host attach TID`, ssh-chan.c) attach to
 * a task as they run a shell: output is the task's, from its last
 * TASK_ATTACH_REPLAY bytes on, then as it is written; input goes to its
 * stdin; a resize to its pty; the exit status is the task's. Freeing it
 * detaches: the task runs on. Any thread; one owner at a time. */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "proc.h"
#include "sup-host.h"
#include "sup-tframe.h"
#include "task-sup.h"
#include "task.h"
#include "xmalloc.h"

#define TASK_ATTACH_REPLAY	(64u << 10)

struct proc {
	const struct proc_ops	*ops;	/* first: struct proc_base */
	struct tsup		*rd;
	int			 nonblock;
	uint8_t			*pend;		/* output not yet read */
	size_t			 npend, pcap, poff;
	int			 ended, status;
};

static int
a_fd(const struct proc *p)
{
	return tsup_fd(p->rd);
}

static int
a_set_nonblock(struct proc *p, int on)
{
	p->nonblock = on != 0;
	return 0;
}

/* Takes the next piece: 1 output, 0 nothing yet or the end, <0 error. */
static int
a_take(struct proc *p, int wait_ms)
{
	struct sup_tinfo end;
	const uint8_t *d;
	uint64_t off;
	size_t n;
	int k;

	k = tsup_next(p->rd, wait_ms, &off, &d, &n, &end);
	if (k < 0)
		return k;
	if (k == 2) {
		p->ended = 1;
		p->status = end.state == SUP_T_LOST ? 255 : (int)end.code;
		return 0;
	}
	if (k == 1) {
		if (n > p->pcap) {
			p->pcap = n;
			p->pend = xrealloc(p->pend, p->pcap);
		}
		memcpy(p->pend, d, n);
		p->npend = n;
		p->poff = 0;
		return 1;
	}
	return 0;
}

static ssize_t
a_read(struct proc *p, int *stream, void *buf, size_t len)
{
	int k;

	for (;;) {
		if (p->npend > 0) {
			size_t n = p->npend < len ? p->npend : len;

			memcpy(buf, p->pend + p->poff, n);
			p->poff += n;
			p->npend -= n;
			if (stream != NULL)
				*stream = PROC_STDOUT;
			return (ssize_t)n;
		}
		if (p->ended)
			return 0;
		if ((k = a_take(p, p->nonblock ? 0 : -1)) < 0)
			return k;
		if (k == 0 && !p->ended && p->nonblock)
			return ERR_AGAIN;
	}
}

static ssize_t
a_write(struct proc *p, const void *b, size_t n)
{
	int r;

	if (p->ended)
		return err_set(ERR_EOF, "the task has ended");
	if ((r = tsup_send_input(p->rd, b, n, 0)) != 0)
		return r;
	return (ssize_t)n;
}

static int
a_close_stdin(struct proc *p)
{
	return p->ended ? 0 : tsup_send_input(p->rd, "", 0, 1);
}

static int
a_resize(struct proc *p, unsigned rows, unsigned cols)
{
	if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
		return err_set(ERR_INVAL, "bad terminal size %ux%u", cols,
		    rows);
	return p->ended ? 0 : tsup_send_resize(p->rd, rows, cols);
}

/* A viewer does not signal the task: DELETE .../tasks/{tid} does. */
static int
a_signal(struct proc *p, int sig)
{
	(void)p;
	(void)sig;
	return 0;
}

static int
a_wait(struct proc *p, int timeout_ms, int *status)
{
	int k;

	while (!p->ended) {
		p->npend = 0;
		if ((k = a_take(p, timeout_ms)) < 0)
			return k;
		if (k == 0 && !p->ended)
			return err_set(ERR_TIMEOUT, "the task still runs");
	}
	*status = p->status;
	return 0;
}

static void
a_free(struct proc *p)
{
	if (p == NULL)
		return;
	tsup_free(p->rd);
	free(p->pend);
	free(p);
}

static const struct proc_ops attach_ops = {
	"task-attach", a_fd, a_set_nonblock, a_read, a_write, a_close_stdin,
	a_resize, a_signal, a_wait, a_free
};

int
task_attach(struct db *db, const char *ws_id, const char *ref,
    unsigned rows, unsigned cols, struct proc **pp)
{
	struct db_task t;
	struct proc *p;
	char *dir = NULL;
	int rc;

	*pp = NULL;
	if ((rc = db_task_get(db, ws_id, ref, &t)) != 0)
		return rc;
	if (strcmp(t.state, "running") != 0) {
		rc = err_set(ERR_CONFLICT, "task %s has %s; nothing to "
		    "attach to (its output: GET .../tasks/%s/output)", t.id,
		    t.state, t.id);
		goto out;
	}
	if ((dir = sup_host_dir(ws_id)) == NULL) {
		rc = err_set(ERR_CONFLICT, "the workspace has no supervisor");
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	p->ops = &attach_ops;
	if ((rc = tsup_read_open(dir, t.id, 0, SUP_TR_FOLLOW | SUP_TR_ATTACH,
	    TASK_ATTACH_REPLAY, &p->rd)) != 0) {
		free(p);
		goto out;
	}
	if (t.tty && rows > 0 && cols > 0)
		(void)tsup_send_resize(p->rd, rows, cols);
	*pp = p;
 out:
	free(dir);
	db_task_clear(&t);
	return rc;
}
