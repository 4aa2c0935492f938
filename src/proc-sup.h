/* proc-sup.h: the berth-sup runner of proc.h (berthd side of the socket;
 * the protocol is sup-frame.h). Any thread. */
#ifndef BERTH_PROC_SUP_H
#define BERTH_PROC_SUP_H

#include <stddef.h>
#include <stdint.h>

struct proc;
struct proc_spec;

/* Starts s through the supervisor in s->sup_dir: 0 with *pp, 1 when no
 * supervisor answers there or it cannot run as s->user (the caller falls
 * back; err_msg() says why), <0 on an error to report. */
int	sup_proc_start(const struct proc_spec *, struct proc **pp);

/* On a cluster: fn puts in via (size bytes) the address of the agent
 * through which the supervisor of workspace ws_id is reached ("" on this
 * host), or fails when the workspace runs nowhere now. Every call below
 * that names only a run directory (<state>/sup/<ws id>) then goes
 * through that agent. Set once at start-up, before any other thread. */
void	sup_set_locator(int (*fn)(const char *ws_id, char *via,
	    size_t size));

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
/* A connection to the supervisor in dir after HELLO/READY, for other
 * frames (tasks, task-sup.c): 0 with *fd (blocking, the caller's), 1 when
 * none answers there (err_msg() says why), <0 on an error. */
int	sup_dial_fd(const char *dir, int *fd);

/* A file opened by the supervisor as the workspace's user (OPEN,
 * sup-open.c). */
struct sup_opened {
	int	 is_dir;
	int64_t	 size;
	unsigned mode;
	int64_t	 mtime;
};
/* The error for exit status st of berth-sup's file modes (--put, --get,
 * --untar, OPEN; sup-put.h), writing (wr 1) or reading, with the cause
 * it gave in why; 0 for 0. */
int	sup_status_error(int st, int wr, const char *path, const char *why);
/* Opens path in the workspace through the supervisor in dir, as its
 * user, for reading (wr 0) or to write it anew (wr 1: created or
 * truncated, missing parents made, mode set), with the files API's checks
 * (sup-put.c, sup-get.c). 0 with *fdp (-1 for a directory: read it with
 * berth-sup --get) and *o; 1 when no supervisor answers, it is not
 * uid:gid, or it predates OPEN (the caller's other way); <0 on an error
 * to report (ERR_NOTFOUND, ERR_FORBIDDEN, ERR_CONFLICT, ERR_INVAL,
 * ERR_IO with the cause). */
int	sup_open_file(const char *dir, const char *path, int wr,
	    unsigned mode, int uid, int gid, struct sup_opened *o, int *fdp);

/* Forwarding into the workspace (frames SUP_LISTEN..SUP_ATTACH; the
 * supervisor's side is sup-fwd.c). sup_listen makes a listener there as
 * the workspace user: kind SUP_FWD_AGENT, a unix socket (mode 0600) in a
 * fresh private directory, its path in where; SUP_FWD_TCP, host ("::1",
 * else 127.0.0.1) and port (0: any) on the workspace's loopback, *bport
 * the port bound. 0 with *pp (for proc_fd and proc_free only; freeing it
 * closes the listener), 1 when no supervisor answers, <0 on an error. */
int	sup_listen(const char *dir, int kind, const char *host, int port,
	    struct proc **pp, char *where, size_t wsz, int *bport);
/* The next connection made to listener l, without waiting: 1 with *id
 * and the peer's address, 0 when none is waiting, <0 when the listener
 * is gone. A connection not attached within 10 s is closed. */
int	sup_incoming(struct proc *l, uint64_t *id, char *peer, size_t psz,
	    int *pport);
/* type SUP_ATTACH: takes connection id (from sup_incoming) as a process
 * (proc.h): its output is what the peer sends, its stdin goes to the
 * peer, closing stdin half-closes, and it exits (status 0) when the peer
 * closes. SUP_REATTACH: takes over a kept terminal process (proc_spec
 * keep_idle) that nobody holds; its first output is the process's last
 * 64 KiB. 0 with *pp, <0 when it is not there. */
int	sup_take(const char *dir, int type, uint64_t id, struct proc **pp);
/* The supervisor's id of p (0 when p is not the supervisor's); letting
 * go of p (a supervisor's only) without killing it. */
uint64_t sup_proc_id(const struct proc *);
void	sup_proc_detach(struct proc *);

#endif
