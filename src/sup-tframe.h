/* sup-tframe.h: the task frames between berthd and berth-sup (types 32 and
 * up in sup-frame.h; docs/tasks.md): a task's record as it travels, and
 * the TASK_START payload. Pure code over bytes, only libc, compiled into
 * berthd and berth-sup alike. Any thread; no shared state. */
#ifndef BERTH_SUP_TFRAME_H
#define BERTH_SUP_TFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sup-frame.h"

#define SUP_TID_MAX	32	/* a task id: [0-9a-z], 1..32 characters */

enum sup_tstate {
	SUP_T_RUNNING = 0,
	SUP_T_EXITED,
	SUP_T_KILLED,
	SUP_T_LOST,
	SUP_T_NSTATES
};

/* TASK_READ flags */
#define SUP_TR_FOLLOW	0x1	/* keep reading until the task ends */
#define SUP_TR_ATTACH	0x2	/* start at the end less the replay bytes
				 * (the offset is ignored) */
/* TASK_INPUT flags */
#define SUP_TI_EOF	0x1	/* then close stdin */
#define SUP_TI_QUIET	0x2	/* no TASK_INFO answer (an attach) */
/* struct sup_tinfo flags */
#define SUP_TF_TTY	0x1
#define SUP_TF_TREE	0x2	/* a process of its tree still runs */
#define SUP_TF_OPEN	0x4	/* its output is still open */

struct sup_tinfo {
	char		id[SUP_TID_MAX + 1];
	uint32_t	state;		/* enum sup_tstate */
	uint32_t	pid;
	uint64_t	started_ms;	/* epoch milliseconds */
	uint64_t	ended_ms;	/* 0: still running */
	uint32_t	code;		/* exit code, 128+N after signal N */
	uint32_t	sig;		/* the signal that ended it, or 0 */
	uint32_t	flags;		/* SUP_TF_* */
	uint64_t	out_start;	/* first byte still kept */
	uint64_t	out_end;	/* bytes written so far */
};

/* 1 when s (n bytes) is a valid task id. */
int		 sup_tid_ok(const char *s, size_t n);
const char	*sup_tstate_name(uint32_t state);

void	sup_tinfo_put(struct sup_wbuf *, const struct sup_tinfo *);
/* Reads one task record; -1 (and r->bad) when malformed. */
int	sup_tinfo_get(struct sup_rd *, struct sup_tinfo *);

/* TASK_START: the task id, the output bound and a START's fields. */
void	sup_tstart_encode(struct sup_wbuf *, const char *tid,
	    uint64_t max_out, const struct sup_start *);
/* -1 when malformed; else s as sup_start_decode fills it. */
int	sup_tstart_decode(const struct sup_frame *, char tid[SUP_TID_MAX + 1],
	    uint64_t *max_out, struct sup_start *s);

#endif
