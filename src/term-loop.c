/* term-loop.c: the terminal event loop. One thread owns every terminal
 * socket (a viewer) and every terminal process (a session) through one
 * epoll set; other threads reach it by writing pointers into its wake
 * pipe (term_open, term_notice, finished jobs).
 *
 * Output flows process -> session ring -> each viewer at its own cursor.
 * The ring is the only output buffer: the process is read only while every
 * live viewer is within READ_LAG bytes of the ring's end, so a paused or
 * slow viewer stops the process (the pty fills, the program blocks) rather
 * than growing memory, and a viewer stuck for SLOW_MS is dropped so the
 * session goes on for the others. Input flows viewer -> session stdin
 * queue -> process; a viewer's socket is not read while that queue is over
 * IN_HIGH. */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activity.h"
#include "app.h"
#include "buf.h"
#include "err.h"
#include "log.h"
#include "term-int.h"
#include "term-token.h"
#include "term-ws.h"
#include "term.h"
#include "timeutil.h"
#include "xmalloc.h"

#define AUTH_MS		10000	/* for the JSON first message */
#define SLOW_MS		30000	/* a viewer blocking everyone, no progress */
#define LINGER_MS	2000	/* for the peer's CLOSE after ours */
#define TOUCH_MS	30000	/* activity and TTL check */
#define PUMP_BUDGET	(512 * 1024)	/* bytes read per session per turn */

static struct app	*app;
static pthread_t	 loop_thread;
static int		 running;
static int		 ep = -1;
static int		 wake_r = -1, wake_w = -1;
static int		 wake_kind = EV_WAKE;
static volatile int	 stopping;
static pthread_mutex_t	 reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct session	*sessions;	/* under reg_mu for readers */
static struct viewer	*viewers;	/* loop thread only */
static struct session	*graveyard;	/* ended, freed by reap() */
static int64_t		 next_tick;
static atomic_int	 nopen;		/* viewer sockets, for the cap */

/* Jobs and messages through the wake pipe. */
enum { J_OPEN, J_NOTICE, J_START, J_WAIT, J_FREE, J_TOUCH };

struct job {
	int		 type;
	struct session	*s;
	int		 rc;
	int		 status;
	struct proc	*p;
	char		 msg[512];
	/* J_OPEN */
	struct viewer	*v;
	/* J_START */
	struct term_grant g;
	unsigned	 rows, cols;
	/* J_TOUCH: ws ids in, ids expiring soon out. */
	char		**ids;
	int64_t		*expires;
	size_t		 nids;
};

static void	 sess_pump(struct session *);
static void	 viewer_close(struct viewer *, int code, const char *reason);
static void	 viewer_free(struct viewer *);

static void
post(struct job *j)
{
	ssize_t n;

	do
		n = write(wake_w, &j, sizeof j);
	while (n < 0 && errno == EINTR);
	if (n != sizeof j)
		log_error("term: wake pipe write failed: %s", strerror(errno));
}

static void *
job_main(void *arg)
{
	struct job *j = arg;

	term_job_run(app, j->type == J_START ? TJ_START : j->type == J_WAIT ?
	    TJ_WAIT : j->type == J_FREE ? TJ_FREE : TJ_TOUCH, j->s, &j->g,
	    j->rows, j->cols, &j->p, &j->rc, &j->status, j->msg,
	    sizeof j->msg, j->ids, j->expires, j->nids);
	post(j);
	return NULL;
}

static void
job_spawn(struct job *j)
{
	pthread_t t;
	pthread_attr_t a;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	if (pthread_create(&t, &a, job_main, j) != 0) {
		/* Run it here rather than lose it. */
		job_main(j);
	}
	pthread_attr_destroy(&a);
}

