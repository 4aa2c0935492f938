/* docker-rt.h: what docker-exec.c needs from the Docker runtime backend.
 * Internal to docker-*.c. Any thread. */
#ifndef BERTH_DOCKER_RT_H
#define BERTH_DOCKER_RT_H

#include <jansson.h>

struct rt;
struct dc;
struct rt_spec;

/* The engine client of a Docker runtime (borrowed; lives as long as rt). */
struct dc	*docker_rt_client(struct rt *);
/* 1 when s is a safe container id or name for a URL path. */
int		 docker_safe_name(const char *s);

/* The container create body for a spec (tests look at the GPU parts that
 * this host's engine would refuse); caller json_decref()s. */
json_t		*docker_create_body(const struct rt_spec *);

#endif
