/* sup-main.c: berth-sup, the supervisor inside every workspace container
 * (docs/exec.md). Started by the container's init in front of the image's
 * command: it runs that command as its child (its exit ends the container,
 * as before) and serves berthd on a unix socket in the bind-mounted run
 * directory: one connection per process, frames from sup-frame.h. It runs
 * as the container's user, so it can start processes only as that user.
 * Single-threaded poll loop; static, only libc. */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
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
#include "sup-fwd.h"
#include "sup-open.h"
#include "sup-put.h"
#include "sup-spawn.h"
#include "sup-task.h"
#include "sup-tree.h"

#define SOCK_NAME	"sup.sock"

static struct conn	*conns;
struct sproc		*sup_procs;
static int		 nconns;
uint64_t		 sup_next_id = 1;
static int		 lfd = -1, sfd = -1;
static pid_t		 child = -1;	/* the image's command */
static char		 secret[SUP_SECRET_LEN + 1];
static char		 sock_path[108];

int64_t
sup_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
say(const char *what, int e)
{
	char b[512];

	(void)snprintf(b, sizeof b, "berth-sup: %s%s%s\n", what,
	    e ? ": " : "", e ? strerror(e) : "");
	(void)write(2, b, strlen(b));
}

/* ---- connections -------------------------------------------------- */

void
sup_queue(struct conn *c, int type, const void *p, size_t n)
{
	if (c != NULL)
		sup_put_frame(&c->wb, type, p, n);
}

void
sup_send_error(struct conn *c, int e, const char *msg)
{
	size_t m = sup_put_begin(&c->wb, SUP_ERROR);

	sup_put_u32(&c->wb, (uint32_t)e);
	sup_put_str(&c->wb, msg, strlen(msg));
	sup_put_end(&c->wb, m);
	c->closing = 1;
}

