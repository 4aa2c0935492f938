/* sup-task.h: berth-sup's tasks (sup-task.c): detached processes with no
 * connection, their output kept under <rundir>/tasks/<tid>/ in rotating
 * segments with byte offsets, read and followed by any connection. Only
 * berth-sup's single-threaded loop (sup-main.c) calls these. */
#ifndef BERTH_SUP_TASK_H
#define BERTH_SUP_TASK_H

#include <stdint.h>

struct sup_frame;
struct sup_wbuf;
struct stask_reader;

/* Opens (makes) rundir/tasks; tasks a previous supervisor left running
 * are marked lost (the container restarted under them). */
void	stask_init(const char *rundir);
/* A task frame (type >= SUP_TASK_START) from an authenticated
 * connection: answers go to wb; a READ sets *rdp (the connection's
 * reader, freed with stask_reader_free). 0, 1 when an ERROR was queued
 * (close after writing), -1 on a malformed frame (close now). */
int	stask_frame(const struct sup_frame *, struct sup_wbuf *wb,
	    struct stask_reader **rdp);
/* Each loop turn: the fds to poll (3 per task, -1 unused; *n entries
 * written into pf, which has room for stask_npoll()). */
int	stask_npoll(void);
void	stask_poll_fill(void *pf, int *n);
/* After poll: output to disk, stdin, exit statuses. */
void	stask_service(int64_t now_ms);
/* The longest the loop may sleep (ms, -1: no limit). */
int	stask_timeout(void);
/* Queues a reader's next DATA frames (and its END) while wb is short. */
void	stask_reader_pump(struct stask_reader *, struct sup_wbuf *wb);
void	stask_reader_free(struct stask_reader *);
/* How many tasks run; the keepers of the first max into keepers (the
 * activity report, sup-act.c). */
int	stask_running(int *keepers, int max);

#endif
