/* sup-fwd.h: berth-sup's forwarding (sup-fwd.c): listeners inside the
 * workspace (the agent socket of "ssh -A", the loopback ports of
 * "ssh -R") whose connections berthd takes one by one, each on a
 * supervisor connection of its own (frames SUP_LISTEN..SUP_ATTACH of
 * sup-frame.h). Called by sup-main.c's poll loop only. */
#ifndef BERTH_SUP_FWD_H
#define BERTH_SUP_FWD_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

struct sup_frame;
struct sup_wbuf;
struct sup_fwd;

/* One frame on a connection that holds a forwarding object in *slot (or
 * that starts one: LISTEN, ATTACH); replies go to wb. 0 to go on, 1 to
 * close the connection once wb is written, -1 to close it now. */
int	 sup_fwd_frame(struct sup_fwd **slot, struct sup_wbuf *wb,
	    const struct sup_frame *);
/* The connection holding *slot is gone: its listener or stream ends. */
void	 sup_fwd_gone(struct sup_fwd **slot);
/* Where an agent socket goes when /tmp is not the user's to write (a
 * minimal image): a directory of the supervisor's run directory. */
void	 sup_fwd_set_rundir(const char *dir);
/* At most how many pollfds sup_fwd_poll fills. */
size_t	 sup_fwd_npoll(void);
/* Fills pf with what to wait for; *wake is lowered to the next deadline
 * (monotonic ms; -1 none). Returns the count. */
size_t	 sup_fwd_poll(struct pollfd *pf, int64_t now, int64_t *wake);
/* Acts on what the poll said (pf as filled by sup_fwd_poll). */
void	 sup_fwd_run(const struct pollfd *pf, int64_t now);

#endif