static void
conn_free(struct conn *c)
{
	struct conn **pp;

	sup_fwd_gone(&c->fwd);
	if (c->p != NULL) {
		struct sproc *p = c->p;

		p->c = NULL;
		if (!(p->flags & SUP_F_KEEP) && !p->exited)
			sproc_kill(p, SIGKILL);
		if ((p->flags & SUP_F_IDLE) && p->timeout_ms > 0)
			p->deadline = sup_now_ms() + p->timeout_ms;
		/* Nobody writes stdin any more. */
		if (!p->tty && p->in_fd >= 0) {
			close(p->in_fd);
			p->in_fd = -1;
		}
		free(p->ib);
		p->ib = NULL;
		p->ilen = 0;
	}
	for (pp = &conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	stask_reader_free(c->tr);
	close(c->fd);
	free(c->rb);
	sup_wbuf_clear(&c->wb);
	free(c);
	nconns--;
}

/* One frame from berthd; -1 closes the connection. */
static int
handle(struct conn *c, const struct sup_frame *f)
{
	struct sup_rd r;
	struct sproc *p = c->p;
	struct sup_start st;
	uint32_t a, b;
	uint64_t id;
	const uint8_t *s;
	size_t n;

	sup_rd_init(&r, f);
	if (!c->authed) {
		if (f->type != SUP_HELLO)
			return -1;
		s = sup_get_str(&r, &n);
		a = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || sup_secret_cmp(s, n, secret) != 0)
			return -1;
		(void)a;
		c->authed = 1;
		n = sup_put_begin(&c->wb, SUP_READY);
		sup_put_u32(&c->wb, SUP_VERSION);
		sup_put_u32(&c->wb, (uint32_t)geteuid());
		sup_put_u32(&c->wb, (uint32_t)getegid());
		sup_put_u32(&c->wb, (uint32_t)getpid());
		sup_put_end(&c->wb, n);
		return 0;
	}
	if (c->fwd != NULL || (!c->had_proc && (f->type == SUP_LISTEN ||
	    f->type == SUP_ATTACH))) {
		int rc = sup_fwd_frame(&c->fwd, &c->wb, f);

		if (rc > 0)
			c->closing = 1;
		return rc < 0 ? -1 : 0;
	}
	if (f->type == SUP_OPEN) {
		if (c->had_proc)
			return -1;
		c->closing = 1;
		return sup_open_frame(c->fd, f);
	}
	if (f->type == SUP_ACT_ASK) {
		if (c->had_proc)
			return -1;
		c->closing = 1;
		return sact_frame(f, &c->wb, (int)child);
	}
	if (f->type >= SUP_TASK_START && f->type < SUP_TASK_MAX) {
		int tr = stask_frame(f, &c->wb, &c->tr);

		if (tr > 0)
			c->closing = 1;
		return tr < 0 ? -1 : 0;
	}
	switch (f->type) {
	case SUP_START:
		if (c->had_proc || sup_start_decode(f, &st) != 0)
			return -1;
		sproc_start(c, &st);
		sup_start_clear(&st);
		return 0;
	case SUP_STDIN:
		if (p == NULL || p->in_fd < 0 || p->eof_wanted) {
			/* stdin is gone: give the credit back. */
			n = sup_put_begin(&c->wb, SUP_CREDIT);
			sup_put_u32(&c->wb, 0);
			sup_put_u32(&c->wb, (uint32_t)f->len);
			sup_put_end(&c->wb, n);
			return 0;
		}
		if (p->ilen + f->len > SUP_WINDOW)
			return -1;	/* past the credit given */
		/* Allocated once at the window's size: musl's realloc of
		 * a large block maps pages anew each time. */
		if (p->ib == NULL && (p->ib = malloc(SUP_WINDOW + 1)) ==
		    NULL)
			abort();
		memcpy(p->ib + p->ilen, f->data, f->len);
		p->ilen += f->len;
		return 0;
	case SUP_EOF:
		if (p != NULL)
			p->eof_wanted = 1;
		return 0;
	case SUP_RESIZE:
		a = sup_get_u32(&r);
		b = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0)
			return -1;
		if (p != NULL && p->tty) {
			struct winsize ws = { .ws_row = (unsigned short)a,
			    .ws_col = (unsigned short)b };
			(void)ioctl(p->out_fd[1], TIOCSWINSZ, &ws);
		}
		return 0;
	case SUP_SIGNAL:
		a = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || a == 0 || a >= NSIG)
			return -1;
		if (p != NULL && !p->exited)
			sproc_kill(p, (int)a);
		return 0;
	case SUP_CREDIT:
		a = sup_get_u32(&r);
		b = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || a < 1 || a > 2)
			return -1;
		if (p != NULL)
			p->credit[a] = p->credit[a] + b > CREDIT_MAX ?
			    CREDIT_MAX : p->credit[a] + b;
		return 0;
	case SUP_LIST:
		sproc_list(c);
		return 0;
	case SUP_REATTACH:
		id = sup_get_u64(&r);
		if (c->had_proc || sup_rd_end(&r) != 0)
			return -1;
		sproc_reattach(c, id);
		return 0;
	case SUP_KILL:
		id = sup_get_u64(&r);
		a = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || a == 0 || a >= NSIG)
			return -1;
		for (struct sproc *q = sup_procs; q != NULL; q = q->next)
			if (q->id == id && !q->exited)
				sproc_kill(q, (int)a);
		return 0;
	default:
		return -1;
	}
}

static int
conn_read(struct conn *c)
{
	struct sup_frame f;
	ssize_t n;
	size_t off = 0;
	long k;

	if (c->rcap - c->rlen < 65536) {
		size_t cap = c->rcap ? c->rcap * 2 : 65536;
		uint8_t *nb;

		if (cap > SUP_FRAME_MAX + 2 * SUP_HDR + 65536)
			cap = SUP_FRAME_MAX + 2 * SUP_HDR + 65536;
		if (cap <= c->rcap)
			return -1;
		if ((nb = realloc(c->rb, cap)) == NULL)
			abort();
		c->rb = nb;
		c->rcap = cap;
	}
	n = read(c->fd, c->rb + c->rlen, c->rcap - c->rlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->rlen += (size_t)n;
	while ((k = sup_frame_parse(c->rb + off, c->rlen - off, &f)) > 0) {
		if (handle(c, &f) != 0)
			return -1;
		off += (size_t)k;
		if (c->closing)
			break;
	}
	if (k < 0)
		return -1;
	memmove(c->rb, c->rb + off, c->rlen - off);
	c->rlen -= off;
	return 0;
}

static int
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->wb.len > 0) {
		n = send(c->fd, c->wb.p, c->wb.len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		sup_wbuf_consume(&c->wb, (size_t)n);
	}
	return c->closing ? -1 : 0;
}

