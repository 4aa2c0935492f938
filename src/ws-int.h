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

/* Makes the engine side of a record exist and run: volumes, container
 * (with the GPUs gpus holds, as db_gpu_allocated; NULL: read them),
 * start; the container id goes into w, and with record into the stored
 * record before the start (a create records it with its outcome). On
 * failure removes what it made and returns the error. */
int	 ws_provision(struct app *, struct db *, struct ws *w, json_t *gpus,
	    int record);
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
/* The same for the record *w its caller holds with its lock since it
 * was inserted, and the GPUs it holds: on success *w is the record as
 * stored (running). */
int	 ws_create_run(struct app *, struct db *, struct ws **w,
	    json_t *gpus, const char *actor, int wait);

/* A user's quotas (the config's defaults for none of their own). */
void	 user_quotas(struct app *, struct db *, const char *user, int *ws,
	    int *gpus, int *gib);
/* ERR_QUOTA when owner holds max quota slots already. */
int	 running_quota_check(struct db *, const char *owner, int max);

#endif
