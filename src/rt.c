/* rt.c: the runtime backend's constructor by kind and the calls of rt.h,
 * each through the backend's table. Any thread (the backends are
 * thread-safe). */
#include <string.h>

#include "docker-rt.h"
#include "err.h"
#include "rt.h"
#include "swarm-rt.h"
#include "xmalloc.h"

struct rt *
rt_new(const char *kind, const char *address)
{
	if (kind != NULL && strcmp(kind, "docker") == 0)
		return docker_rt_new(address);
	if (kind != NULL && strcmp(kind, "swarm") == 0)
		return swarm_rt_new(address);
	err_set(ERR_INVAL, "unknown runtime backend '%s' (known: docker, "
	    "swarm)",
	    kind != NULL ? kind : "");
	return NULL;
}

void
rt_free(struct rt *rt)
{
	if (rt != NULL)
		rt->ops->free(rt);
}

const char *
rt_name(const struct rt *rt)
{
	return rt->ops->kind;
}

unsigned
rt_caps(const struct rt *rt)
{
	return rt->ops->caps;
}

int
rt_ping(struct rt *rt)
{
	return rt->ops->ping(rt);
}

int
rt_image_exists(struct rt *rt, const char *image)
{
	return rt->ops->image_exists(rt, image);
}

int
rt_network_ensure(struct rt *rt, const char *name)
{
	return rt->ops->network_ensure(rt, name);
}

int
rt_gpu_runtime(struct rt *rt)
{
	return rt->ops->gpu_runtime(rt);
}

int
rt_port_free(struct rt *rt, const char *addr, int port)
{
	return rt->ops->port_free(rt, addr, port);
}

int
rt_disk_limit_support(struct rt *rt, char *why, size_t whysize)
{
	return rt->ops->disk_limit_support(rt, why, whysize);
}

int
rt_volume_create(struct rt *rt, const char *name, const char *const *labels)
{
	return rt->ops->volume_create(rt, name, labels);
}

int
rt_volume_create_bind(struct rt *rt, const char *name,
    const char *const *labels, const char *dir)
{
	return rt->ops->volume_create_bind(rt, name, labels, dir);
}

int
rt_volume_remove(struct rt *rt, const char *name)
{
	return rt->ops->volume_remove(rt, name);
}

int
rt_volume_exists(struct rt *rt, const char *name)
{
	return rt->ops->volume_exists(rt, name);
}

int
rt_volume_chown(struct rt *rt, const char *name, const char *user,
    const char *image, const char *installation, const char *workspace_id)
{
	return rt->ops->volume_chown(rt, name, user, image, installation,
	    workspace_id);
}

int
rt_create(struct rt *rt, const struct rt_spec *s, char **idp)
{
	return rt->ops->create(rt, s, idp);
}

int
rt_start(struct rt *rt, const char *id)
{
	return rt->ops->start(rt, id);
}

int
rt_stop(struct rt *rt, const char *id, int timeout_s)
{
	return rt->ops->stop(rt, id, timeout_s);
}

int
rt_restart(struct rt *rt, const char *id, int timeout_s)
{
	return rt->ops->restart(rt, id, timeout_s);
}

int
rt_remove(struct rt *rt, const char *id, int force)
{
	return rt->ops->remove(rt, id, force);
}

int
rt_inspect(struct rt *rt, const char *id, struct rt_state *st)
{
	return rt->ops->inspect(rt, id, st);
}

int
rt_inspect_json(struct rt *rt, const char *id, json_t **out)
{
	return rt->ops->inspect_json(rt, id, out);
}

int
rt_list(struct rt *rt, struct rt_container **list, size_t *n)
{
	return rt->ops->list(rt, list, n);
}

int
rt_locate(struct rt *rt, const char *id, struct rt_where *w)
{
	memset(w, 0, sizeof *w);
	if (rt->ops->locate != NULL)
		return rt->ops->locate(rt, id, w);
	w->rt = rt;
	if (strlcpy_b(w->id, id, sizeof w->id) >= sizeof w->id)
		return err_set(ERR_INVAL, "container id too long");
	return 0;
}

int
rt_logs(struct rt *rt, const char *id, const struct rt_logs_opts *o,
    struct rt_stream **sp)
{
	return rt->ops->logs(rt, id, o, sp);
}

int
rt_stats(struct rt *rt, const char *id, struct rt_stats *st)
{
	return rt->ops->stats(rt, id, st);
}

int
rt_file_stat(struct rt *rt, const char *id, const char *path,
    struct rt_file *f)
{
	return rt->ops->file_stat(rt, id, path, f);
}

int
rt_file_get(struct rt *rt, const char *id, const char *path,
    struct rt_file *info, struct rt_stream **sp)
{
	return rt->ops->file_get(rt, id, path, info, sp);
}

int
rt_file_put(struct rt *rt, const char *id, const char *path,
    const struct rt_put *p, struct rt_stream **sp)
{
	return rt->ops->file_put(rt, id, path, p, sp);
}

ssize_t
rt_stream_read(struct rt_stream *s, int *stream, void *b, size_t n,
    int timeout_ms)
{
	return s->ops->stream_read(s, stream, b, n, timeout_ms);
}

int
rt_stream_write(struct rt_stream *s, const void *p, size_t n)
{
	return s->ops->stream_write(s, p, n);
}

int
rt_stream_finish(struct rt_stream *s)
{
	return s->ops->stream_finish(s);
}

void
rt_stream_free(struct rt_stream *s)
{
	if (s != NULL)
		s->ops->stream_free(s);
}
