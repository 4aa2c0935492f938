/* proc.h: "a process in a workspace", an operations table with two
 * runners chosen per workspace and per start: the in-container supervisor
 * berth-sup (proc-sup.c, reached over the unix socket in the workspace's
 * run directory; see docs/exec.md) and Docker exec (docker-exec.c), the
 * fallback for a workspace without a supervisor answering (one made before
 * it, berthd run without it) or a user the supervisor cannot be.
 * Who goes through it: the exec API and the SSH gateway's shell, exec and
 * sftp channels, and file transfers (sup-files.h).
 * Logs and stats do NOT: they use rt.h's streams.
 * A struct proc is owned by one thread at a time. */
#ifndef BERTH_PROC_H
#define BERTH_PROC_H

#include <sys/types.h>

struct rt;
struct proc;

struct proc_spec {
	const char *const	*argv;		/* required, NULL-terminated */
	const char *const	*env;		/* "K=V", NULL-ended, or NULL */
	const char		*workdir;	/* NULL: the container's */
	const char		*user;		/* NULL: the container's */
	int			 tty;		/* allocate a pty */
	unsigned		 rows, cols;	/* initial size with tty */
	int			 attach_stdin;	/* 0: stdin is /dev/null */
	/* The workspace's supervisor directory on the host (sup-host.h);
	 * NULL, or no supervisor answering there: Docker exec. */
	const char		*sup_dir;
	/* Set by proc_start: the berth agent that reaches sup_dir's socket
	 * on a cluster node (NULL: this host). */
	const char		*sup_via;
	/* The supervisor enforces this itself (so it holds across a berthd
	 * crash); 0: none. Docker exec ignores it: callers still time out. */
	int			 timeout_ms;
	/* 1: the process keeps running when berthd goes away without a
	 * proc_free (a crash) until it exits or its timeout; 0: it is killed
	 * with berthd's connection. Supervisor only. */
	int			 keep;
	/* With keep: timeout_ms counts only while berthd does not hold it,
	 * and its last output waits for sup_take (proc-sup.h).
	 * Supervisor only. */
	int			 keep_idle;
};

/* The operations each runner implements; its struct proc starts with a
 * pointer to them (struct proc_base). */
struct proc_ops {
	const char	*name;		/* "sup", "docker-exec" */
	int		 (*fd)(const struct proc *);
	int		 (*set_nonblock)(struct proc *, int);
	ssize_t		 (*read)(struct proc *, int *, void *, size_t);
	ssize_t		 (*write)(struct proc *, const void *, size_t);
	int		 (*close_stdin)(struct proc *);
	int		 (*resize)(struct proc *, unsigned, unsigned);
	int		 (*signal)(struct proc *, int);
	int		 (*wait)(struct proc *, int, int *);
	void		 (*free)(struct proc *);
};

struct proc_base {
	const struct proc_ops	*ops;
};

enum { PROC_STDOUT = 1, PROC_STDERR = 2 };

/* Starts argv in container_id: through the supervisor in sup_dir when one
 * answers there and can be the user asked for, else through Docker exec.
 * On success *pp is owned by the caller. */
int	 proc_start(struct rt *, const char *container_id,
	    const struct proc_spec *, struct proc **pp);
/* The runner that started p: "sup" or "docker-exec". */
const char *proc_runner(const struct proc *);
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
