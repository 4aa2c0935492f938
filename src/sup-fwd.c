/* sup-fwd.c: berth-sup's side of forwarding into the workspace
 * (docs/exec.md, "Forwarding"). A LISTEN connection makes a listener as
 * the supervisor's user: the agent socket of "ssh -A" (mode 0600 in a
 * fresh private directory under /tmp) or a port on the workspace's
 * loopback ("ssh -R"). Each connection accepted there waits, announced
 * to the LISTEN connection by an INCOMING frame, until berthd takes it
 * with ATTACH on a connection of its own (or 10 s pass); from then on
 * that connection carries its bytes as a process's stdio (STDIN, EOF as
 * a half-close, CREDIT, STDOUT) and ends with EXIT when the peer closes.
 * When a LISTEN connection ends, its socket (and directory) go and the
 * connections still waiting are closed. Single-threaded, only libc. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup-frame.h"
#include "sup-fwd.h"

#define PENDING_MS	10000	/* an accepted connection waits for ATTACH */
#define PENDING_MAX	64	/* per listener */
#define FWD_MAX		256	/* objects in all */
#define AGENT_DIR	"/tmp/berth-agent-XXXXXX"

enum { F_LISTEN = 1, F_PENDING, F_STREAM };

struct sup_fwd {
	struct sup_fwd	*next;
	int		 kind;
	int		 fd;
	int		 dead;		/* ended; freed at a sup_fwd_poll */
	int		 held;		/* a connection's slot points here */
	int		 pi;		/* its pollfd this round, or -1 */
	struct sup_wbuf	*wb;		/* its berthd connection's, or NULL */
	uint64_t	 id;
	/* F_LISTEN */
	char		 path[108];	/* the agent socket */
	char		 dir[64];	/* and its directory */
	int		 npending;
	/* F_PENDING: the listener's id, the deadline */
	uint64_t	 lid;
	int64_t		 deadline;
	/* F_STREAM */
	uint8_t		*ib;
	size_t		 ilen;
	uint32_t	 credit;
	int		 eof_wanted, wr_shut;
};

static struct sup_fwd	*fwds;
static int		 nfwds;
static uint64_t		 next_id = 1;

static void
put_error(struct sup_wbuf *wb, int e, const char *what)
{
	char msg[160];
	size_t m;

	(void)snprintf(msg, sizeof msg, "%s%s%s", what, e ? ": " : "",
	    e ? strerror(e) : "");
	m = sup_put_begin(wb, SUP_ERROR);
	sup_put_u32(wb, (uint32_t)e);
	sup_put_str(wb, msg, strlen(msg));
	sup_put_end(wb, m);
}

static struct sup_fwd *
fwd_new(int kind, int fd, struct sup_wbuf *wb)
{
	struct sup_fwd *o;

	if ((o = calloc(1, sizeof *o)) == NULL)
		abort();
	o->kind = kind;
	o->fd = fd;
	o->wb = wb;
	o->pi = -1;
	o->id = next_id++;
	o->next = fwds;
	fwds = o;
	nfwds++;
	return o;
}

/* Ends o now (its fd closed, its socket removed); freed later. */
static void
fwd_end(struct sup_fwd *o)
{
	if (o->dead)
		return;
	o->dead = 1;
	o->wb = NULL;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->path[0] != '\0')
		(void)unlink(o->path);
	if (o->dir[0] != '\0')
		(void)rmdir(o->dir);
	o->path[0] = o->dir[0] = '\0';
	free(o->ib);
	o->ib = NULL;
	o->ilen = 0;
	if (o->kind == F_LISTEN)
		for (struct sup_fwd *q = fwds; q != NULL; q = q->next)
			if (q->kind == F_PENDING && q->lid == o->id)
				fwd_end(q);
	if (o->kind == F_PENDING)
		for (struct sup_fwd *q = fwds; q != NULL; q = q->next)
			if (q->kind == F_LISTEN && q->id == o->lid)
				q->npending--;
}

static const char	*rundir;

void
sup_fwd_set_rundir(const char *dir)
{
	rundir = dir;
}

static int
agent_socket(struct sup_fwd *o)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	(void)snprintf(o->dir, sizeof o->dir, "%s", AGENT_DIR);
	if (mkdtemp(o->dir) == NULL && (rundir == NULL ||
	    (size_t)snprintf(o->dir, sizeof o->dir, "%s/agent-XXXXXX",
	    rundir) >= sizeof o->dir || mkdtemp(o->dir) == NULL)) {
		o->dir[0] = '\0';
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	(void)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/agent.sock",
	    o->dir);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return -1;
	old = umask(0177);	/* the socket 0600 */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 16) != 0) {
		int e = errno;

		umask(old);
		close(fd);
		errno = e;
		return -1;
	}
	umask(old);
	memcpy(o->path, sa.sun_path, sizeof o->path);
	return fd;
}

/* A port on the loopback: ::1 when asked for it, else 127.0.0.1 (never
 * an outside address). *port gets the one bound. */
