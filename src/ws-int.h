/* ws-int.h: what the workspace files (ws.c, ws-create.c, ws-life.c,
 * ws-prov.c) share among themselves and nobody else. */
#ifndef BERTH_WS_INT_H
#define BERTH_WS_INT_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>

struct app;
struct db;
struct ws;

/* The lock of workspace id (striped), held across a whole transition,
 * engine calls included (bounded by the engine client's timeouts). */
pthread_mutex_t	*ws_lock(const char *id);
/* ws_lock, or NULL at once when someone holds it. */
pthread_mutex_t	*ws_trylock(const char *id);

/* The engine's name for a workspace's container (caller frees). */
char	*ws_container_name(const char *id);
/* Makes the engine side of a record exist and run: volumes, container,
 * start; the container id goes into the record. On failure removes what
 * it made and returns the error. */
int	 ws_provision(struct app *, struct db *, struct ws *,
	    const char *actor);
/* The "create" transition, under the lock: provision a record left
 * "creating". On failure the record is dropped (wait: nothing was
 * promised yet) or marked failed with the reason. */
/* A GPU request ("1", "2", "any", a MIG profile "1g.10gb") as a node
 * resource kind and count, for backends that schedule GPUs themselves
 * (*count 0: none); ERR_UNSAT for what such a backend cannot ask for (a
 * model, a device uuid). */
int	 ws_gpu_resource(const char *req, char *kind, size_t ksize,
	    int *count);
int	 ws_finish_create(struct app *, struct db *, const char *id,
	    const char *actor, int wait);

/* A user's quotas (the config's defaults for none of their own). */
void	 user_quotas(struct app *, struct db *, const char *user, int *ws,
	    int *gpus, int *gib);
/* ERR_QUOTA when owner holds max quota slots already. */
int	 running_quota_check(struct db *, const char *owner, int max);
/* A duration given as "90m" or as integer seconds. */
int	 parse_duration_field(const json_t *body, const char *key,
	    int64_t *out, int *present);

#endif
