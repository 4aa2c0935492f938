/* proc-sup.c: proc.h through berth-sup, the supervisor in the workspace
 * (docs/exec.md): one unix-socket connection per process, frames from
 * sup-frame.h, credit-based flow control per stream. Any thread; a struct
 * proc is owned by one thread at a time. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-link.h"
#include "err.h"
#include "log.h"
#include "proc-sup-int.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-frame.h"
#include "timeutil.h"
#include "xmalloc.h"

static const struct proc_ops sup_ops;

int
psup_put_all(struct proc *p, int64_t deadline)
{
	struct pollfd pfd;
	ssize_t n;
	int64_t left;

	while (p->wb.len > 0) {
		n = send(p->fd, p->wb.p, p->wb.len, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n > 0) {
			sup_wbuf_consume(&p->wb, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			p->lost = 1;
			return err_set(ERR_EOF, "supervisor connection: %s",
			    strerror(errno));
		}
		if (deadline == 0)
			return 0;	/* the rest goes later */
		if ((left = deadline - mono_ms()) <= 0)
			return err_set(ERR_TIMEOUT, "supervisor not reading");
		pfd.fd = p->fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, (int)left);
	}
	return 0;
}

/* Applies the CREDIT frames among bytes read but not yet returned. */
static void
absorb(struct proc *p)
{
	struct sup_frame f;
	struct sup_rd r;
	long k;
	uint32_t st, n;

	while ((k = sup_frame_parse(p->rb + p->scan, p->rlen - p->scan,
	    &f)) > 0) {
		if (f.type == SUP_CREDIT) {
			sup_rd_init(&r, &f);
			st = sup_get_u32(&r);
			n = sup_get_u32(&r);
			if (sup_rd_end(&r) == 0 && st == 0)
				p->in_credit += n;
		} else if (f.type == SUP_EXIT || f.type == SUP_ERROR)
			p->exit_seen = 1;
		p->scan += (size_t)k;
	}
	if (k < 0)
		p->lost = 1;
}

/* Reads what the socket has, waiting up to wait_ms (-1: forever, 0: not
 * at all). 0 when bytes came or none yet, ERR_EOF when it closed. */
int
psup_fill(struct proc *p, int wait_ms)
{
	struct pollfd pfd;
	ssize_t n;

	if (p->lost)
		return err_set(ERR_EOF, "supervisor connection lost");
	if (p->roff > 0 && p->roff == p->rlen && p->npend == 0) {
		p->roff = p->scan = p->rlen = 0;
	} else if (p->roff > p->rcap / 2 && p->npend == 0) {
		memmove(p->rb, p->rb + p->roff, p->rlen - p->roff);
		p->rlen -= p->roff;
		p->scan -= p->roff;
		p->roff = 0;
	}
	if (p->rcap - p->rlen < SUP_RCHUNK) {
		if (p->rcap >= SUP_FRAME_MAX + 4 * SUP_RCHUNK)
			return 0;	/* full: the caller must read first */
		p->rcap = p->rcap ? p->rcap * 2 : 4 * SUP_RCHUNK;
		/* pend points into rb: keep it valid across realloc */
		{
			size_t po = p->npend ? (size_t)(p->pend - p->rb) : 0;
			p->rb = xrealloc(p->rb, p->rcap);
			if (p->npend)
				p->pend = p->rb + po;
		}
	}
	for (;;) {
		n = recv(p->fd, p->rb + p->rlen, p->rcap - p->rlen,
		    MSG_DONTWAIT);
		if (n > 0) {
			p->rlen += (size_t)n;
			absorb(p);
			return 0;
		}
		if (n == 0) {
			p->lost = 1;
			return err_set(ERR_EOF, "supervisor closed the "
			    "connection");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			p->lost = 1;
			return err_set(ERR_EOF, "supervisor connection: %s",
			    strerror(errno));
		}
		if (wait_ms == 0)
			return 0;
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, wait_ms) == 0)
			return 0;
		wait_ms = 0;	/* one more try, then report */
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
	}
}

/* The next frame in order (CREDIT ones skipped: absorb applied them).
 * 1 with *f, 0 when none is complete yet. */
int
psup_next_frame(struct proc *p, struct sup_frame *f)
{
	long k;

	for (;;) {
		k = sup_frame_parse(p->rb + p->roff, p->rlen - p->roff, f);
		if (k <= 0)
			return 0;
		p->roff += (size_t)k;
		if (f->type != SUP_CREDIT)
			return 1;
	}
}

static void
credit_back(struct proc *p, int st, size_t n)
{
	size_t m;

	p->used[st] += (uint32_t)n;
	if (p->used[st] < SUP_WINDOW / 4)
		return;
	m = sup_put_begin(&p->wb, SUP_CREDIT);
	sup_put_u32(&p->wb, (uint32_t)st);
	sup_put_u32(&p->wb, p->used[st]);
	sup_put_end(&p->wb, m);
	p->used[st] = 0;
	(void)psup_put_all(p, 0);
}

