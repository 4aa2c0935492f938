/* proc.h: "a process in a workspace", the one seam every way in goes
 * through: the exec API, file transfer, the SSH gateway, the browser
 * terminal and tasks. Implemented with Docker exec today (docker-exec.c);
 * replaceable by a supervisor in the container reached over a unix socket
 * without touching any caller. A struct proc is owned by one thread at a
 * time. */
#ifndef BERTH_PROC_H
#define BERTH_PROC_H

#include <sys/types.h>

struct rt;
struct proc;

struct proc_spec {
	const char *const	*argv;		/* required, NULL-terminated */
	const char *const	*env;		/* "K=V", NULL-terminated, or NULL */
	const char		*workdir;	/* NULL: the container's */
	const char		*user;		/* NULL: the container's */
	int			 tty;		/* allocate a pty */
	unsigned		 rows, cols;	/* initial size with tty */
	int			 attach_stdin;	/* 0: stdin is /dev/null */
};

enum { PROC_STDOUT = 1, PROC_STDERR = 2 };

/* Starts argv in container_id. On success *pp is owned by the caller. */
int	 proc_start(struct rt *, const char *container_id,
	    const struct proc_spec *, struct proc **pp);
/* The fd to poll for input (POLLIN) and, after ERR_AGAIN from proc_write,
 * for POLLOUT. */
int	 proc_fd(const struct proc *);
/* Non-blocking mode for proc_read/proc_write (default: blocking). */
int	 proc_set_nonblock(struct proc *, int on);
/* Reads output: >0 bytes with *stream set (a tty's output is all
 * PROC_STDOUT), 0 at end of output, ERR_AGAIN in non-blocking mode when
 * nothing is ready. Data may be buffered inside: call until ERR_AGAIN
 * before polling proc_fd again. */
ssize_t	 proc_read(struct proc *, int *stream, void *buf, size_t len);
/* Writes stdin; may write less than len; ERR_AGAIN when the pipe is full. */
ssize_t	 proc_write(struct proc *, const void *, size_t);
/* Delivers EOF on stdin. */
int	 proc_close_stdin(struct proc *);
int	 proc_resize(struct proc *, unsigned rows, unsigned cols);
/* Sends sig to the process and all its descendants. */
int	 proc_signal(struct proc *, int sig);
/* Waits up to timeout_ms (-1: forever) for the exit status; call after
 * output ended. *status is the exit code, 128+N when killed by signal N. */
int	 proc_wait(struct proc *, int timeout_ms, int *status);
/* Kills the process tree if it still runs, and frees. NULL is fine. */
void	 proc_free(struct proc *);

#endif
