/* sup-tree.h: signalling a process tree inside the container (berth-sup
 * only). */
#ifndef BERTH_SUP_TREE_H
#define BERTH_SUP_TREE_H

#include <sys/types.h>

/* Sends sig to every descendant of root (not root itself). For SIGKILL
 * the tree is first stopped round by round until no new process appears,
 * so nothing forks its way out. Returns how many were signalled, -1 when
 * /proc cannot be read. */
int	tree_signal(pid_t root, int sig);

#endif