static int
tcp_socket(const char *host, uint32_t *port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, on = 1, v6 = strcmp(host, "::1") == 0;

	memset(&ss, 0, sizeof ss);
	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
		a6->sin6_port = htons((uint16_t)*port);
		len = sizeof *a6;
	} else {
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a4->sin_port = htons((uint16_t)*port);
		len = sizeof *a4;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(v6 ? a6->sin6_port : a4->sin_port);
	return fd;
}

static int
do_listen(struct sup_fwd **slot, struct sup_wbuf *wb,
    const struct sup_frame *f)
{
	struct sup_rd r;
	struct sup_fwd *o;
	const uint8_t *h;
	char host[64];
	uint32_t kind, port;
	size_t hl, m;
	int fd;

	sup_rd_init(&r, f);
	kind = sup_get_u32(&r);
	h = sup_get_str(&r, &hl);
	port = sup_get_u32(&r);
	if (sup_rd_end(&r) != 0 || hl >= sizeof host || port > 65535 ||
	    (kind != SUP_FWD_AGENT && kind != SUP_FWD_TCP))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (nfwds >= FWD_MAX) {
		put_error(wb, EMFILE, "too many forwards");
		return 1;
	}
	o = fwd_new(F_LISTEN, -1, wb);
	fd = kind == SUP_FWD_AGENT ? agent_socket(o) : tcp_socket(host,
	    &port);
	if (fd < 0) {
		put_error(wb, errno, kind == SUP_FWD_AGENT ?
		    "agent socket" : "listen");
		fwd_end(o);
		return 1;
	}
	o->fd = fd;
	o->held = 1;
	*slot = o;
	m = sup_put_begin(wb, SUP_LISTENING);
	if (kind == SUP_FWD_AGENT)
		sup_put_str(wb, o->path, strlen(o->path));
	else
		sup_put_str(wb, host, strlen(host));
	sup_put_u32(wb, kind == SUP_FWD_AGENT ? 0 : port);
	sup_put_end(wb, m);
	return 0;
}

static int
do_attach(struct sup_fwd **slot, struct sup_wbuf *wb,
    const struct sup_frame *f)
{
	struct sup_rd r;
	struct sup_fwd *o;
	uint64_t id;
	size_t m;

	sup_rd_init(&r, f);
	id = sup_get_u64(&r);
	if (sup_rd_end(&r) != 0)
		return -1;
	for (o = fwds; o != NULL; o = o->next)
		if (o->kind == F_PENDING && o->id == id && !o->dead)
			break;
	if (o == NULL) {
		put_error(wb, ENOENT, "no such connection waiting");
		return 1;
	}
	for (struct sup_fwd *q = fwds; q != NULL; q = q->next)
		if (q->kind == F_LISTEN && q->id == o->lid)
			q->npending--;
	o->kind = F_STREAM;
	o->wb = wb;
	o->credit = SUP_WINDOW;
	o->held = 1;
	*slot = o;
	m = sup_put_begin(wb, SUP_STARTED);
	sup_put_u32(wb, 0);
	sup_put_u64(wb, o->id);
	sup_put_end(wb, m);
	return 0;
}

static int
stream_frame(struct sup_fwd *o, struct sup_wbuf *wb,
    const struct sup_frame *f)
{
	struct sup_rd r;
	uint32_t a, b;
	uint8_t *nb;
	size_t m;

	sup_rd_init(&r, f);
	switch (f->type) {
	case SUP_STDIN:
		if (o->dead || o->eof_wanted) {
			m = sup_put_begin(wb, SUP_CREDIT);
			sup_put_u32(wb, 0);
			sup_put_u32(wb, (uint32_t)f->len);
			sup_put_end(wb, m);
			return 0;
		}
		if (o->ilen + f->len > SUP_WINDOW)
			return -1;	/* past the credit given */
		if ((nb = realloc(o->ib, o->ilen + f->len + 1)) == NULL)
			abort();
		o->ib = nb;
		memcpy(o->ib + o->ilen, f->data, f->len);
		o->ilen += f->len;
		return 0;
	case SUP_EOF:
		o->eof_wanted = 1;
		return 0;
	case SUP_CREDIT:
		a = sup_get_u32(&r);
		b = sup_get_u32(&r);
		if (sup_rd_end(&r) != 0 || a != 1)
			return -1;
		o->credit = o->credit + b > SUP_WINDOW * 4 ? SUP_WINDOW * 4 :
		    o->credit + b;
		return 0;
	case SUP_SIGNAL:
		/* berthd let go of it before the end: close it. */
		fwd_end(o);
		return 0;
	default:
		return -1;
	}
}

