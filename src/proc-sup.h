/* proc-sup.h: the berth-sup runner of proc.h (berthd side of the socket;
 * the protocol is sup-frame.h). Any thread. */
#ifndef BERTH_PROC_SUP_H
#define BERTH_PROC_SUP_H

#include <stdint.h>

struct proc;
struct proc_spec;

/* Starts s through the supervisor in s->sup_dir: 0 with *pp, 1 when no
 * supervisor answers there or it cannot run as s->user (the caller falls
 * back; err_msg() says why), <0 on an error to report. */
int	sup_proc_start(const struct proc_spec *, struct proc **pp);

/* A process the supervisor runs (after a berthd restart, too). */
struct sup_ps {
	uint64_t	 id;
	int		 pid;
	int64_t		 started;	/* epoch seconds */
	uint32_t	 timeout_ms;
	int		 orphan;	/* its berthd connection is gone */
	char		 argv0[128];
};

/* Lists what runs under the supervisor in dir (*n entries, malloc'd). */
int	sup_list(const char *dir, struct sup_ps **, size_t *n);
/* Signals the tree of process id (from sup_list). */
int	sup_kill(const char *dir, uint64_t id, int sig);

#endif
