/* task-sup.c: berthd's side of the supervisor's tasks (task-sup.h): one
 * unix-socket connection per call or per reader, frames of sup-tframe.h,
 * every wait bounded. Any thread. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc-sup.h"
#include "sup-frame.h"
#include "sup-tframe.h"
#include "task-sup.h"
#include "timeutil.h"
#include "xmalloc.h"

#define TSUP_MS		10000	/* a request answered within */
#define TSUP_RBUF	(256u << 10)

struct tsup {
	int		 fd;
	char		 tid[SUP_TID_MAX + 1];	/* a reader's task */
	uint8_t		*rb;
	size_t		 roff, rlen, rcap;
	struct sup_wbuf	 wb;
};

static int
dial(const char *dir, struct tsup **out)
{
	struct tsup *c;
	int fd, rc;

	*out = NULL;
	if (dir == NULL)
		return err_set(ERR_BACKEND, "the workspace has no supervisor");
	if ((rc = sup_dial_fd(dir, &fd)) != 0)
		return rc < 0 ? rc : err_set(ERR_BACKEND, "%s", err_msg());
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->rcap = TSUP_RBUF;
	c->rb = xmalloc(c->rcap);
	*out = c;
	return 0;
}

void
tsup_free(struct tsup *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c->rb);
	sup_wbuf_clear(&c->wb);
	free(c);
}

int
tsup_fd(const struct tsup *c)
{
	return c->fd;
}

