/* proc-sup-ctl.c: the rest of berthd's side of berth-sup (docs/exec.md):
 * listing and killing what it runs, listeners for forwarding, taking over
 * a connection or a kept process, files it opens as the workspace's
 * user. Any thread. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "proc-sup-int.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-frame.h"
#include "timeutil.h"
#include "xmalloc.h"

int
sup_list(const char *dir, struct sup_ps **psp, size_t *np)
{
	struct proc *p = NULL;
	struct sup_frame f;
	struct sup_rd r;
	struct sup_ps *ps = NULL;
	uint32_t uid, gid, n;
	const uint8_t *a0;
	size_t len;
	int rc;

	*psp = NULL;
	*np = 0;
	if ((rc = psup_dial(dir, NULL, &p, &uid, &gid)) != 0)
		return rc > 0 ? ERR_NOTFOUND : rc;
	sup_put_frame(&p->wb, SUP_LIST, NULL, 0);
	if ((rc = psup_put_all(p, mono_ms() + SUP_IO_MS)) != 0 ||
	    (rc = psup_expect(p, SUP_PROCS, &f, mono_ms() + SUP_IO_MS)) != 0)
		goto out;
	sup_rd_init(&r, &f);
	n = sup_get_u32(&r);
	if (n > f.len / 28) {
		rc = err_set(ERR_BACKEND, "supervisor: bad process list");
		goto out;
	}
	ps = xcalloc(n + 1, sizeof *ps);
	for (uint32_t i = 0; i < n; i++) {
		ps[i].id = sup_get_u64(&r);
		ps[i].pid = (int)sup_get_u32(&r);
		ps[i].started = (int64_t)sup_get_u64(&r);
		ps[i].timeout_ms = sup_get_u32(&r);
		ps[i].orphan = (sup_get_u32(&r) & 0x100) != 0;
		a0 = sup_get_str(&r, &len);
		if (a0 != NULL)
			snprintf(ps[i].argv0, sizeof ps[i].argv0, "%.*s",
			    (int)(len > 127 ? 127 : len), (const char *)a0);
	}
	if (sup_rd_end(&r) != 0) {
		free(ps);
		ps = NULL;
		rc = err_set(ERR_BACKEND, "supervisor: bad process list");
		goto out;
	}
	*psp = ps;
	*np = n;
 out:
	p->lost = 1;	/* no SIGNAL on free: nothing was started */
	psup_free(p);
	return rc;
}

int
sup_kill(const char *dir, uint64_t id, int sig)
{
	struct proc *p = NULL;
	uint32_t uid, gid;
	size_t m;
	int rc;

	if ((rc = psup_dial(dir, NULL, &p, &uid, &gid)) != 0)
		return rc > 0 ? ERR_NOTFOUND : rc;
	m = sup_put_begin(&p->wb, SUP_KILL);
	sup_put_u64(&p->wb, id);
	sup_put_u32(&p->wb, (uint32_t)sig);
	sup_put_end(&p->wb, m);
	rc = psup_put_all(p, mono_ms() + SUP_IO_MS);
	p->lost = 1;
	psup_free(p);
	return rc;
}

/* ---- forwarding (sup-fwd.c on the other side) ---------------------- */

int
sup_listen(const char *dir, int kind, const char *host, int port,
    struct proc **pp, char *where, size_t wsz, int *bport)
{
	struct proc *p = NULL;
	struct sup_frame f;
	struct sup_rd r;
	const uint8_t *w;
	uint32_t uid, gid;
	size_t m, n;
	int rc;

	*pp = NULL;
	if ((rc = psup_dial(dir, NULL, &p, &uid, &gid)) != 0)
		return rc;
	m = sup_put_begin(&p->wb, SUP_LISTEN);
	sup_put_u32(&p->wb, (uint32_t)kind);
	sup_put_str(&p->wb, host, strlen(host));
	sup_put_u32(&p->wb, (uint32_t)port);
	sup_put_end(&p->wb, m);
	if ((rc = psup_put_all(p, mono_ms() + SUP_IO_MS)) != 0 ||
	    (rc = psup_expect(p, SUP_LISTENING, &f,
	    mono_ms() + SUP_IO_MS)) != 0)
		return psup_drop(p, rc);
	sup_rd_init(&r, &f);
	w = sup_get_str(&r, &n);
	*bport = (int)sup_get_u32(&r);
	if (sup_rd_end(&r) != 0 || n >= wsz) {
		p->lost = 1;
		psup_free(p);
		return err_set(ERR_BACKEND, "supervisor: bad LISTENING");
	}
	memcpy(where, w, n);
	where[n] = '\0';
	p->exited = 1;		/* not a process: nothing to kill */
	*pp = p;
	return 0;
}

