/* sup-proc.c: the processes berth-sup runs (docs/exec.md): START forks
 * a keeper (sup-spawn.c) that runs the command as the workspace's user in
 * a pty or pipes; its output is read within the connection's credit, its
 * stdin written, its exit reported; a kept process outlives its
 * connection and can be taken over (REATTACH) with its last output. */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sup-act.h"
#include "sup-frame.h"
#include "sup-int.h"
#include "sup-put.h"
#include "sup-spawn.h"
#include "sup-tree.h"

/* ---- processes ---------------------------------------------------- */

void
sproc_kill(struct sproc *p, int sig)
{
	if (p->keeper > 0)
		(void)tree_signal(p->keeper, sig);
}

void
sproc_free(struct sproc *p)
{
	struct sproc **pp;

	for (pp = &sup_procs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->c != NULL)
		p->c->p = NULL;
	if (p->in_fd >= 0 && p->in_fd != p->out_fd[1])
		close(p->in_fd);
	for (int i = 1; i <= 2; i++)
		if (p->out_fd[i] >= 0)
			close(p->out_fd[i]);
	if (p->status_fd >= 0)
		close(p->status_fd);
	free(p->ib);
	free(p->ring);
	free(p->argv0);
	free(p);
}

/* Keeps the last SUP_RING bytes of a SUP_F_IDLE process's output. */
static void
ring_add(struct sproc *p, const uint8_t *b, size_t n)
{
	if (p->ring == NULL && (p->ring = malloc(SUP_RING)) == NULL)
		abort();
	if (n >= SUP_RING) {
		memcpy(p->ring, b + n - SUP_RING, SUP_RING);
		p->nring = SUP_RING;
		return;
	}
	if (p->nring + n > SUP_RING) {
		memmove(p->ring, p->ring + (p->nring + n - SUP_RING),
		    SUP_RING - n);
		p->nring = SUP_RING - n;
	}
	memcpy(p->ring + p->nring, b, n);
	p->nring += n;
}

/* REATTACH: c takes over process id, which no connection holds. */
void
sproc_reattach(struct conn *c, uint64_t id)
{
	struct sproc *p;
	size_t m;

	for (p = sup_procs; p != NULL; p = p->next)
		if (p->id == id && (p->flags & SUP_F_IDLE) && p->c == NULL &&
		    !p->exited)
			break;
	if (p == NULL) {
		sup_send_error(c, ENOENT, "no such process to reattach");
		return;
	}
	p->c = c;
	c->p = p;
	c->had_proc = 1;
	p->credit[1] = p->credit[2] = SUP_WINDOW;
	p->deadline = 0;
	m = sup_put_begin(&c->wb, SUP_STARTED);
	sup_put_u32(&c->wb, (uint32_t)p->pid);
	sup_put_u64(&c->wb, p->id);
	sup_put_end(&c->wb, m);
	if (p->nring > 0) {
		sup_queue(c, SUP_STDOUT, p->ring, p->nring);
		p->credit[1] -= (uint32_t)p->nring;
	}
}