static int
flush(struct tsup *c)
{
	int64_t deadline = mono_ms() + TSUP_MS;
	struct pollfd pfd;
	ssize_t n;

	while (c->wb.len > 0) {
		n = send(c->fd, c->wb.p, c->wb.len, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n > 0) {
			sup_wbuf_consume(&c->wb, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return err_set(ERR_EOF, "supervisor connection: %s",
			    strerror(errno));
		if (mono_ms() >= deadline)
			return err_set(ERR_TIMEOUT, "supervisor not reading");
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		(void)poll(&pfd, 1, 100);
	}
	return 0;
}

/* The next frame within wait_ms (-1: forever): 1 with *f (valid until
 * the next call), 0 when none came in time, <0 on error. */
static int
frame(struct tsup *c, int wait_ms, struct sup_frame *f)
{
	int64_t deadline = wait_ms < 0 ? -1 : mono_ms() + wait_ms, left;
	struct pollfd pfd;
	ssize_t n;
	long k;

	for (;;) {
		k = sup_frame_parse(c->rb + c->roff, c->rlen - c->roff, f);
		if (k < 0)
			return err_set(ERR_BACKEND, "supervisor: bad frame");
		if (k > 0) {
			c->roff += (size_t)k;
			return 1;
		}
		if (c->roff > 0) {
			memmove(c->rb, c->rb + c->roff, c->rlen - c->roff);
			c->rlen -= c->roff;
			c->roff = 0;
		}
		if (c->rcap - c->rlen < 65536) {
			if (c->rcap >= SUP_FRAME_MAX + TSUP_RBUF)
				return err_set(ERR_BACKEND, "supervisor: "
				    "frame too large");
			c->rcap = c->rcap ? c->rcap * 2 : TSUP_RBUF;
			c->rb = xrealloc(c->rb, c->rcap);
		}
		n = recv(c->fd, c->rb + c->rlen, c->rcap - c->rlen,
		    MSG_DONTWAIT);
		if (n > 0) {
			c->rlen += (size_t)n;
			continue;
		}
		if (n == 0)
			return err_set(ERR_EOF, "supervisor closed the "
			    "connection");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return err_set(ERR_EOF, "supervisor connection: %s",
			    strerror(errno));
		left = deadline < 0 ? 1000 : deadline - mono_ms();
		if (left <= 0)
			return 0;
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
	}
}

/* An ERROR frame as the matching code. */
static int
refusal(const struct sup_frame *f)
{
	struct sup_rd r;
	const uint8_t *msg;
	uint32_t e;
	size_t n;
	int code;

	sup_rd_init(&r, f);
	e = sup_get_u32(&r);
	msg = sup_get_str(&r, &n);
	switch (e) {
	case ENOENT:
		code = ERR_NOTFOUND;
		break;
	case EEXIST:
	case EPIPE:
	case EAGAIN:
		code = ERR_CONFLICT;
		break;
	case EPERM:
		code = ERR_FORBIDDEN;
		break;
	default:
		code = ERR_BACKEND;
	}
	return err_set(code, "%.*s", (int)(n > 300 ? 300 : n),
	    msg != NULL ? (const char *)msg : "supervisor error");
}

/* Sends what is queued and waits for one answer of type want. */
static int
ask(struct tsup *c, int want, struct sup_frame *f)
{
	int rc;

	if ((rc = flush(c)) != 0)
		return rc;
	if ((rc = frame(c, TSUP_MS, f)) < 0)
		return rc;
	if (rc == 0)
		return err_set(ERR_TIMEOUT, "the supervisor did not answer");
	if (f->type == SUP_ERROR)
		return refusal(f);
	if (f->type != want)
		return err_set(ERR_BACKEND, "supervisor: unexpected frame %d",
		    f->type);
	return 0;
}

static int
one_info(const struct sup_frame *f, struct sup_tinfo *out)
{
	struct sup_rd r;

	sup_rd_init(&r, f);
	if (sup_tinfo_get(&r, out) != 0 || sup_rd_end(&r) != 0)
		return err_set(ERR_BACKEND, "supervisor: bad task record");
	return 0;
}

int
tsup_start(const char *dir, const char *tid, const struct task_spec *s,
    struct sup_tinfo *out)
{
	struct sup_start st;
	struct sup_frame f;
	struct tsup *c = NULL;
	int rc;

	if ((rc = dial(dir, &c)) != 0)
		return rc;
	memset(&st, 0, sizeof st);
	st.flags = SUP_F_STDIN | (s->tty ? SUP_F_TTY : 0);
	st.rows = s->tty ? s->rows : 0;
	st.cols = s->tty ? s->cols : 0;
	st.uid = st.gid = SUP_ID_NONE;
	st.cwd = (char *)(s->workdir != NULL ? s->workdir : "");
	st.argv = (char **)s->argv;
	st.env = (char **)(s->env != NULL ? s->env :
	    (const char *const[]){ NULL });
	sup_tstart_encode(&c->wb, tid, s->max_out, &st);
	if ((rc = ask(c, SUP_TASK_INFO, &f)) == 0)
		rc = one_info(&f, out);
	tsup_free(c);
	return rc;
}

int
tsup_list(const char *dir, const char *tid, struct sup_tinfo **out,
    size_t *np)
{
	struct sup_frame f;
	struct sup_rd r;
	struct sup_tinfo *v = NULL;
	struct tsup *c = NULL;
	uint32_t n;
	size_t m;
	int rc;

	*out = NULL;
	*np = 0;
	if ((rc = dial(dir, &c)) != 0)
		return rc;
	m = sup_put_begin(&c->wb, SUP_TASK_LIST);
	sup_put_str(&c->wb, tid != NULL ? tid : "", tid != NULL ?
	    strlen(tid) : 0);
	sup_put_end(&c->wb, m);
	if ((rc = ask(c, SUP_TASKS, &f)) != 0)
		goto out;
	sup_rd_init(&r, &f);
	n = sup_get_u32(&r);
	if (n > f.len / 40) {
		rc = err_set(ERR_BACKEND, "supervisor: bad task list");
		goto out;
	}
	v = xcalloc(n + 1, sizeof *v);
	for (uint32_t i = 0; i < n; i++)
		(void)sup_tinfo_get(&r, &v[i]);
	if (sup_rd_end(&r) != 0) {
		rc = err_set(ERR_BACKEND, "supervisor: bad task list");
		goto out;
	}
	*out = v;
	v = NULL;
	*np = n;
 out:
	free(v);
	tsup_free(c);
	return rc;
}

int
tsup_kill(const char *dir, const char *tid, int sig, struct sup_tinfo *out)
{
	struct sup_frame f;
	struct tsup *c = NULL;
	size_t m;
	int rc;

	if ((rc = dial(dir, &c)) != 0)
		return rc;
	m = sup_put_begin(&c->wb, SUP_TASK_KILL);
	sup_put_str(&c->wb, tid, strlen(tid));
	sup_put_u32(&c->wb, (uint32_t)sig);
	sup_put_end(&c->wb, m);
	if ((rc = ask(c, SUP_TASK_INFO, &f)) == 0)
		rc = one_info(&f, out);
	tsup_free(c);
	return rc;
}

static void
put_input(struct tsup *c, const char *tid, const void *b, size_t n,
    uint32_t flags)
{
	size_t m = sup_put_begin(&c->wb, SUP_TASK_INPUT);

	sup_put_str(&c->wb, tid, strlen(tid));
	sup_put_u32(&c->wb, flags);
	sup_put_str(&c->wb, b, n);
	sup_put_end(&c->wb, m);
}

int
tsup_input(const char *dir, const char *tid, const void *b, size_t n,
    int eof, struct sup_tinfo *out)
{
	struct sup_frame f;
	struct tsup *c = NULL;
	const uint8_t *p = b;
	int rc;

	if ((rc = dial(dir, &c)) != 0)
		return rc;
	/* In frames of at most SUP_DATA_MAX; each is answered. */
	do {
		size_t k = n > SUP_DATA_MAX ? SUP_DATA_MAX : n;

		put_input(c, tid, p, k, eof && k == n ? SUP_TI_EOF : 0);
		if ((rc = ask(c, SUP_TASK_INFO, &f)) != 0 ||
		    (rc = one_info(&f, out)) != 0)
			break;
		p += k;
		n -= k;
	} while (n > 0);
	tsup_free(c);
	return rc;
}

int
tsup_read_open(const char *dir, const char *tid, uint64_t off,
    uint32_t flags, uint64_t replay, struct tsup **out)
{
	struct tsup *c = NULL;
	size_t m;
	int rc;

	*out = NULL;
	if ((rc = dial(dir, &c)) != 0)
		return rc;
	snprintf(c->tid, sizeof c->tid, "%s", tid);
	m = sup_put_begin(&c->wb, SUP_TASK_READ);
	sup_put_str(&c->wb, tid, strlen(tid));
	sup_put_u64(&c->wb, off);
	sup_put_u32(&c->wb, flags);
	sup_put_u64(&c->wb, replay);
	sup_put_end(&c->wb, m);
	if ((rc = flush(c)) != 0) {
		tsup_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int
tsup_next(struct tsup *c, int wait_ms, uint64_t *off, const uint8_t **data,
    size_t *n, struct sup_tinfo *end)
{
	struct sup_frame f;
	struct sup_rd r;
	int rc;

	if (c->wb.len > 0 && (rc = flush(c)) != 0)
		return rc;
	if ((rc = frame(c, wait_ms, &f)) <= 0)
		return rc;
	switch (f.type) {
	case SUP_TASK_DATA:
		sup_rd_init(&r, &f);
		*off = sup_get_u64(&r);
		*data = sup_get_str(&r, n);
		if (sup_rd_end(&r) != 0)
			return err_set(ERR_BACKEND, "supervisor: bad data");
		return 1;
	case SUP_TASK_END:
		if ((rc = one_info(&f, end)) != 0)
			return rc;
		return 2;
	case SUP_ERROR:
		return refusal(&f);
	default:
		return err_set(ERR_BACKEND, "supervisor: unexpected frame %d",
		    f.type);
	}
}

int
tsup_send_input(struct tsup *c, const void *b, size_t n, int eof)
{
	const uint8_t *p = b;

	do {
		size_t k = n > SUP_DATA_MAX ? SUP_DATA_MAX : n;
		put_input(c, c->tid, p, k, SUP_TI_QUIET |
		    (eof && k == n ? SUP_TI_EOF : 0));
		p += k;
		n -= k;
	} while (n > 0);
	return flush(c);
}

int
tsup_send_resize(struct tsup *c, unsigned rows, unsigned cols)
{
	size_t m = sup_put_begin(&c->wb, SUP_TASK_RESIZE);

	sup_put_str(&c->wb, c->tid, strlen(c->tid));
	sup_put_u32(&c->wb, rows);
	sup_put_u32(&c->wb, cols);
	sup_put_end(&c->wb, m);
	return flush(c);
}