int
sup_incoming(struct proc *l, uint64_t *id, char *peer, size_t psz,
    int *pport)
{
	struct sup_frame f;
	struct sup_rd r;
	const uint8_t *h;
	size_t n;
	int rc;

	for (;;) {
		if (psup_next_frame(l, &f)) {
			if (f.type != SUP_INCOMING)
				continue;
			sup_rd_init(&r, &f);
			*id = sup_get_u64(&r);
			h = sup_get_str(&r, &n);
			*pport = (int)sup_get_u32(&r);
			if (sup_rd_end(&r) != 0)
				return err_set(ERR_BACKEND, "supervisor: bad "
				    "INCOMING");
			snprintf(peer, psz, "%.*s", (int)n, (const char *)h);
			return 1;
		}
		if (l->lost)
			return err_set(ERR_EOF, "the listener is gone");
		if ((rc = psup_fill(l, 0)) != 0)
			return rc;
		if (sup_frame_parse(l->rb + l->roff, l->rlen - l->roff,
		    &f) <= 0)
			return 0;
	}
}

int
sup_take(const char *dir, int type, uint64_t id, struct proc **pp)
{
	struct proc *p = NULL;
	struct sup_frame f;
	struct sup_rd r;
	uint32_t uid, gid;
	size_t m;
	int rc;

	*pp = NULL;
	if ((rc = psup_dial(dir, NULL, &p, &uid, &gid)) != 0)
		return rc > 0 ? err_set(ERR_NOTFOUND, "no supervisor") : rc;
	m = sup_put_begin(&p->wb, type);
	sup_put_u64(&p->wb, id);
	sup_put_end(&p->wb, m);
	if ((rc = psup_put_all(p, mono_ms() + SUP_IO_MS)) != 0 ||
	    (rc = psup_expect(p, SUP_STARTED, &f, mono_ms() + SUP_IO_MS)) != 0)
		return psup_drop(p, rc);
	sup_rd_init(&r, &f);
	p->pid = (int)sup_get_u32(&r);
	p->id = sup_get_u64(&r);
	p->tty = type == SUP_REATTACH;
	*pp = p;
	return 0;
}

/* Reads until a whole frame is there, keeping a descriptor that rides
 * along (SCM_RIGHTS; any after the first is closed). */
static int
recv_frame_fd(struct proc *p, struct sup_frame *f, int *fdp,
    int64_t deadline)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct cmsghdr *c;
	struct msghdr m;
	struct iovec iov;
	struct pollfd pfd;
	ssize_t n;
	long k;
	int64_t left;

	for (;;) {
		if ((k = sup_frame_parse(p->rb + p->roff, p->rlen - p->roff,
		    f)) > 0) {
			p->roff += (size_t)k;
			return 0;
		}
		if (k < 0 || p->rlen == p->rcap)
			return err_set(ERR_BACKEND, "supervisor: bad frame");
		if ((left = deadline - mono_ms()) <= 0)
			return err_set(ERR_TIMEOUT, "supervisor did not "
			    "answer");
		pfd.fd = p->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		memset(&m, 0, sizeof m);
		iov.iov_base = p->rb + p->rlen;
		iov.iov_len = p->rcap - p->rlen;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cm.b;
		m.msg_controllen = sizeof cm.b;
		n = recvmsg(p->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		for (c = CMSG_FIRSTHDR(&m); n >= 0 && c != NULL;
		    c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof fd,
				    sizeof fd);
				if (*fdp < 0)
					*fdp = fd;
				else
					close(fd);
			}
		}
		if (n <= 0)
			return err_set(ERR_EOF, "supervisor closed the "
			    "connection");
		p->rlen += (size_t)n;
	}
}

int
sup_status_error(int st, int wr, const char *path, const char *why)
{
	switch (st) {
	case 0:
		return 0;
	case 2:
		return err_set(ERR_NOTFOUND, "no such file or directory: %s",
		    path);
	case 3:
		return err_set(ERR_FORBIDDEN, "the workspace user may not %s "
		    "there: %s", wr ? "write" : "read", why);
	case 4:
		return err_set(ERR_CONFLICT, "%s", why);
	case 5:
		return err_set(ERR_FORBIDDEN, "%s", why);
	case 7:
	case 8:
		return err_set(ERR_INVAL, "%s", why);
	default:
		return err_set(ERR_IO, "%s (status %d)", *why ? why :
		    wr ? "the write failed" : "the read failed", st);
	}
}

