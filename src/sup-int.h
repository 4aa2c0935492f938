/* sup-int.h: what berth-sup's files share (sup-main.c: connections and
 * the loop; sup-proc.c: the processes it runs): the two records and the
 * list of processes. Only berth-sup includes it. */
#ifndef BERTH_SUP_INT_H
#define BERTH_SUP_INT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "sup-frame.h"
#include "sup-put.h"

struct sup_fwd;
struct stask_reader;

#define LINGER_MS	250	/* output after exit, from background holders */
#define MAX_CONNS	512
#define CREDIT_MAX	(64u << 20)
#define PIPE_BIG	(1 << 20)	/* stdin and stdout pipes */

struct sproc;

struct conn {
	int		 fd;
	int		 authed;
	int		 closing;	/* close once wb is written */
	uint8_t		*rb;
	size_t		 rlen, rcap;
	struct sup_wbuf	 wb;
	struct sproc	*p;
	int		 had_proc;
	struct sup_fwd	*fwd;		/* a forward's listener or stream */
	struct stask_reader *tr;	/* a task's output being read */
	struct conn	*next;
};

struct sproc {
	uint64_t	 id;
	pid_t		 keeper, pid;
	int		 in_fd;		/* tty: the master too */
	int		 out_fd[3];	/* [1] out (tty: master), [2] err */
	int		 status_fd;
	int		 tty;
	uint8_t		*ib;
	size_t		 ilen;
	int		 eof_wanted;
	uint32_t	 credit[3];
	int		 exited, wstatus, timed_out;
	int64_t		 exit_at, deadline;
	uint32_t	 flags, timeout_ms;
	int64_t		 started;
	uint8_t		*ring;		/* SUP_F_IDLE: last output */
	size_t		 nring;
	char		*argv0;
	struct conn	*c;
	struct sproc	*next;
};

extern struct sproc	*sup_procs;	/* every process, newest first */
extern uint64_t		 sup_next_id;

/* CLOCK_MONOTONIC in ms. */
int64_t	 sup_now_ms(void);
/* Queues a frame to c (none when c is NULL). */
void	 sup_queue(struct conn *, int type, const void *, size_t);
/* Queues ERROR (errno e, msg) and closes c once it is written. */
void	 sup_send_error(struct conn *, int e, const char *msg);

/* START from c: the process runs, STARTED or ERROR is queued. */
void	 sproc_start(struct conn *, struct sup_start *);
/* REATTACH from c: c takes over process id that no connection holds. */
void	 sproc_reattach(struct conn *, uint64_t id);
/* PROCS (the answer to LIST) queued to c. */
void	 sproc_list(struct conn *);
/* Signals p's tree. */
void	 sproc_kill(struct sproc *, int sig);
/* Forgets p (unlinked, its descriptors closed). */
void	 sproc_free(struct sproc *);
/* Reads stream i (1 out, 2 err) of p, within its credit. */
void	 sproc_output(struct sproc *, int i, int64_t now);
/* Writes what p's stdin has waiting; EOF when asked and drained. */
void	 sproc_input(struct sproc *);
/* Reads the keeper's status pipe: the exit. */
void	 sproc_status(struct sproc *);
/* After the exit and its output: EXIT, and the record goes (1). */
int	 sproc_finish(struct sproc *);

#endif
