/* docker-exec.h: knobs of the Docker exec implementation of proc.h that
 * callers of proc.h never need: tests and operators only. Any thread. */
#ifndef BERTH_DOCKER_EXEC_H
#define BERTH_DOCKER_EXEC_H

/* How proc_signal reaches the process tree. AUTO: through host pids when
 * berthd sees the container's processes (it runs on the host, or in a
 * container with the host pid namespace), else by an exec in the
 * container. CONTAINER forces the latter. */
enum docker_kill_mode { DOCKER_KILL_AUTO, DOCKER_KILL_CONTAINER };

void	docker_exec_set_kill_mode(enum docker_kill_mode);

/* The variable put into every exec's environment so that the processes it
 * starts can be found again (inherited by children, also by daemonized
 * ones): BERTH_EXEC_ID=<32 hex digits>. */
#define DOCKER_EXEC_TOKEN_VAR	"BERTH_EXEC_ID"

/* The Docker exec runner of proc.h (proc.c picks it). */
struct rt;
struct proc;
struct proc_spec;
extern const struct proc_ops docker_proc_ops;
int	docker_proc_start(struct rt *, const char *container_id,
	    const struct proc_spec *, struct proc **);

#endif