int
sup_open_file(const char *dir, const char *path, int wr, unsigned mode,
    int uid, int gid, struct sup_opened *o, int *fdp)
{
	struct proc *p = NULL;
	struct sup_frame f;
	struct sup_rd r;
	struct stat st;
	const uint8_t *why;
	uint32_t suid, sgid, status;
	size_t m, wn;
	char cause[512];
	int rc, fd = -1, acc;

	*fdp = -1;
	memset(o, 0, sizeof *o);
	if ((rc = psup_dial(dir, NULL, &p, &suid, &sgid)) != 0)
		return rc;
	if (suid != (uint32_t)uid || sgid != (uint32_t)gid) {
		rc = 1;		/* not the user asked for: the caller's way */
		goto out;
	}
	if (p->remote) {
		/* A descriptor does not cross a node's agent (TCP): the
		 * caller's way, the bytes streamed through the supervisor. */
		rc = 1;
		goto out;
	}
	m = sup_put_begin(&p->wb, SUP_OPEN);
	sup_put_u32(&p->wb, wr ? SUP_O_WRITE : 0);
	sup_put_u32(&p->wb, mode & 07777);
	sup_put_str(&p->wb, path, strlen(path));
	sup_put_end(&p->wb, m);
	if ((rc = psup_put_all(p, mono_ms() + SUP_IO_MS)) != 0 ||
	    (rc = recv_frame_fd(p, &f, &fd, mono_ms() + SUP_IO_MS)) != 0 ||
	    f.type != SUP_OPENED) {
		/* A supervisor from before OPEN closes on it. */
		rc = 1;
		goto out;
	}
	sup_rd_init(&r, &f);
	status = sup_get_u32(&r);
	o->is_dir = sup_get_u32(&r) != 0;
	o->size = (int64_t)sup_get_u64(&r);
	o->mode = sup_get_u32(&r) & 07777;
	o->mtime = (int64_t)sup_get_u64(&r);
	why = sup_get_str(&r, &wn);
	if (sup_rd_end(&r) != 0) {
		rc = err_set(ERR_BACKEND, "supervisor: bad OPENED frame");
		goto out;
	}
	snprintf(cause, sizeof cause, "%.*s", (int)(wn > 500 ? 500 : wn),
	    why != NULL ? (const char *)why : "");
	if (status != 0) {
		rc = sup_status_error((int)status, wr, path, cause);
		goto out;
	}
	if (o->is_dir) {
		rc = 0;
		goto out;
	}
	/* What came is the user's to give: only a regular file, opened the
	 * way asked, is used. */
	acc = fd >= 0 ? fcntl(fd, F_GETFL) & O_ACCMODE : -1;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (wr && acc != O_WRONLY && acc != O_RDWR) ||
	    (!wr && acc != O_RDONLY && acc != O_RDWR)) {
		rc = err_set(ERR_BACKEND, "supervisor: no usable file "
		    "descriptor for %s", path);
		goto out;
	}
	o->size = st.st_size;
	*fdp = fd;
	fd = -1;
	rc = 0;
 out:
	if (fd >= 0)
		close(fd);
	p->lost = 1;	/* no SIGNAL on free: nothing was started */
	psup_free(p);
	return rc;
}

int
sup_dial_fd(const char *dir, int *fdp)
{
	struct proc *p = NULL;
	uint32_t uid, gid;
	int rc;

	*fdp = -1;
	if ((rc = psup_dial(dir, NULL, &p, &uid, &gid)) != 0)
		return rc;
	/* Nothing follows READY until asked: the socket is all there is. */
	*fdp = p->fd;
	p->fd = -1;
	p->lost = 1;
	psup_free(p);
	return 0;
}

/* ---- processes that outlive berthd (terminal sessions) ------------- */

uint64_t
sup_proc_id(const struct proc *p)
{
	return p != NULL && psup_is(p) ? p->id : 0;
}

void
sup_proc_detach(struct proc *p)
{
	if (p == NULL || !psup_is(p))
		return;		/* not the supervisor's: the caller's */
	p->lost = 1;	/* no SIGNAL: it stays with the supervisor */
	psup_free(p);
}
