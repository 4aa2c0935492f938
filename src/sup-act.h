/* sup-act.h: berth-sup's activity report for berthd's idle decision
 * (sup-act.c; the frames are sup-aframe.h, what counts docs/access.md).
 * Only berth-sup's single-threaded loop (sup-main.c) calls these. */
#ifndef BERTH_SUP_ACT_H
#define BERTH_SUP_ACT_H

struct sup_frame;
struct sup_wbuf;

/* A process started for berthd has ended (its last moment of use). */
void	sact_note_exit(void);
/* ACT_ASK from an authenticated connection: the ACT answer into wb, from
 * the processes it runs (sup-int.h), the tasks, the image's command (its
 * pid, or -1), /proc and /dev/pts. 0, or -1 on a malformed frame (close
 * now). */
int	sact_frame(const struct sup_frame *, struct sup_wbuf *wb, int command);

#endif
