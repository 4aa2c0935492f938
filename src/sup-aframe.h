/* sup-aframe.h: the activity frames between berthd and berth-sup (types
 * 60 and up in sup-frame.h; docs/access.md "What the supervisor adds"):
 * berthd asks (ACT_ASK), the supervisor answers with what it sees in the
 * workspace (ACT), a short list of named items. Pure code over bytes, only
 * libc, compiled into berthd and berth-sup alike. Any thread; no shared
 * state. */
#ifndef BERTH_SUP_AFRAME_H
#define BERTH_SUP_AFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sup-frame.h"

#define SUP_ACT_ITEMS	16	/* items in one report, at most */
#define SUP_ACT_NAME	15	/* an item's name: [a-z-], 1..15 */

/* The items berth-sup reports (an older or newer peer may send others;
 * berthd ignores names it does not know):
 *   process     processes it runs for berthd (exec, SSH sessions), also
 *               kept after their caller went, except terminal sessions;
 *               last_at: now while any runs, else when the last ended
 *   session     terminal sessions' shells (SUP_F_IDLE), held by berthd
 *               or waiting for a REATTACH; last_at 0: berthd counts their
 *               viewers, the supervisor only their input (tty)
 *   tty         the workspace's ptys (/dev/pts); last_at: the latest
 *               input read on any of them
 *   task        running tasks; last_at: now while any runs
 *   background  other processes still running (left behind by an exec or
 *               a shell, started by docker exec); last_at: when the
 *               newest started */
struct sup_act_item {
	char		name[SUP_ACT_NAME + 1];
	uint32_t	count;
	uint64_t	last_at;	/* epoch s; 0: never */
};

struct sup_act {
	uint64_t		now;	/* the supervisor's clock, epoch s */
	uint32_t		n;
	struct sup_act_item	v[SUP_ACT_ITEMS];
};

/* 1 when s (n bytes) is a valid item name. */
int	sup_act_name_ok(const char *s, size_t n);
/* Appends an item to a (nothing when full or the name is bad): 0, -1. */
int	sup_act_add(struct sup_act *a, const char *name, uint32_t count,
	    uint64_t last_at);
/* The item called name, or NULL. */
const struct sup_act_item *sup_act_find(const struct sup_act *,
	    const char *name);

/* Encodes a whole ACT_ASK frame (u32 flags, 0 today). */
void	sup_act_ask_encode(struct sup_wbuf *);
/* Encodes a whole ACT frame: u64 now, u32 n, n x {str name, u32 count,
 * u64 last_at}. */
void	sup_act_encode(struct sup_wbuf *, const struct sup_act *);
/* Decodes an ACT payload into a: -1 when malformed (another type, too
 * many items, a bad or repeated name, bytes left over). */
int	sup_act_decode(const struct sup_frame *, struct sup_act *a);

#endif
