/* activity.h: what keeps a workspace from going idle (SPEC §7), in one
 * place. Anything that uses a workspace says so here, by its source:
 *
 *   ws_activity(id, "exec")          a moment of use (a request, a byte)
 *   ws_activity_hold(id, "ssh")      something open: counts as use now,
 *   ws_activity_release(id, "ssh")   every moment until released
 *
 * Sources: ssh, terminal, exec, files, task, gpu, port-proxy, keepalive,
 * and what the workspace's supervisor reports (activity-sup.h): process,
 * tty (ws_activity_at: the moment it gives).
 * Both only touch memory (a mutex, no store, no I/O): any thread may call
 * them, the HTTP loop and the terminal loop included. The lifecycle thread
 * writes what was noted to the store (activity_flush) before it judges
 * idleness, at least every 5 s; the workspace JSON shows the noted
 * moments at once (activity_peek). A hold must be released exactly once
 * (a connection's end, a task's exit). */
#ifndef BERTH_ACTIVITY_H
#define BERTH_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

struct db;

enum act_source {
	ACT_SSH, ACT_TERMINAL, ACT_EXEC, ACT_FILES, ACT_TASK, ACT_GPU,
	ACT_PORT_PROXY, ACT_KEEPALIVE, ACT_PROCESS, ACT_TTY, ACT_NSOURCES
};

void	 ws_activity(const char *ws_id, const char *source);
void	 ws_activity_hold(const char *ws_id, const char *source);
void	 ws_activity_release(const char *ws_id, const char *source);
/* A moment of use that happened at (epoch s; a later one counts as now). */
void	 ws_activity_at(const char *ws_id, const char *source, int64_t at);

/* The source's index, or -1 for a name not in the list. */
int	 activity_source(const char *name);
const char *activity_source_name(int src);
/* What memory knows of ws_id beyond the store: the latest noted moment
 * (epoch s; 0 = none) and its source (-1), and the sources held open
 * now (a bit per enum act_source). */
void	 activity_peek(const char *ws_id, int64_t *last_at, int *src,
	    unsigned *held);
/* Lifecycle thread: writes the noted moments, and "now" for every held
 * source, to the store. */
void	 activity_flush(struct db *);
/* Drops what is kept for a deleted workspace. */
void	 activity_forget(const char *ws_id);

#endif
