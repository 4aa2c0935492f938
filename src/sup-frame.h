/* sup-frame.h: the wire format between berthd and berth-sup, the
 * supervisor inside each workspace container (docs/exec.md). Pure code
 * over bytes, no I/O, only libc: it is compiled into berthd and into the
 * static berth-sup alike. Any thread; no shared state.
 *
 * A frame is a 4-byte big-endian length (of what follows), a 1-byte type
 * and a payload of big-endian u32/u64 fields and strings (u32 length +
 * bytes). One connection carries one process. */
#ifndef BERTH_SUP_FRAME_H
#define BERTH_SUP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define SUP_VERSION	1
#define SUP_HDR		5		/* length + type */
#define SUP_FRAME_MAX	(4u << 20)	/* type + payload, START included */
#define SUP_DATA_MAX	(64u << 10)	/* one STDIN/STDOUT/STDERR frame */
#define SUP_ARGS_MAX	16384		/* argv or env entries */
#define SUP_WINDOW	(256u << 10)	/* initial credit of each stream */
#define SUP_SECRET_LEN	64		/* hex characters */

enum sup_type {
	SUP_HELLO = 1,	/* b->s: str secret, u32 version */
	SUP_READY,	/* s->b: u32 version, u32 uid, u32 gid, u32 pid */
	SUP_START,	/* b->s: see struct sup_start */
	SUP_STARTED,	/* s->b: u32 pid, u64 id */
	SUP_STDIN,	/* b->s: bytes */
	SUP_EOF,	/* b->s: close the process's stdin */
	SUP_RESIZE,	/* b->s: u32 rows, u32 cols */
	SUP_SIGNAL,	/* b->s: u32 signal, to the whole tree */
	SUP_CREDIT,	/* both: u32 stream (0 stdin, 1 out, 2 err), u32 n */
	SUP_STDOUT,	/* s->b: bytes */
	SUP_STDERR,	/* s->b: bytes */
	SUP_EXIT,	/* s->b: u32 code (128+N: signal N), u32 sig, flags */
	SUP_ERROR,	/* s->b: u32 errno, str message; the connection ends */
	SUP_LIST,	/* b->s: (empty) */
	SUP_PROCS,	/* s->b: u32 n, n x {u64 id, u32 pid, u64 started
			 * (epoch s), u32 timeout_ms, u32 flags, str argv0} */
	SUP_KILL,	/* b->s: u64 id, u32 signal (a process from LIST) */

	/* Tasks (sup-tframe.h, sup-task.c): numbered from 32. */
	SUP_TASK_START = 32,	/* b->s: str tid, u64 max output, str START
				 * payload -> TASK_INFO */
	SUP_TASK_INFO = 33,	/* s->b: one task (struct sup_tinfo) */
	SUP_TASK_LIST = 34,	/* b->s: str tid ("": all) -> TASKS */
	SUP_TASKS = 35,		/* s->b: u32 n, n x task */
	SUP_TASK_READ = 36,	/* b->s: str tid, u64 offset, u32 flags,
				 * u64 replay -> DATA..., END */
	SUP_TASK_DATA = 37,	/* s->b: u64 offset, bytes */
	SUP_TASK_END = 38,	/* s->b: task (reading ended) */
	SUP_TASK_INPUT = 39,	/* b->s: str tid, u32 flags, str bytes */
	SUP_TASK_RESIZE = 40,	/* b->s: str tid, u32 rows, u32 cols */
	SUP_TASK_KILL = 41,	/* b->s: str tid, u32 signal -> TASK_INFO */
	SUP_TASK_MAX = 42,	/* past the tasks' range */

	/* 48 and up: forwarding into the workspace (sup-fwd.c). A LISTEN
	 * connection holds a listener; each connection made to it is
	 * announced there and taken by a connection of its own (ATTACH),
	 * which then carries it as a process's stdio: STARTED, STDIN, EOF
	 * (half-close), CREDIT, STDOUT, and EXIT when the peer closes. */
	SUP_LISTEN = 48,	/* b->s: u32 kind (SUP_FWD_*), str host,
				 * u32 port (0: any) */
	SUP_LISTENING = 49,	/* s->b: str where (socket path or host),
				 * u32 port bound */
	SUP_INCOMING = 50,	/* s->b: u64 id, str peer host, u32 port */
	SUP_ATTACH = 51,	/* b->s: u64 id (from INCOMING) */
	SUP_REATTACH = 52,	/* b->s: u64 id: take over a SUP_F_IDLE
				 * process no connection holds: STARTED,
				 * its last output, then as after START */