/* epoll interest for an fd, changed only when it differs. */
static void
ev_set(int fd, uint32_t *cur, uint32_t want, void *ptr)
{
	struct epoll_event e;

	if (fd < 0 || *cur == want)
		return;
	memset(&e, 0, sizeof e);
	e.events = want;
	e.data.ptr = ptr;
	if (*cur == 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
	else if (want == 0)
		epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	else
		epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
	*cur = want;
}

/* Sessions. */

static struct session *
sess_new(const struct term_grant *g, const char *name)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->kind = EV_SESS;
	s->pfd = -1;
	snprintf(s->ws_id, sizeof s->ws_id, "%s", g->ws_id);
	snprintf(s->ws_name, sizeof s->ws_name, "%s", g->ws_name);
	snprintf(s->user, sizeof s->user, "%s", g->user);
	snprintf(s->name, sizeof s->name, "%s", name != NULL ? name : "");
	ring_init(&s->ring, s->name[0] != '\0' ? RING_NAMED : RING_PLAIN);
	s->in = buf_new(IN_CAP);
	s->created_at = now_s();
	s->idle_since = mono_ms();
	s->state = S_STARTING;
	pthread_mutex_lock(&reg_mu);
	s->next = sessions;
	sessions = s;
	pthread_mutex_unlock(&reg_mu);
	return s;
}