/* ---- setup and loop ----------------------------------------------- */

static int
listen_on(const char *dir)
{
	struct sockaddr_un sa;
	int fd;
	mode_t old;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir,
	    SOCK_NAME) >= sizeof sa.sun_path)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return -1;
	(void)unlink(sa.sun_path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 64) != 0) {
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	memcpy(sock_path, sa.sun_path, sizeof sock_path);
	return fd;
}

static void
accept_one(void)
{
	struct conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (nconns >= MAX_CONNS) {
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		abort();
	c->fd = fd;
	c->next = conns;
	conns = c;
	nconns++;
}

static void __attribute__((noreturn))
finish(int status)
{
	if (sock_path[0] != '\0')
		(void)unlink(sock_path);
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

static void
on_signal(void)
{
	struct signalfd_siginfo si;
	int status;
	pid_t r;

	while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (child > 0)
			(void)kill(child, (int)si.ssi_signo);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			finish(0);
	}
	while ((r = waitpid(-1, &status, WNOHANG)) > 0)
		if (r == child)
			finish(status);
}

static void
usage(void)
{
	fputs("usage: berth-sup [-d rundir] [-- command [arg ...]]\n"
	    "       berth-sup --put path mode mtime  (stdin to path)\n"
	    "Serves berthd on rundir/" SOCK_NAME " (default /.berth/run) and "
	    "runs command as its child;\nthe secret comes from "
	    "BERTH_SUP_SECRET.\n", stderr);
	exit(2);
}

static struct pollfd	*pf;	/* the poll set, grown as needed */
static size_t		 npf;

/* Fills pf: the signalfd, the listener, the connections, four per
 * process, then the forwards (from *nfp) and the tasks; the next
 * deadline in *wake. Answers how many. */
static size_t
poll_fill(int64_t now, int64_t *wake, size_t *nfp)
{
	size_t n = 0, want = 2 + (size_t)nconns + sup_fwd_npoll();
	struct sproc *p;
	struct conn *c;
	int tn;

	for (p = sup_procs; p != NULL; p = p->next)
		want += 4;
	want += (size_t)stask_npoll();
	if (want > npf) {
		npf = want * 2;
		if ((pf = realloc(pf, npf * sizeof *pf)) == NULL)
			abort();
	}
	pf[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pf[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	for (c = conns; c != NULL; c = c->next)
		pf[n++] = (struct pollfd){ .fd = c->fd, .events =
		    (short)(POLLIN | (c->wb.len ? POLLOUT : 0)) };
	for (p = sup_procs; p != NULL; p = p->next) {
		for (int i = 1; i <= 2; i++)
			pf[n++] = (struct pollfd){ .fd = p->out_fd[i] >= 0 &&
			    (p->c == NULL || p->credit[i] > 0) ?
			    p->out_fd[i] : -1, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = p->ilen > 0 ? p->in_fd : -1,
		    .events = POLLOUT };
		pf[n++] = (struct pollfd){ .fd = p->status_fd,
		    .events = POLLIN };
		if (p->deadline > 0 && !p->exited)
			*wake = *wake < 0 || p->deadline < *wake ?
			    p->deadline : *wake;
		if (p->exited && p->exit_at + LINGER_MS > now)
			*wake = *wake < 0 || p->exit_at + LINGER_MS < *wake ?
			    p->exit_at + LINGER_MS : *wake;
	}
	*nfp = n;
	n += sup_fwd_poll(pf + n, now, wake);
	tn = (int)n;
	stask_poll_fill(pf, &tn);
	return (size_t)tn;
}

/* After poll: signals, connections (in the order pf was built: the list
 * only loses the current entry here; new ones after), processes, the
 * forwards from pf + nf, tasks, then what is queued to each connection. */
static void
service(size_t nf, int64_t now)
{
	struct sproc *p, *pn;
	struct conn *c, *cn;
	size_t n = 2;

	if (pf[0].revents)
		on_signal();
	for (c = conns; c != NULL; c = cn) {
		cn = c->next;
		if ((pf[n++].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    conn_read(c) != 0)
			conn_free(c);
	}
	if (pf[1].revents & POLLIN)
		accept_one();
	for (p = sup_procs; p != NULL; p = pn) {
		pn = p->next;
		if (p->status_fd >= 0)
			sproc_status(p);
		for (int i = 1; i <= 2; i++)
			if (p->out_fd[i] >= 0 && (p->c == NULL ||
			    p->credit[i] > 0))
				sproc_output(p, i, now);
		sproc_input(p);
		if (!p->exited && p->deadline > 0 && now >= p->deadline) {
			p->timed_out = 1;
			p->deadline = 0;
			sproc_kill(p, SIGKILL);
		}
		(void)sproc_finish(p);
	}
	sup_fwd_run(pf + nf, now);
	stask_service(now);
	/* Task readers: queue, write, queue what fits again (it goes out
	 * when the socket takes it: POLLOUT). */
	for (c = conns; c != NULL; c = cn) {
		cn = c->next;
		if (c->tr != NULL && !c->closing)
			stask_reader_pump(c->tr, &c->wb);
		if ((c->wb.len > 0 || c->closing) && conn_flush(c) != 0) {
			conn_free(c);
			continue;
		}
		if (c->tr != NULL && !c->closing)
			stask_reader_pump(c->tr, &c->wb);
	}
}

/* The loop: returns only on a failed poll (1). */
static int
serve(void)
{
	for (;;) {
		int64_t now = sup_now_ms(), wake = -1;
		size_t nf, n = poll_fill(now, &wake, &nf);
		int timeout = wake < 0 ? -1 : wake <= now ? 0 :
		    (int)(wake - now > 60000 ? 60000 : wake - now);

		if (stask_timeout() >= 0 && (timeout < 0 ||
		    timeout > stask_timeout()))
			timeout = stask_timeout();
		if (poll(pf, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			say("poll", errno);
			return 1;
		}
		service(nf, sup_now_ms());
	}
}

/* The signals the loop reads from its signalfd (sfd). */
static int
signals_to_fd(void)
{
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP,
	    SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	sigset_t set;

	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		say("signalfd", errno);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = "/.berth/run", *sec;
	int ai = 1;

	while (ai < argc) {
		if (strcmp(argv[ai], "--") == 0) {
			ai++;
			break;
		} else if (strcmp(argv[ai], "-d") == 0 && ai + 1 < argc) {
			dir = argv[ai + 1];
			ai += 2;
		} else if (strcmp(argv[ai], "--put") == 0 && ai + 3 < argc) {
			return sup_put_main(argv[ai + 1], argv[ai + 2],
			    argv[ai + 3]);
		} else if (strcmp(argv[ai], "--untar") == 0 && ai + 1 < argc) {
			return sup_untar_main(argv[ai + 1]);
		} else if (strcmp(argv[ai], "--get") == 0 && ai + 1 < argc) {
			return sup_get_main(argv[ai + 1]);
		} else if (strcmp(argv[ai], "--version") == 0) {
			printf("berth-sup %d\n", SUP_VERSION);
			return 0;
		} else
			usage();
	}
	sup_fwd_set_rundir(dir);
	sec = getenv("BERTH_SUP_SECRET");
	if (sec != NULL && strlen(sec) == SUP_SECRET_LEN)
		memcpy(secret, sec, SUP_SECRET_LEN + 1);
	(void)unsetenv("BERTH_SUP_SECRET");
	/* Nothing started from here gains privileges through exec (setuid,
	 * file capabilities): what an engine that cannot say
	 * no-new-privileges (a Swarm service) leaves to the supervisor. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("berth-sup: PR_SET_NO_NEW_PRIVS");
		return 1;
	}
	if (signals_to_fd() != 0)
		return 1;
	if (secret[0] == '\0')
		say("no BERTH_SUP_SECRET; not serving", 0);
	else if ((lfd = listen_on(dir)) < 0)
		say("cannot listen in the run directory; not serving",
		    errno);
	else
		stask_init(dir);
	if (ai < argc) {
		if ((child = fork()) < 0) {
			say("fork", errno);
			return 1;
		}
		if (child == 0) {
			sup_child_signals();
			execvp(argv[ai], argv + ai);
			say("exec of the command failed", errno);
			_exit(errno == ENOENT ? 127 : 126);
		}
	}
	return serve();
}
