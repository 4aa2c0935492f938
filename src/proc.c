/* proc.c: proc.h's dispatch: picks a runner per start (the workspace's
 * supervisor when one answers, else Docker exec) and forwards every call
 * through the runner's operations table. Any thread; a struct proc is
 * owned by one thread at a time. */
#include <sys/types.h>

#include <stddef.h>
#include <string.h>

#include "docker-exec.h"
#include "err.h"
#include "log.h"
#include "proc-sup.h"
#include "proc.h"
#include "rt.h"

#define OPS(p)	(((const struct proc_base *)(const void *)(p))->ops)

int
proc_start(struct rt *rt, const char *container_id,
    const struct proc_spec *s, struct proc **pp)
{
	struct rt_where w;
	struct proc_spec ls;
	int r;

	*pp = NULL;
	/* On a cluster, the engine and supervisor of the workspace's node
	 * (no backend: the supervisor only). */
	memset(&w, 0, sizeof w);
	w.rt = rt;
	if (rt != NULL && (r = rt_locate(rt, container_id, &w)) != 0)
		return r;
	if (s != NULL && s->sup_dir != NULL) {
		ls = *s;
		ls.sup_via = w.via[0] != '\0' ? w.via : NULL;
		if ((r = sup_proc_start(&ls, pp)) <= 0)
			return r;
		/* No supervisor there, or not for this user: fall back. */
		log_debug("%s: Docker exec instead", err_msg());
	}
	return docker_proc_start(w.rt, rt != NULL ? w.id : container_id, s,
	    pp);
}

const char *
proc_runner(const struct proc *p)
{
	return OPS(p)->name;
}

int
proc_fd(const struct proc *p)
{
	return OPS(p)->fd(p);
}

int
proc_set_nonblock(struct proc *p, int on)
{
	return OPS(p)->set_nonblock(p, on);
}

ssize_t
proc_read(struct proc *p, int *stream, void *buf, size_t len)
{
	return OPS(p)->read(p, stream, buf, len);
}

ssize_t
proc_write(struct proc *p, const void *b, size_t len)
{
	return OPS(p)->write(p, b, len);
}

int
proc_close_stdin(struct proc *p)
{
	return OPS(p)->close_stdin(p);
}

int
proc_resize(struct proc *p, unsigned rows, unsigned cols)
{
	return OPS(p)->resize(p, rows, cols);
}

int
proc_signal(struct proc *p, int sig)
{
	return OPS(p)->signal(p, sig);
}

int
proc_wait(struct proc *p, int timeout_ms, int *status)
{
	return OPS(p)->wait(p, timeout_ms, status);
}

void
proc_free(struct proc *p)
{
	if (p != NULL)
		OPS(p)->free(p);
}
