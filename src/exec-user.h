/* exec-user.h: who an exec may run as. A workspace's commands run as its
 * own user (the template's "user", by default 1000:1000); asking for
 * another one ("root", "0", "0:0", a name that maps to another uid) is
 * refused unless the caller is an admin or the workspace's template lists
 * it in "exec_users". Names are resolved through the container's own
 * /etc/passwd and /etc/group. Request threads. */
#ifndef BERTH_EXEC_USER_H
#define BERTH_EXEC_USER_H

struct app;
struct principal;
struct ws;

/* 0 when user may run commands in w; ERR_FORBIDDEN with a message that
 * says what is allowed. */
int	exec_user_check(struct app *, const struct principal *,
	    const struct ws *, const char *user);

#endif
