/* sup-spawn.h: berth-sup's child side (sup-spawn.c). */
#ifndef BERTH_SUP_SPAWN_H
#define BERTH_SUP_SPAWN_H

#include <stddef.h>

struct sup_start;

/* Closes every fd from lo to hi. */
void	 sup_close_from(int lo, int hi);
/* Default dispositions and an empty mask, for a child about to exec. */
void	 sup_child_signals(void);
/* A "K=V" environment: berth-sup's own, then st's entries over it (and
 * TERM with a tty). The array is calloc'ed; its strings are borrowed. */
char	**sup_make_env(const struct sup_start *st);
/* In a forked child: becomes a subreaper, forks the process (as st's
 * user, in its own session, on slave when not NULL, else on in/out/err),
 * writes its pid and then its wait status to sw, reaps the rest, exits. */
void	 sup_keeper(const struct sup_start *st, char **env, const char *slave,
	    int in, int out, int err, int sw) __attribute__((noreturn));

/* Reads exactly n bytes (0), or -1 at an error or the end. */
int	 sup_read_full(int fd, void *b, size_t n);
/* Sets O_NONBLOCK on fd: 0, or -1. */
int	 sup_set_nonblock(int fd);

#endif