	/* 56 and up: files opened as the workspace's user (sup-open.c),
	 * one OPEN per connection, which then ends. */
	SUP_OPEN = 56,		/* b->s: u32 flags (SUP_O_*), u32 mode, str
				 * path */
	SUP_OPENED = 57,	/* s->b: u32 status (0, or berth-sup --put/
				 * --get's exit status), u32 is_dir, u64 size,
				 * u32 mode, u64 mtime, str cause; a regular
				 * file's descriptor rides along (SCM_RIGHTS) */

	/* 60 and up: activity for idle detection (sup-act.c, sup-aframe.h),
	 * one ask per connection, which then ends. */
	SUP_ACT_ASK = 60,	/* b->s: u32 flags (0) -> ACT */
	SUP_ACT = 61,		/* s->b: u64 now, u32 n, n x {str name,
				 * u32 count, u64 last_at} */
	SUP_TYPE_MAX = 64
};

/* OPEN flags */
#define SUP_O_WRITE		0x1	/* create or truncate, for writing */

/* LISTEN kinds */
#define SUP_FWD_AGENT		1	/* a unix socket in a private
					 * directory (ssh -A) */
#define SUP_FWD_TCP		2	/* a port on the loopback (ssh -R) */

/* START flags */
#define SUP_F_TTY		0x1	/* a pty; all output is STDOUT */
#define SUP_F_STDIN		0x2	/* else stdin is /dev/null */
#define SUP_F_KEEP		0x4	/* keep running if the connection ends
					 * (until exit or timeout) */
#define SUP_F_IDLE		0x8	/* with KEEP: the timeout counts only
					 * while no connection holds it, and
					 * its last output is kept for a
					 * REATTACH (terminal sessions) */
#define SUP_RING		(64u << 10)	/* that output */
/* EXIT flags */
#define SUP_X_TIMEOUT		0x1	/* killed by its timeout */

#define SUP_ID_NONE		0xffffffffu	/* uid/gid: the supervisor's */

struct sup_frame {
	int		 type;
	const uint8_t	*data;		/* payload, inside the parsed buffer */
	size_t		 len;
};

/* Splits the first frame off buf: the bytes it takes (> 0), 0 when more
 * are needed, -1 when buf starts with something that is not a frame (bad
 * type, too long). f points into buf. */
long	sup_frame_parse(const uint8_t *buf, size_t len, struct sup_frame *f);

/* A growing output buffer (malloc; aborts when memory runs out). */
struct sup_wbuf {
	uint8_t	*p;
	size_t	 len, cap;
};

size_t	sup_put_begin(struct sup_wbuf *, int type);	/* returns a mark */
void	sup_put_end(struct sup_wbuf *, size_t mark);
void	sup_put_u32(struct sup_wbuf *, uint32_t);
void	sup_put_u64(struct sup_wbuf *, uint64_t);
void	sup_put_str(struct sup_wbuf *, const void *, size_t);
/* One whole frame: type with raw bytes as its payload. */
void	sup_put_frame(struct sup_wbuf *, int type, const void *, size_t);
/* Drops the first n bytes (written out). */
void	sup_wbuf_consume(struct sup_wbuf *, size_t n);
void	sup_wbuf_clear(struct sup_wbuf *);

/* A reader over one payload; every get past the end sets bad. */
struct sup_rd {
	const uint8_t	*p;
	size_t		 len, off;
	int		 bad;
};

void		 sup_rd_init(struct sup_rd *, const struct sup_frame *);
uint32_t	 sup_get_u32(struct sup_rd *);
uint64_t	 sup_get_u64(struct sup_rd *);
/* A string: a pointer into the payload (not NUL-terminated), *n bytes. */
const uint8_t	*sup_get_str(struct sup_rd *, size_t *n);
/* 0 when everything was read and nothing was bad, else -1. */
int		 sup_rd_end(const struct sup_rd *);

struct sup_start {
	uint32_t	  flags;
	uint32_t	  rows, cols;
	uint32_t	  uid, gid;	/* SUP_ID_NONE: the supervisor's */
	uint32_t	  timeout_ms;	/* 0: none */
	char		 *cwd;		/* "" : the supervisor's */
	char		**argv;		/* NULL-terminated, at least one */
	char		**env;		/* "K=V", NULL-terminated */
};

/* Encodes a START frame. */
void	sup_start_encode(struct sup_wbuf *, const struct sup_start *);
/* Decodes a START payload into s (allocated; free with sup_start_clear).
 * -1 when malformed: no argv, a string holding NUL, an env entry without
 * '=', too many entries, bytes left over. */
int	sup_start_decode(const struct sup_frame *, struct sup_start *);
void	sup_start_clear(struct sup_start *);

/* Constant-time comparison of two secrets; 0 when equal. */
int	sup_secret_cmp(const uint8_t *, size_t, const char *want);

#endif
