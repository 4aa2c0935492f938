/* term-int.h: what the terminal family's files share (term-loop.c,
 * term-proc.c): the session and viewer records, the output ring, and the
 * blocking steps run on job threads. Not for use outside term-*.c. */
#ifndef BERTH_TERM_INT_H
#define BERTH_TERM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "proc.h"
#include "term-token.h"

struct app;
struct buf;
struct term_ws;

#define RING_NAMED	(1024 * 1024)	/* replayed to a reattaching viewer */
#define READ_LAG	(128 * 1024)	/* read the process while all within */
#define CHUNK		(16 * 1024)	/* one read, one output frame */
#define RING_PLAIN	(READ_LAG + 4 * CHUNK)
#define OUT_LOW		(16 * 1024)	/* refill a viewer's frames below */
#define OUT_CAP		(64 * 1024 + CHUNK + 256)
#define IN_HIGH		(64 * 1024)	/* stop reading viewers above */
#define IN_CAP		(2 * 1024 * 1024)
#define TERM_MAX_SOCKETS 4096		/* open terminal sockets in all */
#define TERM_MAX_USER	256		/* sessions one user may hold */

enum { EV_WAKE = 1, EV_VIEWER, EV_SESS };

/* The last cap bytes of output: bytes [oldest, seq) are held. Memory
 * grows with the output up to cap. */
struct ring {
	uint8_t		*b;
	size_t		 cap, alloc;
	uint64_t	 seq;		/* bytes ever written */
};

void	 ring_init(struct ring *, size_t cap);
void	 ring_free(struct ring *);
void	 ring_write(struct ring *, const void *, size_t);
uint64_t ring_oldest(const struct ring *);
/* A contiguous piece from pos (>= oldest, < seq) of at most max bytes. */
size_t	 ring_get(const struct ring *, uint64_t pos, const uint8_t **p,
	    size_t max);

enum { S_STARTING, S_RUNNING, S_EXITING, S_DONE };
enum { V_AUTH, V_WAIT, V_LIVE, V_CLOSING };

struct viewer;

struct session {
	int		 kind;		/* EV_SESS, first for epoll */
	struct proc	*p;
	int		 pfd;
	uint32_t	 evmask;
	struct ring	 ring;
	struct buf	*in;		/* stdin not yet written */
	struct viewer	*viewers;
	int		 nviewers;	/* under the registry lock */
	char		 ws_id[40], ws_name[64], user[64], name[65];
	char		 task[65];	/* attached to this task, or "" */
	int		 state;
	int		 status;	/* exit status when S_DONE */
	int		 eof, ended, jobs, again;
	unsigned	 rows, cols;
	int64_t		 created_at;	/* epoch */
	int64_t		 idle_since, last_touch;	/* mono ms */
	int64_t		 warned_for;	/* expires_at already warned of */
	struct session	*next;
};

struct viewer {
	int		 kind;		/* EV_VIEWER, first for epoll */
	int		 fd;
	uint32_t	 evmask;
	struct term_ws	*ws;
	struct buf	*out;		/* frames not yet sent */
	struct buf	*pre;		/* bytes read past the HTTP head */
	struct session	*s;
	struct viewer	*snext;		/* in s->viewers */
	struct viewer	*next;		/* all viewers */
	int		 state, mode, paused, dead, shut;
	uint64_t	 pos;		/* next ring byte to send */
	unsigned	 rows, cols;
	struct term_grant g;
	char		 ref[80], sname[65], addr[64], task[65];
	int64_t		 born, deadline, stuck_since;
};

/* The ttyd first message {"AuthToken","columns","rows"}: the token into
 * tok ("" when absent), the size (0 when absent). ERR_INVAL when it is
 * not a JSON object. */
int	 term_parse_hello(const uint8_t *, size_t, char *tok, size_t toksz,
	    unsigned *rows, unsigned *cols);
/* A resize message {"columns","rows"}: ERR_INVAL unless both are 1-9999. */
int	 term_parse_size(const uint8_t *, size_t, unsigned *rows,
	    unsigned *cols);
/* Resizes the session's pty (loop thread; a short engine call when the
 * process runs through the engine's exec). */
void	 term_resize(struct session *, unsigned rows, unsigned cols);
/* The shell is up with rows x cols: a size asked for while it started
 * (GPULab's client sends one at once) is applied now. */
void	 term_started(struct session *, unsigned rows, unsigned cols);

/* The TTL warning line for left seconds. */
void	 term_ttl_line(int64_t left, char *buf, size_t size);

/* berthd stops: a named session's shell is left to berth-sup (kept for
 * the next berthd), any other killed. */
void	 term_let_go(struct session *);
/* The session ended: its shell is no longer kept for a restart. */
void	 term_keep_forget(struct app *, const struct session *);

enum { TJ_START, TJ_WAIT, TJ_FREE, TJ_TOUCH };

/* A blocking step, on a job thread:
 * TJ_START: loads the session's workspace, checks it runs, starts its
 *   shell as the workspace's user with a pty of rows x cols (a named
 *   session's shell is kept by berth-sup across a berthd restart, and
 *   taken over again when there is one), or attaches to the session's
 *   task when it names one: *p, or *rc != 0 and msg;
 * TJ_WAIT: reaps *p: *rc, *status;
 * TJ_FREE: kills and frees *p;
 * TJ_TOUCH: records activity on ids[], and their expires_at into
 *   expires[]. */
void	 term_job_run(struct app *, int type, const struct session *,
	    const struct term_grant *, unsigned rows, unsigned cols,
	    struct proc **p, int *rc, int *status, char *msg, size_t msgsz,
	    char **ids, int64_t *expires, size_t nids);

#endif
