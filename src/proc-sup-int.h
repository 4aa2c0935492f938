/* proc-sup-int.h: what proc-sup.c (processes through berth-sup) shares
 * with proc-sup-ctl.c (listing, kills, listeners, take-overs, files):
 * one connection to the supervisor and its buffers. Not for other
 * modules: they use proc-sup.h. */
#ifndef BERTH_PROC_SUP_INT_H
#define BERTH_PROC_SUP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sup-frame.h"

#define SUP_CONNECT_MS	5000	/* hello and start answered within */
#define SUP_IO_MS	5000	/* a control frame written within */
#define SUP_RCHUNK	(64 * 1024)

struct proc {
	const struct proc_ops	*ops;	/* first: struct proc_base */
	int			 fd;
	int			 nonblock;
	int			 tty;
	uint8_t			*rb;
	size_t			 roff, scan, rlen, rcap;
	struct sup_wbuf		 wb;
	uint32_t		 in_credit;
	uint32_t		 used[3];	/* read, not yet credited */
	const uint8_t		*pend;		/* rest of a data frame */
	size_t			 npend;
	int			 pstream;
	int			 exited, status, timed_out;
	int			 lost;		/* connection gone */
	int			 remote;	/* through a node's agent */
	int			 exit_seen;	/* EXIT read, maybe not yet
						 * returned */
	uint64_t		 id;
	int			 pid;
};

/* Writes all of p's buffered frames by deadline (mono ms). */
int	psup_put_all(struct proc *p, int64_t deadline);
/* Reads what the socket has, waiting up to wait_ms for something. */
int	psup_fill(struct proc *p, int wait_ms);
/* 1 with the next whole frame in *f, else 0. */
int	psup_next_frame(struct proc *p, struct sup_frame *f);
/* Waits for one frame of a given type (ERROR is the refusal). */
int	psup_expect(struct proc *p, int type, struct sup_frame *f,
	    int64_t deadline);
/* Connects and says hello: 0, 1 when nobody answers, <0 on error. The
 * socket is in dir on this host, or on a cluster node behind the agent
 * via. */
int	psup_dial(const char *dir, const char *via, struct proc **pp,
	    uint32_t *uid, uint32_t *gid);
/* Ends connection p after a failure, keeping rc's message. */
int	psup_drop(struct proc *p, int rc);
/* Closes p; a process it still runs is killed unless p->lost. */
void	psup_free(struct proc *p);
/* 1 when p is a process of this runner. */
int	psup_is(const struct proc *p);

#endif