int
sup_fwd_frame(struct sup_fwd **slot, struct sup_wbuf *wb,
    const struct sup_frame *f)
{
	struct sup_fwd *o = *slot;

	if (o == NULL) {
		if (f->type == SUP_LISTEN)
			return do_listen(slot, wb, f);
		if (f->type == SUP_ATTACH)
			return do_attach(slot, wb, f);
		return -1;
	}
	if (o->kind == F_STREAM)
		return stream_frame(o, wb, f);
	/* A listener's connection says nothing more; a SIGNAL is berthd
	 * letting go of it, as of any process. */
	return f->type == SUP_SIGNAL ? 0 : -1;
}

void
sup_fwd_gone(struct sup_fwd **slot)
{
	if (*slot != NULL) {
		fwd_end(*slot);
		(*slot)->held = 0;	/* now it may be freed */
	}
	*slot = NULL;
}

size_t
sup_fwd_npoll(void)
{
	return (size_t)nfwds;
}

size_t
sup_fwd_poll(struct pollfd *pf, int64_t now, int64_t *wake)
{
	struct sup_fwd **pp, *o;
	size_t n = 0;
	short ev;

	for (pp = &fwds; (o = *pp) != NULL;) {
		if (o->kind == F_PENDING && !o->dead && now >= o->deadline)
			fwd_end(o);
		if (o->dead && !o->held) {
			*pp = o->next;
			nfwds--;
			free(o);
			continue;
		}
		pp = &o->next;
		o->pi = -1;
		ev = 0;
		if (o->dead)
			continue;	/* its connection still holds it */
		if (o->kind == F_LISTEN)
			ev = POLLIN;
		else if (o->kind == F_PENDING) {
			if (*wake < 0 || o->deadline < *wake)
				*wake = o->deadline;
		} else {
			if (o->credit > 0)
				ev |= POLLIN;
			if (o->ilen > 0 || (o->eof_wanted && !o->wr_shut))
				ev |= POLLOUT;	/* to write, or to half-close */
		}
		if (ev == 0)
			continue;
		o->pi = (int)n;
		pf[n++] = (struct pollfd){ .fd = o->fd, .events = ev };
	}
	return n;
}

static void
put_u32s(struct sup_wbuf *wb, int type, uint32_t a, uint32_t b, int two)
{
	size_t m = sup_put_begin(wb, type);

	sup_put_u32(wb, a);
	sup_put_u32(wb, b);
	if (two)
		sup_put_u32(wb, 0);
	sup_put_end(wb, m);
}

static void
listener_accept(struct sup_fwd *l, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	struct sup_fwd *o;
	char host[64] = "";
	uint32_t port = 0;
	size_t m;
	int fd;

	fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK |
	    SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (l->wb == NULL || l->npending >= PENDING_MAX || nfwds >= FWD_MAX) {
		close(fd);
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		(void)inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		(void)inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
	}
	o = fwd_new(F_PENDING, fd, NULL);
	o->lid = l->id;
	o->deadline = now + PENDING_MS;
	l->npending++;
	m = sup_put_begin(l->wb, SUP_INCOMING);
	sup_put_u64(l->wb, o->id);
	sup_put_str(l->wb, host, strlen(host));
	sup_put_u32(l->wb, port);
	sup_put_end(l->wb, m);
}

static void
stream_io(struct sup_fwd *o, short rev)
{
	static uint8_t b[SUP_DATA_MAX];
	size_t want;
	ssize_t n;

	if ((rev & (POLLOUT | POLLERR | POLLHUP)) && o->ilen > 0) {
		n = send(o->fd, o->ib, o->ilen, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			n = 0;
		else if (n < 0)
			n = (ssize_t)o->ilen;	/* the peer is gone: dropped */
		memmove(o->ib, o->ib + n, o->ilen - (size_t)n);
		o->ilen -= (size_t)n;
		if (n > 0 && o->wb != NULL)
			put_u32s(o->wb, SUP_CREDIT, 0, (uint32_t)n, 0);
	}
	if (o->ilen == 0 && o->eof_wanted && !o->wr_shut) {
		(void)shutdown(o->fd, SHUT_WR);
		o->wr_shut = 1;
	}
	if (!(rev & (POLLIN | POLLERR | POLLHUP)) || o->credit == 0)
		return;
	want = o->credit < sizeof b ? o->credit : sizeof b;
	n = recv(o->fd, b, want, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		if (o->wb != NULL)
			sup_put_frame(o->wb, SUP_STDOUT, b, (size_t)n);
		o->credit -= (uint32_t)n;
		return;
	}
	/* The peer closed (or failed): the stream is over. */
	if (o->wb != NULL)
		put_u32s(o->wb, SUP_EXIT, n == 0 ? 0 : 1, 0, 1);
	fwd_end(o);
}

void
sup_fwd_run(const struct pollfd *pf, int64_t now)
{
	struct sup_fwd *o;

	for (o = fwds; o != NULL; o = o->next) {
		if (o->dead || o->pi < 0)
			continue;
		if (o->kind == F_LISTEN && (pf[o->pi].revents & POLLIN))
			listener_accept(o, now);
		else if (o->kind == F_STREAM && pf[o->pi].revents != 0)
			stream_io(o, pf[o->pi].revents);
	}
}
