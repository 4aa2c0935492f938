/* sup-host.h: berthd's host side of the in-container supervisor: the
 * installed berth-sup binary and each workspace's run directory
 * (<state_dir>/sup/<workspace id>, bind-mounted at /.berth/run, where
 * berth-sup listens on sup.sock) with its key (<dir>.key, host only).
 * sup_host_init at start-up (main thread); the rest from any thread. */
#ifndef BERTH_SUP_HOST_H
#define BERTH_SUP_HOST_H

#define SUP_MOUNT_BIN	"/.berth/sup"
#define SUP_MOUNT_RUN	"/.berth/run"

/* Installs binary ("auto": berth-sup next to berthd's executable; "" or
 * "off": no supervisor) into <state_dir>/sup. A missing binary under
 * "auto" only logs: workspaces then use Docker exec. */
int		 sup_host_init(const char *state_dir, const char *binary);
/* The installed binary, or NULL when there is no supervisor. */
const char	*sup_host_binary(void);
/* Makes the workspace's run directory writable by uid:gid (NULL user:
 * anyone) and a fresh key; *dirp (malloc) and secret (hex, NUL). */
int		 sup_host_prepare(const char *ws_id, const char *user,
		    char **dirp, char secret[65]);
/* The run directory when the workspace has one (malloc), else NULL. */
char		*sup_host_dir(const char *ws_id);
/* The workspaces run on other hosts (a cluster), with their supervisors'
 * sockets there: sup_host_runner does not look for them here. Start-up
 * only. */
void		 sup_host_set_remote(void);
/* Which runner the workspace's processes use: "sup" when it was made
 * with a supervisor (and, while running on this host, its socket is
 * there), else "docker-exec". */
const char	*sup_host_runner(const char *ws_id, int running);
/* After a start: waits up to ms for the workspace's supervisor to accept
 * connections (it starts with the container, within milliseconds), so the
 * first process after "running" already goes through it. 0 when it does,
 * or when the workspace has none. */
int		 sup_host_wait(const char *ws_id, int ms);
/* Removes the run directory and key. */
void		 sup_host_remove(const char *ws_id);

#endif