static void
take_exit(struct proc *p, const struct sup_frame *f)
{
	struct sup_rd r;
	uint32_t code, sig, fl;

	sup_rd_init(&r, f);
	code = sup_get_u32(&r);
	sig = sup_get_u32(&r);
	fl = sup_get_u32(&r);
	(void)sig;
	p->exited = 1;
	p->status = sup_rd_end(&r) == 0 ? (int)code : -1;
	p->timed_out = (fl & SUP_X_TIMEOUT) != 0;
}

static ssize_t
sup_read(struct proc *p, int *stream, void *buf, size_t len)
{
	struct sup_frame f;
	size_t n;
	int r;

	for (;;) {
		if (p->npend > 0) {
			n = p->npend < len ? p->npend : len;
			memcpy(buf, p->pend, n);
			p->pend += n;
			p->npend -= n;
			if (stream != NULL)
				*stream = p->pstream;
			credit_back(p, p->pstream, n);
			return (ssize_t)n;
		}
		if (p->exited)
			return 0;
		if (psup_next_frame(p, &f)) {
			switch (f.type) {
			case SUP_STDOUT:
			case SUP_STDERR:
				p->pend = f.data;
				p->npend = f.len;
				p->pstream = f.type == SUP_STDOUT ?
				    PROC_STDOUT : PROC_STDERR;
				continue;
			case SUP_EXIT:
				take_exit(p, &f);
				return 0;
			default:
				continue;	/* nothing else comes now */
			}
		}
		(void)psup_put_all(p, 0);
		if ((r = psup_fill(p, p->nonblock ? 0 : -1)) != 0)
			return r;
		if (p->nonblock && sup_frame_parse(p->rb + p->roff,
		    p->rlen - p->roff, &f) <= 0)
			return ERR_AGAIN;
	}
}

static ssize_t
sup_write(struct proc *p, const void *b, size_t len)
{
	size_t n;
	int r;

	if ((r = psup_put_all(p, 0)) != 0)
		return r;
	if (p->in_credit == 0) {
		/* Wait a little for credit, so a caller polling POLLOUT on a
		 * writable socket does not spin. */
		int64_t until = mono_ms() + (p->nonblock ? 10 : 30000);

		while (p->in_credit == 0 && !p->exit_seen &&
		    mono_ms() < until)
			if ((r = psup_fill(p, p->nonblock ? 10 : 100)) != 0)
				return r;
		if (p->in_credit == 0 && p->exit_seen)
			return err_set(ERR_EOF, "the process has exited");
		if (p->in_credit == 0)
			return p->nonblock ? ERR_AGAIN :
			    err_set(ERR_TIMEOUT, "process not reading stdin");
	}
	n = len;
	if (n > p->in_credit)
		n = p->in_credit;
	if (n > SUP_DATA_MAX)
		n = SUP_DATA_MAX;
	sup_put_frame(&p->wb, SUP_STDIN, b, n);
	p->in_credit -= (uint32_t)n;
	if ((r = psup_put_all(p, p->nonblock ? 0 :
	    mono_ms() + SUP_IO_MS)) != 0)
		return r;
	return (ssize_t)n;
}

static int
control(struct proc *p, int type, uint32_t a, uint32_t b, int nargs)
{
	size_t m;

	if (p->lost)
		return err_set(ERR_EOF, "supervisor connection lost");
	m = sup_put_begin(&p->wb, type);
	if (nargs > 0)
		sup_put_u32(&p->wb, a);
	if (nargs > 1)
		sup_put_u32(&p->wb, b);
	sup_put_end(&p->wb, m);
	return psup_put_all(p, mono_ms() + SUP_IO_MS);
}

static int
sup_close_stdin(struct proc *p)
{
	return control(p, SUP_EOF, 0, 0, 0);
}

static int
sup_resize(struct proc *p, unsigned rows, unsigned cols)
{
	if (!p->tty)
		return 0;
	if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
		return err_set(ERR_INVAL, "bad terminal size %ux%u", cols,
		    rows);
	return control(p, SUP_RESIZE, rows, cols, 2);
}

static int
sup_signal(struct proc *p, int sig)
{
	if (sig <= 0 || sig >= NSIG)
		return err_set(ERR_INVAL, "bad signal %d", sig);
	if (p->exited)
		return 0;
	return control(p, SUP_SIGNAL, (uint32_t)sig, 0, 1);
}

