/* task-sup.h: berthd's side of the supervisor's tasks (frames of
 * sup-tframe.h; the supervisor's side is sup-task.c): start, list, kill,
 * stdin, and a reader that follows a task's output from a byte offset.
 * Any thread; a struct tsup is owned by one thread at a time. */
#ifndef BERTH_TASK_SUP_H
#define BERTH_TASK_SUP_H

#include <stddef.h>
#include <stdint.h>

struct sup_tinfo;
struct tsup;

struct task_spec {
	const char *const	*argv;		/* NULL-terminated */
	const char *const	*env;		/* "K=V", or NULL */
	const char		*workdir;	/* NULL: the container's */
	int			 tty;
	unsigned		 rows, cols;
	uint64_t		 max_out;	/* output kept, bytes */
};

/* Each dials the supervisor in dir (sup-host.h's run directory):
 * ERR_BACKEND when none answers there (the container is gone, stopped or
 * has none; the message says why), ERR_NOTFOUND for a task it does not
 * know, ERR_CONFLICT when stdin is closed or full. */
int	tsup_start(const char *dir, const char *tid, const struct task_spec *,
	    struct sup_tinfo *out);
/* Tasks the supervisor knows (tid NULL: all): *out n entries, free(). */
int	tsup_list(const char *dir, const char *tid, struct sup_tinfo **out,
	    size_t *n);
int	tsup_kill(const char *dir, const char *tid, int sig,
	    struct sup_tinfo *out);
int	tsup_input(const char *dir, const char *tid, const void *, size_t,
	    int eof, struct sup_tinfo *out);

/* A reader of tid's output from off (flags: SUP_TR_*; replay: with
 * SUP_TR_ATTACH, how many bytes before the end). */
int	tsup_read_open(const char *dir, const char *tid, uint64_t off,
	    uint32_t flags, uint64_t replay, struct tsup **out);
/* The socket, to poll for POLLIN. */
int	tsup_fd(const struct tsup *);
/* The next piece within wait_ms (-1: forever): 1 with output (*off its
 * offset, *data and *n valid until the next call), 2 at the end (*end:
 * the task), 0 when nothing came in time (ERR_AGAIN never), <0 on error. */
int	tsup_next(struct tsup *, int wait_ms, uint64_t *off,
	    const uint8_t **data, size_t *n, struct sup_tinfo *end);
/* On a reader: stdin (no answer; dropped when the task cannot take it)
 * and a tty's size. */
int	tsup_send_input(struct tsup *, const void *, size_t, int eof);
int	tsup_send_resize(struct tsup *, unsigned rows, unsigned cols);
void	tsup_free(struct tsup *);

#endif