void
sproc_start(struct conn *c, struct sup_start *st)
{
	struct sproc *p = NULL;
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int pst[2] = { -1, -1 }, master = -1, e = 0;
	char slave[64], **env = NULL;
	const char *what = "start";
	uint32_t pid;
	pid_t k;
	size_t m;

	if (geteuid() != 0 && ((st->uid != SUP_ID_NONE &&
	    st->uid != geteuid()) || (st->gid != SUP_ID_NONE &&
	    st->gid != getegid()))) {
		sup_send_error(c, EPERM, "the supervisor runs as the workspace "
		    "user and starts processes only as that user");
		return;
	}
	if ((env = sup_make_env(st)) == NULL) {
		e = ENOMEM;
		goto fail;
	}
	if (st->flags & SUP_F_TTY) {
		struct winsize ws = { .ws_row = (unsigned short)st->rows,
		    .ws_col = (unsigned short)st->cols };

		what = "pty";
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 ||
		    grantpt(master) != 0 || unlockpt(master) != 0 ||
		    ptsname_r(master, slave, sizeof slave) != 0) {
			e = errno;
			goto fail;
		}
		if (st->rows > 0 && st->cols > 0)
			(void)ioctl(master, TIOCSWINSZ, &ws);
	} else {
		what = "pipe";
		if (pipe2(pout, O_CLOEXEC) != 0 ||
		    pipe2(perr, O_CLOEXEC) != 0) {
			e = errno;
			goto fail;
		}
		if (st->flags & SUP_F_STDIN) {
			if (pipe2(pin, O_CLOEXEC) != 0) {
				e = errno;
				goto fail;
			}
		} else if ((pin[0] = open("/dev/null", O_RDONLY |
		    O_CLOEXEC)) < 0) {
			e = errno;
			goto fail;
		}
		/* Bulk copies (files, cat) move in fewer, larger pieces;
		 * best effort (fs.pipe-max-size). */
		(void)fcntl(pout[0], F_SETPIPE_SZ, PIPE_BIG);
		if (st->flags & SUP_F_STDIN)
			(void)fcntl(pin[0], F_SETPIPE_SZ, PIPE_BIG);
	}
	if (pipe2(pst, O_CLOEXEC) != 0) {
		e = errno;
		goto fail;
	}
	what = "fork";
	if ((k = fork()) < 0) {
		e = errno;
		goto fail;
	}
	if (k == 0)
		sup_keeper(st, env, master >= 0 ? slave : NULL, pin[0], pout[1],
		    perr[1], pst[1]);
	close(pst[1]);
	pst[1] = -1;
	if (sup_read_full(pst[0], &pid, sizeof pid) != 0) {
		e = EIO;
		(void)waitpid(k, NULL, 0);
		goto fail;
	}
	if ((p = calloc(1, sizeof *p)) == NULL)
		abort();
	p->id = sup_next_id++;
	p->keeper = k;
	p->pid = (pid_t)pid;
	p->tty = master >= 0;
	p->status_fd = pst[0];
	if (p->tty) {
		p->in_fd = (st->flags & SUP_F_STDIN) ? master : -1;
		p->out_fd[1] = master;
		p->out_fd[2] = -1;
	} else {
		close(pin[0]);
		close(pout[1]);
		close(perr[1]);
		p->in_fd = pin[1];
		p->out_fd[1] = pout[0];
		p->out_fd[2] = perr[0];
	}
	for (int i = 1; i <= 2; i++)
		if (p->out_fd[i] >= 0)
			(void)sup_set_nonblock(p->out_fd[i]);
	if (p->in_fd >= 0 && !p->tty)
		(void)sup_set_nonblock(p->in_fd);
	(void)sup_set_nonblock(p->status_fd);
	p->credit[1] = p->credit[2] = SUP_WINDOW;
	p->flags = st->flags;
	p->timeout_ms = st->timeout_ms;
	p->deadline = st->timeout_ms && !(st->flags & SUP_F_IDLE) ?
	    sup_now_ms() + st->timeout_ms : 0;
	p->started = (int64_t)time(NULL);
	p->argv0 = strdup(st->argv[0]);
	p->c = c;
	p->next = sup_procs;
	sup_procs = p;
	c->p = p;
	c->had_proc = 1;
	m = sup_put_begin(&c->wb, SUP_STARTED);
	sup_put_u32(&c->wb, pid);
	sup_put_u64(&c->wb, p->id);
	sup_put_end(&c->wb, m);
	free(env);
	return;
 fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (pst[i] >= 0)
			close(pst[i]);
	}
	if (master >= 0)
		close(master);
	free(env);
	{
		char msg[128];
		(void)snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
		sup_send_error(c, e, msg);
	}
}

void
sproc_list(struct conn *c)
{
	size_t m = sup_put_begin(&c->wb, SUP_PROCS);
	uint32_t n = 0;

	for (struct sproc *p = sup_procs; p != NULL; p = p->next)
		n += !p->exited;
	sup_put_u32(&c->wb, n);
	for (struct sproc *p = sup_procs; p != NULL; p = p->next) {
		if (p->exited)
			continue;
		sup_put_u64(&c->wb, p->id);
		sup_put_u32(&c->wb, (uint32_t)p->pid);
		sup_put_u64(&c->wb, (uint64_t)p->started);
		sup_put_u32(&c->wb, p->timeout_ms);
		sup_put_u32(&c->wb, p->flags | (p->c == NULL ? 0x100 : 0));
		sup_put_str(&c->wb, p->argv0, p->argv0 ? strlen(p->argv0) : 0);
	}
	sup_put_end(&c->wb, m);
}