static int
sup_wait(struct proc *p, int timeout_ms, int *status)
{
	struct sup_frame f;
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	int64_t left;
	int r;

	while (!p->exited) {
		p->npend = 0;
		if (psup_next_frame(p, &f)) {
			if (f.type == SUP_STDOUT || f.type == SUP_STDERR)
				credit_back(p, f.type == SUP_STDOUT ?
				    PROC_STDOUT : PROC_STDERR, f.len);
			else if (f.type == SUP_EXIT)
				take_exit(p, &f);
			continue;
		}
		left = deadline < 0 ? 1000 : deadline - mono_ms();
		if (left <= 0)
			return err_set(ERR_TIMEOUT, "process still running");
		if ((r = psup_fill(p, (int)(left > 1000 ? 1000 : left))) != 0)
			return r;
	}
	*status = p->status;
	return 0;
}

static int
sup_fd(const struct proc *p)
{
	return p->fd;
}

static int
sup_set_nonblock(struct proc *p, int on)
{
	p->nonblock = on != 0;
	return 0;
}

void
psup_free(struct proc *p)
{
	if (p == NULL)
		return;
	/* A caller gone before the exit: the tree goes too. */
	if (!p->exited && !p->lost && control(p, SUP_SIGNAL, SIGKILL, 0,
	    1) != 0)
		log_warn("supervisor: cannot kill process %d: %s", p->pid,
		    err_msg());
	if (p->fd >= 0)
		close(p->fd);
	free(p->rb);
	sup_wbuf_clear(&p->wb);
	free(p);
}

static const struct proc_ops sup_ops = {
	"sup", sup_fd, sup_set_nonblock, sup_read, sup_write, sup_close_stdin,
	sup_resize, sup_signal, sup_wait, psup_free
};

/* Waits for one frame of a given type (ERROR is the refusal). */
int
psup_expect(struct proc *p, int type, struct sup_frame *f,
    int64_t deadline)
{
	struct sup_rd r;
	const uint8_t *msg;
	size_t n;
	int64_t left;
	int rc;

	for (;;) {
		if (psup_next_frame(p, f)) {
			if (f->type == type)
				return 0;
			if (f->type == SUP_ERROR) {
				sup_rd_init(&r, f);
				(void)sup_get_u32(&r);
				msg = sup_get_str(&r, &n);
				return err_set(ERR_BACKEND, "supervisor: %.*s",
				    (int)(n > 200 ? 200 : n),
				    msg ? (const char *)msg : "error");
			}
			return err_set(ERR_BACKEND, "supervisor: unexpected "
			    "frame %d", f->type);
		}
		if ((left = deadline - mono_ms()) <= 0)
			return err_set(ERR_TIMEOUT, "supervisor did not "
			    "answer");
		if ((rc = psup_fill(p, (int)left)) != 0)
			return rc;
	}
}

static int
read_key(const char *dir, char *key, size_t size)
{
	char *path = xasprintf("%s.key", dir);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -1;
	n = read(fd, key, size - 1);
	close(fd);
	if (n != SUP_SECRET_LEN)
		return -1;
	key[n] = '\0';
	return 0;
}

static int
set_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ? -1 : 0;
}

static int	(*locator)(const char *, char *, size_t);

void
sup_set_locator(int (*fn)(const char *, char *, size_t))
{
	locator = fn;
}

/* Connects and says hello: 0, 1 when nobody answers, <0 on error. The
 * socket is in dir on this host, or on a cluster node behind the agent
 * via (NULL: the locator's, if any). */
