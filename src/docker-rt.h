/* docker-rt.h: the Docker backend of rt.h, as its files share it: the
 * backend's state, the operations each file implements (docker-rt.c
 * containers, volumes, network; docker-io.c streams; docker-host.c helper
 * containers and host checks), gathered into a table by docker-ops.c.
 * Internal to docker-*.c. Any thread. */
#ifndef BERTH_DOCKER_RT_H
#define BERTH_DOCKER_RT_H

#include <jansson.h>

#include "rt.h"

struct dc;

struct docker_rt {
	struct rt	 rt;		/* first: rt.h's head */
	struct dc	*dc;
};

/* The engine client of a Docker runtime (borrowed; lives as long as rt). */
static inline struct dc *
docker_rt_client(struct rt *rt)
{
	return ((struct docker_rt *)rt)->dc;
}

/* docker-ops.c: the backend for host ("unix:///var/run/docker.sock"). */
struct rt	*docker_rt_new(const char *host);

/* docker-rt.c */
/* 1 when s is a safe container id or name for a URL path. */
int		 docker_safe_name(const char *s);
/* The container create body for a spec (tests look at the GPU parts that
 * this host's engine would refuse); caller json_decref()s. */
json_t		*docker_create_body(const struct rt_spec *);
int	docker_ping(struct rt *);
int	docker_image_exists(struct rt *, const char *);
int	docker_network_ensure(struct rt *, const char *);
int	docker_gpu_runtime(struct rt *);
int	docker_volume_create(struct rt *, const char *, const char *const *);
int	docker_volume_create_bind(struct rt *, const char *,
	    const char *const *, const char *);
int	docker_volume_remove(struct rt *, const char *);
int	docker_volume_exists(struct rt *, const char *);
int	docker_create(struct rt *, const struct rt_spec *, char **);
int	docker_start(struct rt *, const char *);
int	docker_stop(struct rt *, const char *, int);
int	docker_restart(struct rt *, const char *, int);
int	docker_remove(struct rt *, const char *, int);
int	docker_inspect(struct rt *, const char *, struct rt_state *);
int	docker_inspect_json(struct rt *, const char *, json_t **);
int	docker_list(struct rt *, struct rt_container **, size_t *);

/* docker-io.c */
int	docker_logs(struct rt *, const char *, const struct rt_logs_opts *,
	    struct rt_stream **);
int	docker_stats(struct rt *, const char *, struct rt_stats *);
int	docker_file_stat(struct rt *, const char *, const char *,
	    struct rt_file *);
int	docker_file_get(struct rt *, const char *, const char *,
	    struct rt_file *, struct rt_stream **);
int	docker_file_put(struct rt *, const char *, const char *,
	    const struct rt_put *, struct rt_stream **);
ssize_t	docker_stream_read(struct rt_stream *, int *, void *, size_t, int);
int	docker_stream_write(struct rt_stream *, const void *, size_t);
int	docker_stream_finish(struct rt_stream *);
void	docker_stream_free(struct rt_stream *);

/* docker-host.c */
int	docker_volume_chown(struct rt *, const char *, const char *,
	    const char *, const char *, const char *);
int	docker_port_free(struct rt *, const char *, int);
int	docker_disk_limit_support(struct rt *, char *, size_t);

#endif