/* ---- the process side --------------------------------------------- */

void
sproc_output(struct sproc *p, int i, int64_t now)
{
	static uint8_t b[SUP_DATA_MAX];
	size_t want = SUP_DATA_MAX;
	ssize_t n;

	if (p->c != NULL) {
		if (p->credit[i] == 0)
			return;
		if (want > p->credit[i])
			want = p->credit[i];
	}
	n = read(p->out_fd[i], b, want);
	if (n < 0 && errno == EINTR)
		return;
	if (n < 0 && errno == EAGAIN) {
		/* Only background processes hold it after the exit. */
		if (p->exited && now >= p->exit_at + LINGER_MS)
			goto eof;
		return;
	}
	if (n <= 0)
		goto eof;	/* EOF, or EIO from a pty without slaves */
	if (p->flags & SUP_F_IDLE)
		ring_add(p, b, (size_t)n);
	if (p->c != NULL) {
		sup_queue(p->c, i == 1 ? SUP_STDOUT : SUP_STDERR, b, (size_t)n);
		p->credit[i] -= (uint32_t)n;
	}
	return;
 eof:
	if (p->in_fd == p->out_fd[i])
		p->in_fd = -1;
	close(p->out_fd[i]);
	p->out_fd[i] = -1;
}

void
sproc_input(struct sproc *p)
{
	ssize_t n;
	size_t m;

	if (p->ilen > 0 && p->in_fd >= 0) {
		n = write(p->in_fd, p->ib, p->ilen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0)
			n = (ssize_t)p->ilen;	/* EPIPE: dropped */
		memmove(p->ib, p->ib + n, p->ilen - (size_t)n);
		p->ilen -= (size_t)n;
		if (p->c != NULL) {
			m = sup_put_begin(&p->c->wb, SUP_CREDIT);
			sup_put_u32(&p->c->wb, 0);
			sup_put_u32(&p->c->wb, (uint32_t)n);
			sup_put_end(&p->c->wb, m);
		}
	}
	if (p->ilen == 0 && p->eof_wanted && p->in_fd >= 0) {
		if (p->tty)
			(void)write(p->in_fd, "\004", 1);
		else
			close(p->in_fd);
		p->in_fd = -1;
		p->eof_wanted = 0;
	}
}

void
sproc_status(struct sproc *p)
{
	uint32_t v;
	ssize_t n = read(p->status_fd, &v, sizeof v);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof v && !p->exited) {
		p->exited = 1;
		p->wstatus = (int)v;
		p->exit_at = sup_now_ms();
		return;
	}
	/* The keeper is gone (all its tree reaped). */
	close(p->status_fd);
	p->status_fd = -1;
	if (!p->exited) {
		p->exited = 1;
		p->wstatus = 0xff00;	/* lost: report 255 */
		p->exit_at = sup_now_ms();
	}
}

/* After the exit and its output: EXIT, and the record goes. */
int
sproc_finish(struct sproc *p)
{
	uint32_t code, sig = 0, fl = p->timed_out ? SUP_X_TIMEOUT : 0;
	size_t m;

	if (!p->exited || p->out_fd[1] >= 0 || p->out_fd[2] >= 0)
		return 0;
	if (WIFSIGNALED(p->wstatus)) {
		sig = (uint32_t)WTERMSIG(p->wstatus);
		code = 128 + sig;
	} else
		code = (uint32_t)WEXITSTATUS(p->wstatus);
	if (p->c != NULL) {
		m = sup_put_begin(&p->c->wb, SUP_EXIT);
		sup_put_u32(&p->c->wb, code);
		sup_put_u32(&p->c->wb, sig);
		sup_put_u32(&p->c->wb, fl);
		sup_put_end(&p->c->wb, m);
	}
	/* Its last moment of use (a terminal session's end is not). */
	if (!(p->flags & SUP_F_IDLE))
		sact_note_exit();
	sproc_free(p);
	return 1;
}