int
psup_dial(const char *dir, const char *via, struct proc **pp,
    uint32_t *uid, uint32_t *gid)
{
	struct sockaddr_un sa;
	struct sup_frame f;
	struct sup_rd r;
	struct proc *p;
	char key[SUP_SECRET_LEN + 2], where[128];
	int fd, dfd = -1, rc;
	size_t m;

	*pp = NULL;
	if (read_key(dir, key, sizeof key) != 0) {
		err_set(ERR_NOTFOUND, "no supervisor key for %s", dir);
		return 1;
	}
	if (via == NULL && locator != NULL) {
		const char *slash = strrchr(dir, '/');

		if (locator(slash != NULL ? slash + 1 : dir, where,
		    sizeof where) != 0) {
			explicit_bzero(key, sizeof key);
			return 1;	/* runs nowhere now: err_msg() */
		}
		via = where[0] != '\0' ? where : NULL;
	}
	if (via != NULL) {
		const char *slash = strrchr(dir, '/');
		char *target = xasprintf("sup %s", slash != NULL ? slash + 1 :
		    dir);

		rc = agent_dial(via, target, SUP_CONNECT_MS, &fd);
		free(target);
		if (rc != 0)
			return 1;
		if (set_blocking(fd) != 0) {
			close(fd);
			return 1;
		}
		goto connected;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sup.sock",
	    dir) >= sizeof sa.sun_path) {
		/* A long state directory: reach it through an fd. */
		if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			err_set(ERR_NOTFOUND, "no supervisor directory");
			return 1;
		}
		snprintf(sa.sun_path, sizeof sa.sun_path,
		    "/proc/self/fd/%d/sup.sock", dfd);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		if (dfd >= 0)
			close(dfd);
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		err_set(ERR_NOTFOUND, "no supervisor answers in %s: %s", dir,
		    strerror(errno));
		close(fd);
		if (dfd >= 0)
			close(dfd);
		return 1;
	}
	if (dfd >= 0)
		close(dfd);
 connected:
	p = xcalloc(1, sizeof *p);
	p->ops = &sup_ops;
	p->fd = fd;
	p->remote = via != NULL;
	p->rcap = 4 * SUP_RCHUNK;
	p->rb = xmalloc(p->rcap);
	p->in_credit = SUP_WINDOW;
	p->status = -1;
	m = sup_put_begin(&p->wb, SUP_HELLO);
	sup_put_str(&p->wb, key, SUP_SECRET_LEN);
	sup_put_u32(&p->wb, SUP_VERSION);
	sup_put_end(&p->wb, m);
	explicit_bzero(key, sizeof key);
	if ((rc = psup_put_all(p, mono_ms() + SUP_CONNECT_MS)) != 0 ||
	    (rc = psup_expect(p, SUP_READY, &f,
	    mono_ms() + SUP_CONNECT_MS)) != 0) {
		/* A stale socket, a wrong key: not this runner. */
		p->lost = 1;
		psup_free(p);
		return 1;
	}
	sup_rd_init(&r, &f);
	(void)sup_get_u32(&r);
	*uid = sup_get_u32(&r);
	*gid = sup_get_u32(&r);
	*pp = p;
	return 0;
}

/* 1 when user (NULL, "uid" or "uid:gid") is who the supervisor runs as. */
static int
same_user(const char *user, uint32_t uid, uint32_t gid)
{
	char *end;
	unsigned long u, g;

	if (user == NULL || *user == '\0')
		return 1;
	errno = 0;
	u = strtoul(user, &end, 10);
	if (errno != 0 || end == user || u != uid)
		return 0;
	if (*end == '\0')
		return 1;
	if (*end != ':')
		return 0;
	g = strtoul(end + 1, &end, 10);
	return *end == '\0' && g == gid;
}

/* Ends connection p after a failure, keeping rc's message. */
int
psup_drop(struct proc *p, int rc)
{
	struct err_saved msg;

	err_save(&msg);
	p->lost = 1;
	psup_free(p);
	return err_restore(rc, &msg);
}

int
sup_proc_start(const struct proc_spec *s, struct proc **pp)
{
	struct sup_start st;
	struct sup_frame f;
	struct sup_rd r;
	struct proc *p = NULL;
	uint32_t uid, gid;
	int rc;

	*pp = NULL;
	if (s == NULL || s->argv == NULL || s->argv[0] == NULL)
		return err_set(ERR_INVAL, "no command to run");
	if (s->tty && (s->rows > 10000 || s->cols > 10000))
		return err_set(ERR_INVAL, "bad terminal size %ux%u", s->cols,
		    s->rows);
	if ((rc = psup_dial(s->sup_dir, s->sup_via, &p, &uid, &gid)) != 0)
		return rc;
	if (!same_user(s->user, uid, gid)) {
		p->lost = 1;
		psup_free(p);
		err_set(ERR_FORBIDDEN, "user '%s' is not the supervisor's",
		    s->user);
		return 1;
	}
	memset(&st, 0, sizeof st);
	st.flags = (s->tty ? SUP_F_TTY : 0) | (s->attach_stdin ?
	    SUP_F_STDIN : 0) | (s->keep ? SUP_F_KEEP : 0) |
	    (s->keep && s->keep_idle ? SUP_F_IDLE : 0);
	st.rows = s->tty ? s->rows : 0;
	st.cols = s->tty ? s->cols : 0;
	st.uid = st.gid = SUP_ID_NONE;
	st.timeout_ms = s->timeout_ms > 0 ? (uint32_t)s->timeout_ms : 0;
	st.cwd = (char *)(s->workdir ? s->workdir : "");
	st.argv = (char **)s->argv;
	st.env = (char **)s->env;
	sup_start_encode(&p->wb, &st);
	p->tty = s->tty != 0;
	if ((rc = psup_put_all(p, mono_ms() + SUP_CONNECT_MS)) != 0 ||
	    (rc = psup_expect(p, SUP_STARTED, &f,
	    mono_ms() + SUP_CONNECT_MS)) != 0)
		return psup_drop(p, rc);
	sup_rd_init(&r, &f);
	p->pid = (int)sup_get_u32(&r);
	p->id = sup_get_u64(&r);
	*pp = p;
	return 0;
}

int
psup_is(const struct proc *p)
{
	return p->ops == &sup_ops;
}