static void
sess_unlink(struct session *s)
{
	struct session **pp;

	pthread_mutex_lock(&reg_mu);
	for (pp = &sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	pthread_mutex_unlock(&reg_mu);
}

/* Ends a session: the process (if any) goes to a job to be killed and
 * freed; the record goes when no job holds it. */
static void
sess_end(struct session *s)
{
	struct job *j;

	if (s->ended)
		return;
	s->ended = 1;
	term_keep_forget(app, s);
	sess_unlink(s);
	ev_set(s->pfd, &s->evmask, 0, s);
	s->pfd = -1;
	if (s->p != NULL) {
		j = xcalloc(1, sizeof *j);
		j->type = J_FREE;
		j->p = s->p;
		s->p = NULL;
		job_spawn(j);
	}
	s->next = graveyard;
	graveyard = s;
}

/* Frees ended sessions nobody refers to any more (top of the loop only,
 * so no caller holds one). */
static void
reap(void)
{
	struct session **pp = &graveyard, *s;

	while ((s = *pp) != NULL) {
		if (s->jobs == 0 && s->viewers == NULL) {
			*pp = s->next;
			ring_free(&s->ring);
			buf_free(s->in);
			free(s);
		} else
			pp = &s->next;
	}
}

static void
sess_detach(struct viewer *v)
{
	struct session *s = v->s;
	struct viewer **pp;

	if (s == NULL)
		return;
	for (pp = &s->viewers; *pp != NULL; pp = &(*pp)->snext)
		if (*pp == v) {
			*pp = v->snext;
			break;
		}
	v->s = NULL;
	pthread_mutex_lock(&reg_mu);
	s->nviewers--;
	pthread_mutex_unlock(&reg_mu);
	if (s->viewers == NULL) {
		s->idle_since = mono_ms();
		/* A session without a name lives as long as its socket. */
		if (s->name[0] == '\0' || s->state == S_DONE)
			sess_end(s);
	}
	/* The one who held the process back may have left. */
	s->again = 1;
}

/* Appends a ttyd message (type byte + data) to a viewer's frames. */
static int
viewer_msg(struct viewer *v, char type, const void *p, size_t n)
{
	return term_ws_frame(v->out, TERM_WS_BINARY, &type, 1, p, n, NULL);
}

/* Sends what is queued; refills from the ring. */
static void
viewer_flush(struct viewer *v)
{
	struct session *s = v->s;
	const uint8_t *p;
	size_t n;
	ssize_t w;
	int progress = 0;

	if (v->fd < 0)
		return;
	for (;;) {
		while (s != NULL && v->state == V_LIVE &&
		    (!v->paused || s->state == S_DONE) &&
		    buf_len(v->out) < OUT_LOW && v->pos < s->ring.seq) {
			if (v->pos < ring_oldest(&s->ring))
				v->pos = ring_oldest(&s->ring);
			n = ring_get(&s->ring, v->pos, &p, CHUNK);
			if (viewer_msg(v, '0', p, n) != 0)
				break;
			v->pos += n;
		}
		if (buf_len(v->out) == 0)
			break;
		w = send(v->fd, buf_data(v->out), buf_len(v->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w <= 0) {
			v->dead = 1;
			return;
		}
		buf_consume(v->out, (size_t)w);
		progress = 1;
	}
	if (progress || buf_len(v->out) == 0)
		v->stuck_since = 0;
	else if (v->stuck_since == 0)
		v->stuck_since = mono_ms();
	/* A close we sent and flushed: half-close, wait for the peer. */
	if (v->state == V_CLOSING && buf_len(v->out) == 0 && !v->shut) {
		shutdown(v->fd, SHUT_WR);
		v->shut = 1;
	}
	/* Done with the session: the last output went, now the close. */
	if (v->state == V_LIVE && s != NULL && s->state == S_DONE &&
	    v->pos >= s->ring.seq) {
		char why[64];

		snprintf(why, sizeof why, "exit status %d", s->status);
		viewer_close(v, TERM_WS_NORMAL, why);
	}
}

static void
viewer_update(struct viewer *v)
{
	uint32_t want = EPOLLRDHUP;

	if (v->fd < 0)
		return;
	if (v->state != V_LIVE || v->s == NULL || buf_len(v->s->in) < IN_HIGH)
		want |= EPOLLIN;
	if (buf_len(v->out) > 0)
		want |= EPOLLOUT;
	ev_set(v->fd, &v->evmask, want, v);
}

static void
viewer_close(struct viewer *v, int code, const char *reason)
{
	if (v->state == V_CLOSING)
		return;
	term_ws_close(v->out, code, reason, NULL);
	v->state = V_CLOSING;
	v->deadline = mono_ms() + LINGER_MS;
	sess_detach(v);
	viewer_flush(v);
	viewer_update(v);
}

static void
viewer_free(struct viewer *v)
{
	struct viewer **pp;

	sess_detach(v);
	for (pp = &viewers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == v) {
			*pp = v->next;
			break;
		}
	if (v->fd >= 0) {
		ev_set(v->fd, &v->evmask, 0, v);
		close(v->fd);
	}
	term_ws_free(v->ws);
	buf_free(v->out);
	buf_free(v->pre);
	free(v);
	atomic_fetch_sub(&nopen, 1);
}

/* A viewer joins a running session: greeting, then the ring. */
static void
viewer_join(struct viewer *v)
{
	struct session *s = v->s;
	char title[256];

	v->state = V_LIVE;
	v->pos = ring_oldest(&s->ring);
	snprintf(title, sizeof title, "%s@%s%s%s", s->user, s->ws_name,
	    s->name[0] != '\0' ? " " : "", s->name);
	viewer_msg(v, '1', title, strlen(title));
	viewer_msg(v, '2', "{}", 2);
	viewer_flush(v);
}

static void
sess_start(struct session *s, const struct term_grant *g)
{
	struct job *j = xcalloc(1, sizeof *j);

	j->type = J_START;
	j->s = s;
	j->g = *g;
	j->rows = s->rows;
	j->cols = s->cols;
	s->jobs++;
	job_spawn(j);
}

/* The viewer is authenticated: attach to its session or start one. */
static void
viewer_begin(struct viewer *v)
{
	struct session *s = NULL;

	if (v->sname[0] != '\0')
		for (s = sessions; s != NULL; s = s->next)
			if (!s->ended && s->state != S_DONE &&
			    s->state != S_EXITING &&
			    strcmp(s->ws_id, v->g.ws_id) == 0 &&
			    strcmp(s->user, v->g.user) == 0 &&
			    strcmp(s->name, v->sname) == 0)
				break;
	if (s == NULL) {
		struct session *x;
		int mine = 0;

		for (x = sessions; x != NULL; x = x->next)
			mine += strcmp(x->user, v->g.user) == 0;
		if (mine >= TERM_MAX_USER) {
			log_info("term: user=%s has %d terminals open; refused",
			    v->g.user, mine);
			viewer_close(v, TERM_WS_TRY_LATER, "too many terminals "
			    "open; close some first");
			return;
		}
		s = sess_new(&v->g, v->sname);	/* "" for a task's viewer */
		snprintf(s->task, sizeof s->task, "%s", v->task);
		s->rows = v->rows;
		s->cols = v->cols;
		sess_start(s, &v->g);
	}
	v->s = s;
	v->snext = s->viewers;
	s->viewers = v;
	pthread_mutex_lock(&reg_mu);
	s->nviewers++;
	pthread_mutex_unlock(&reg_mu);
	if (s->state == S_STARTING)
		v->state = V_WAIT;
	else {
		viewer_join(v);
		if (v->rows > 0 && v->cols > 0)
			term_resize(s, v->rows, v->cols);
		sess_pump(s);
	}
}

/* One message from a viewer. */
static int
on_msg(void *arg, int op, int code, const uint8_t *d, size_t n)
{
	struct viewer *v = arg;
	struct session *s = v->s;
	unsigned rows = 0, cols = 0;
	char tok[64];

	switch (op) {
	case TERM_WS_PING:
		term_ws_frame(v->out, TERM_WS_PONG, d, n, NULL, 0, NULL);
		return 0;
	case TERM_WS_PONG:
		return 0;
	case TERM_WS_CLOSE:
		viewer_close(v, code == 1005 ? TERM_WS_NORMAL : code, "");
		return 1;
	}
	if (v->state == V_CLOSING || n == 0)
		return 0;
	if (v->state == V_AUTH) {
		if (d[0] != '{' || term_parse_hello(d, n, tok, sizeof tok,
		    &rows, &cols) != 0 || term_token_take(tok, &v->g) != 0 ||
		    !term_grant_matches(&v->g, v->ref)) {
			log_info("term: refused a socket from %s: bad or "
			    "expired token", v->addr);
			viewer_close(v, TERM_WS_POLICY,
			    "bad or expired terminal token");
			return 1;
		}
		v->rows = rows;
		v->cols = cols;
		viewer_begin(v);
		return 0;
	}
	switch (d[0]) {
	case '0':
		/* Typed before the shell is up: it waits in the queue. */
		if (s == NULL || (s->state != S_RUNNING &&
		    s->state != S_STARTING))
			return 0;
		if (buf_append(s->in, d + 1, n - 1) != 0) {
			viewer_close(v, TERM_WS_TOO_BIG, "input overrun");
			return 1;
		}
		return 0;
	case '1':
	case '{':
		if (term_parse_size(d[0] == '1' ? d + 1 : d, d[0] == '1' ?
		    n - 1 : n, &rows, &cols) != 0)
			return 0;
		v->rows = rows;
		v->cols = cols;
		if (s != NULL && s->state == S_STARTING) {
			s->rows = rows;
			s->cols = cols;
		} else if (s != NULL && s->state == S_RUNNING)
			term_resize(s, rows, cols);
		return 0;
	case '2':
		v->paused = 1;
		return 0;
	case '3':
		v->paused = 0;
		return 0;
	}
	return 0;
}

static void
viewer_read(struct viewer *v)
{
	uint8_t b[16384];
	ssize_t n;
	int r;

	n = recv(v->fd, b, sizeof b, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		v->dead = 1;
		return;
	}
	if (v->state == V_CLOSING)
		return;		/* draining until the peer's close */
	r = term_ws_feed(v->ws, b, (size_t)n, on_msg, v);
	if (r < 0)
		viewer_close(v, term_ws_error(v->ws), err_msg());
}

/* Reads the process while every live viewer keeps up. */
static int
sess_may_read(const struct session *s)
{
	const struct viewer *v;

	if (s->state != S_RUNNING || s->p == NULL || s->eof)
		return 0;
	for (v = s->viewers; v != NULL; v = v->snext)
		if (v->state == V_LIVE && s->ring.seq - v->pos >= READ_LAG)
			return 0;
	return 1;
}

static void
sess_eof(struct session *s)
{
	struct job *j;

	s->eof = 1;
	s->state = S_EXITING;
	ev_set(s->pfd, &s->evmask, 0, s);
	j = xcalloc(1, sizeof *j);
	j->type = J_WAIT;
	j->s = s;
	j->p = s->p;
	s->jobs++;
	job_spawn(j);
}

/* Moves bytes: viewers' input to the process, the process's output into
 * the ring, the ring to the viewers; then sets the epoll interest. */
static void
sess_pump(struct session *s)
{
	uint8_t b[CHUNK];
	struct viewer *v, *vn;
	size_t budget = PUMP_BUDGET;
	ssize_t n;
	uint32_t want = 0;
	int stream, blocked_in = 0;

	if (s->ended)
		return;
	while (s->state == S_RUNNING && buf_len(s->in) > 0) {
		n = proc_write(s->p, buf_data(s->in), buf_len(s->in));
		if (n == ERR_AGAIN) {
			blocked_in = 1;
			break;
		}
		if (n <= 0) {
			buf_reset(s->in);
			break;
		}
		buf_consume(s->in, (size_t)n);
	}
	while (budget > 0 && sess_may_read(s)) {
		n = proc_read(s->p, &stream, b, sizeof b);
		if (n == ERR_AGAIN)
			break;
		if (n <= 0) {
			sess_eof(s);
			break;
		}
		ring_write(&s->ring, b, (size_t)n);
		budget -= (size_t)n < budget ? (size_t)n : budget;
		for (v = s->viewers; v != NULL; v = v->snext)
			viewer_flush(v);
	}
	s->again = budget == 0 && sess_may_read(s);
	for (v = s->viewers; v != NULL; v = vn) {
		vn = v->snext;
		viewer_flush(v);
		viewer_update(v);
	}
	if (s->state == S_RUNNING && !s->eof) {
		if (sess_may_read(s))
			want |= EPOLLIN;
		if (blocked_in)
			want |= EPOLLOUT;
	}
	ev_set(s->pfd, &s->evmask, want, s);
}

/* Job results and requests from other threads. */
static void
on_job(struct job *j)
{
	struct session *s = j->s;
	struct viewer *v, *vn;
	size_t i;

	switch (j->type) {
	case J_OPEN:
		v = j->v;
		v->next = viewers;
		viewers = v;
		if (v->mode == 2) {		/* refused at the door */
			log_info("term: refused a socket from %s: bad or "
			    "expired token", v->addr);
			viewer_close(v, TERM_WS_POLICY,
			    "bad or expired terminal token");
		} else if (v->mode == 1)	/* token in the URL */
			viewer_begin(v);
		if (v->pre != NULL) {
			if (v->state != V_CLOSING &&
			    term_ws_feed(v->ws, buf_data(v->pre),
			    buf_len(v->pre), on_msg, v) < 0)
				viewer_close(v, term_ws_error(v->ws),
				    err_msg());
			buf_free(v->pre);
			v->pre = NULL;
		}
		viewer_flush(v);
		viewer_update(v);
		break;
	case J_NOTICE:
		for (s = sessions; s != NULL; s = s->next)
			if (strcmp(s->ws_id, j->msg) == 0 &&
			    s->state == S_RUNNING) {
				const char *m = j->msg + strlen(j->msg) + 1;

				ring_write(&s->ring, m, strlen(m));
				sess_pump(s);
			}
		break;
	case J_START:
		s->jobs--;
		if (s->ended) {
			if (j->p != NULL) {	/* nobody wants it now */
				j->type = J_FREE;
				j->s = NULL;
				job_spawn(j);
				return;
			}
			break;
		}
		if (j->rc != 0) {
			log_info("term: cannot start a shell in %s for %s: %s",
			    s->ws_id, s->user, j->msg);
			s->state = S_DONE;
			for (v = s->viewers; v != NULL; v = vn) {
				vn = v->snext;
				viewer_close(v, TERM_WS_INTERNAL, j->msg);
			}
			sess_end(s);
			break;
		}
		s->p = j->p;
		s->pfd = proc_fd(s->p);
		s->state = S_RUNNING;
		term_started(s, j->rows, j->cols);
		/* The first activity/TTL check comes soon after the start
		 * (a warning due already shows at once). */
		s->last_touch = mono_ms() - TOUCH_MS + 1500;
		log_info("term: session started ws=%s user=%s name=%s",
		    s->ws_id, s->user, s->name[0] ? s->name : "-");
		for (v = s->viewers; v != NULL; v = v->snext)
			if (v->state == V_WAIT)
				viewer_join(v);
		sess_pump(s);
		break;
	case J_WAIT:
		s->jobs--;
		s->status = j->rc == 0 ? j->status : 255;
		s->state = S_DONE;
		if (!s->ended) {
			for (v = s->viewers; v != NULL; v = vn) {
				vn = v->snext;
				viewer_flush(v);
				viewer_update(v);
			}
			if (s->viewers == NULL)
				sess_end(s);
		}
		break;
	case J_FREE:
		break;
	case J_TOUCH:
		for (i = 0; i < j->nids; i++) {
			int64_t left = j->expires[i] - now_s();
			char line[256];

			if (j->expires[i] <= 0 || left > 300 || left <= 0)
				continue;
			term_ttl_line(left, line, sizeof line);
			for (s = sessions; s != NULL; s = s->next)
				if (s->state == S_RUNNING &&
				    strcmp(s->ws_id, j->ids[i]) == 0 &&
				    s->warned_for != j->expires[i]) {
					s->warned_for = j->expires[i];
					ring_write(&s->ring, line,
					    strlen(line));
					sess_pump(s);
				}
		}
		for (i = 0; i < j->nids; i++)
			free(j->ids[i]);
		free(j->ids);
		free(j->expires);
		break;
	}
	free(j);
}

/* Once a second: timeouts, idle sessions, slow viewers, activity. */
static void
tick(void)
{
	struct viewer *v, *vn;
	struct session *s, *sn;
	int64_t now = mono_ms(), idle_ms;
	struct job *j = NULL;

	for (v = viewers; v != NULL; v = vn) {
		vn = v->next;
		if (v->state == V_AUTH && now - v->born > AUTH_MS)
			viewer_close(v, TERM_WS_POLICY, "no token sent");
		else if (v->state == V_CLOSING && now > v->deadline)
			v->dead = 1;
		else if (v->state == V_LIVE && v->stuck_since != 0 &&
		    now - v->stuck_since > SLOW_MS && v->s != NULL &&
		    v->s->ring.seq - v->pos >= READ_LAG) {
			log_info("term: dropping a viewer of %s that stopped "
			    "reading", v->s->ws_id);
			v->dead = 1;
		}
		if (v->dead)
			viewer_free(v);
	}
	idle_ms = (int64_t)app->cfg.terminal_idle * 1000;
	for (s = sessions; s != NULL; s = sn) {
		sn = s->next;
		if (s->viewers == NULL && s->state == S_RUNNING &&
		    now - s->idle_since > idle_ms) {
			log_info("term: session %s of ws=%s ended after %llds "
			    "without viewers", s->name, s->ws_id,
			    (long long)app->cfg.terminal_idle);
			sess_end(s);
			continue;
		}
		if (s->state == S_RUNNING && s->viewers != NULL)
			ws_activity(s->ws_id, "terminal");
		if (s->state == S_RUNNING && s->viewers != NULL &&
		    now - s->last_touch >= TOUCH_MS) {
			s->last_touch = now;
			if (j == NULL) {
				j = xcalloc(1, sizeof *j);
				j->type = J_TOUCH;
			}
			j->ids = xreallocarray(j->ids, j->nids + 1,
			    sizeof *j->ids);
			j->expires = xreallocarray(j->expires, j->nids + 1,
			    sizeof *j->expires);
			j->ids[j->nids] = xstrdup(s->ws_id);
			j->expires[j->nids++] = 0;
		}
	}
	if (j != NULL)
		job_spawn(j);
}

static void *
loop_main(void *arg)
{
	struct epoll_event evs[64];
	struct session *s;
	int i, n, kind, again;

	(void)arg;
	while (!stopping) {
		again = 0;
		for (s = sessions; s != NULL; s = s->next)
			again |= s->again;
		n = epoll_wait(ep, evs, 64, again ? 0 : 500);
		for (i = 0; i < n; i++) {
			kind = *(int *)evs[i].data.ptr;
			if (kind == EV_WAKE) {
				struct job *jobs[64];
				ssize_t k = read(wake_r, jobs, sizeof jobs);

				for (ssize_t x = 0; x < k / (ssize_t)sizeof
				    jobs[0]; x++)
					on_job(jobs[x]);
			} else if (kind == EV_SESS)
				sess_pump(evs[i].data.ptr);
			else {
				struct viewer *v = evs[i].data.ptr;

				if (v->dead)
					continue;
				if (evs[i].events & (EPOLLIN | EPOLLERR |
				    EPOLLHUP | EPOLLRDHUP))
					viewer_read(v);
				if (!v->dead && v->s != NULL)
					sess_pump(v->s);
				else if (!v->dead) {
					viewer_flush(v);
					viewer_update(v);
				}
			}
		}
		/* Sessions read to their budget, or whose viewers changed,
		 * go again. */
		for (s = sessions; s != NULL; s = s->next)
			if (s->again) {
				s->again = 0;
				sess_pump(s);
			}
		if (mono_ms() >= next_tick || n > 0) {
			struct viewer *v, *vn;

			for (v = viewers; v != NULL; v = vn) {
				vn = v->next;
				if (v->dead)
					viewer_free(v);
			}
		}
		if (mono_ms() >= next_tick) {
			next_tick = mono_ms() + 1000;
			tick();
		}
		reap();
	}
	return NULL;
}

void
term_open(const struct term_open *o)
{
	struct viewer *v;
	struct job *j;
	int fl;

	/* Beyond the cap a socket is closed at once: a bound on memory
	 * whatever the clients do (the HTTP layer no longer counts it). */
	if (!running || atomic_load(&nopen) >= TERM_MAX_SOCKETS) {
		if (running)
			log_warn("term: %d terminal sockets open; refusing",
			    TERM_MAX_SOCKETS);
		close(o->fd);
		return;
	}
	atomic_fetch_add(&nopen, 1);
	v = xcalloc(1, sizeof *v);
	v->kind = EV_VIEWER;
	v->fd = o->fd;
	v->ws = term_ws_new(1, LIMIT_WS_FRAME);
	v->out = buf_new(OUT_CAP);
	v->born = mono_ms();
	snprintf(v->ref, sizeof v->ref, "%s", o->ws_ref);
	snprintf(v->addr, sizeof v->addr, "%s", o->addr ? o->addr : "-");
	snprintf(v->sname, sizeof v->sname, "%s", o->session ? o->session : "");
	snprintf(v->task, sizeof v->task, "%s", o->task ? o->task : "");
	if ((fl = fcntl(v->fd, F_GETFL)) >= 0)
		fcntl(v->fd, F_SETFL, fl | O_NONBLOCK);
	if (o->prelen > 0) {
		v->pre = buf_new(0);
		buf_append(v->pre, o->pre, o->prelen);
	}
	v->state = V_AUTH;
	if (o->bad_token)
		v->mode = 2;
	else if (o->grant != NULL) {
		v->g = *o->grant;
		v->mode = 1;
	}
	j = xcalloc(1, sizeof *j);
	j->type = J_OPEN;
	j->v = v;
	post(j);
}

void
term_notice(const char *ws_id, const char *msg)
{
	struct job *j;
	size_t a = strlen(ws_id), b = strlen(msg);

	if (!running || a + b + 2 > sizeof j->msg)
		return;
	j = xcalloc(1, sizeof *j);
	j->type = J_NOTICE;
	memcpy(j->msg, ws_id, a + 1);
	memcpy(j->msg + a + 1, msg, b + 1);
	post(j);
}

json_t *
term_sessions_json(const char *ws_id)
{
	json_t *a = json_array();
	struct session *s;
	char t[40];

	pthread_mutex_lock(&reg_mu);
	for (s = sessions; s != NULL; s = s->next) {
		if (strcmp(s->ws_id, ws_id) != 0 || s->ended)
			continue;
		rfc3339(s->created_at, t, sizeof t);
		json_array_append_new(a, json_pack("{s:o,s:s,s:i,s:s}",
		    "name", s->name[0] != '\0' ? json_string(s->name) :
		    json_null(), "user", s->user, "viewers", s->nviewers,
		    "created_at", t));
	}
	pthread_mutex_unlock(&reg_mu);
	return a;
}

int
term_start(struct app *a)
{
	struct epoll_event e;
	int p[2];

	app = a;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    pipe2(p, O_CLOEXEC) != 0)
		return err_set(ERR_IO, "terminal loop: %s", strerror(errno));
	wake_r = p[0];
	wake_w = p[1];
	fcntl(wake_r, F_SETFL, O_NONBLOCK);
	memset(&e, 0, sizeof e);
	e.events = EPOLLIN;
	e.data.ptr = &wake_kind;
	epoll_ctl(ep, EPOLL_CTL_ADD, wake_r, &e);
	next_tick = mono_ms() + 1000;
	if (pthread_create(&loop_thread, NULL, loop_main, NULL) != 0)
		return err_set(ERR_INTERNAL, "cannot start the terminal loop");
	running = 1;
	return 0;
}

void
term_stop(void)
{
	struct viewer *v, *vn;
	struct session *s, *sn;

	if (!running)
		return;
	stopping = 1;
	pthread_join(loop_thread, NULL);
	running = 0;
	for (v = viewers; v != NULL; v = vn) {
		vn = v->next;
		if (v->state != V_CLOSING) {
			term_ws_close(v->out, TERM_WS_GOING_AWAY,
			    "berthd is stopping", NULL);
			viewer_flush(v);
		}
		viewer_free(v);
	}
	for (s = sessions; s != NULL; s = sn) {
		sn = s->next;
		/* Now: berthd is going away. A session a job still
		 * holds is left to the exit. */
		if (s->jobs == 0)
			term_let_go(s);
	}
}
