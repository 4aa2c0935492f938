/* ws.h: workspaces, the central record: how they are looked up, created,
 * moved through their states and turned into JSON. Called from request
 * threads, the SSH gateway and the lifecycle thread; each call uses the
 * caller's store connection. */
#ifndef BERTH_WS_H
#define BERTH_WS_H

#include <stdint.h>

#include <jansson.h>

struct app;
struct db;
struct principal;

/* A workspace record as stored. Strings are owned (ws_free). */
struct ws {
	char	*id;		/* UUID */
	char	*name;
	char	*owner;
	char	*template;
	char	*image;
	char	*state;		/* creating|running|stopped|failed|deleting */
	char	*error;		/* "" when none */
	char	*container_id;	/* "" when none */
	char	*ssh_mode;	/* gateway|direct */
	char	*gpu_request;	/* "" = none */
	json_t	*spec;		/* env, ports, volumes, command, user,
				 * workdir, shell */
	double	 cpus;
	int64_t	 memory;	/* bytes */
	int64_t	 pids_limit;
	int64_t	 ttl;		/* seconds, 0 = none */
	int64_t	 expires_at;	/* epoch, 0 = none */
	int64_t	 idle_timeout;	/* seconds, 0 = never */
	int64_t	 last_activity_at;
	int64_t	 created_at, started_at, stopped_at;
	int	 ssh_port;	/* direct mode host port, 0 = none */
	char	*op;		/* the transition in flight, "" = none */
	int64_t	 version;	/* bumped by every transition */
	int	 acked;		/* a create answered before it finished */
	char	*activity_source;	/* of last_activity_at; "" = start */
	json_t	*gpus;		/* what it holds, as db_gpu_allocated, when
				 * its holder knows; NULL: ask the store */
};

void	 ws_free(struct ws *);
/* Resolves ref (full UUID, unique id prefix of >= 4 chars, or the owner's
 * workspace name) among the workspaces who may see (admin: all).
 * ERR_NOTFOUND; ERR_CONFLICT when ambiguous (message lists candidates). */
int	 ws_resolve(struct db *, const struct principal *who, const char *ref,
	    struct ws **out);
/* Loads by exact id. */
int	 ws_get(struct db *, const char *id, struct ws **out);
/* The API's JSON for a workspace (new reference). */
json_t	*ws_to_json(struct app *, struct db *, const struct ws *);
/* Records activity now, of no named kind (kept for old callers: use
 * ws_activity() of activity.h, which names its source). */
void	 ws_touch(struct db *, const char *id);
/* Lifecycle transitions, as the API and the gateway use them:
 * "start", "stop", "restart", "redeploy". actor is recorded in events;
 * reason ("user", "ttl", "idle") too. */
int	 ws_action(struct app *, struct db *, const char *id,
	    const char *action, const char *actor, const char *reason);
/* Ensures the workspace runs (start it when stopped); for the gateway. */
int	 ws_ensure_running(struct app *, struct db *, const char *id,
	    const char *actor, int *started);


/* Creates a workspace from a validated POST /v1/workspaces body for who.
 * With wait, returns once it runs (or failed: the error is returned and
 * nothing is left behind); without, returns in state "creating" and
 * finishes in the background. *out is the caller's. */
int	 ws_create(struct app *, struct db *, const struct principal *who,
	    const json_t *body, struct ws **out);
/* ws_create with an extra public key line authorized in a direct-SSH
 * workspace (Sandman's sessions). */
int	 ws_create_ex(struct app *, struct db *, const struct principal *who,
	    const json_t *body, const char *extra_key, struct ws **out);
/* Validates a create body as ws_create does, touching neither the engine
 * nor any record (for fuzzing and dry runs). */
int	 ws_create_check(struct app *, const json_t *body);
/* Deletes a workspace: container removed, GPU freed, record gone;
 * volumes stay. */
int	 ws_delete(struct app *, struct db *, const char *id,
	    const char *actor);
/* Applies a PATCH body (ttl, idle_timeout, name). */
int	 ws_patch(struct app *, struct db *, const char *id,
	    const json_t *body, const char *actor);
/* Lists the workspaces who may see, optionally only in state. */
int	 ws_list(struct app *, struct db *, const struct principal *who,
	    const char *state, json_t **out);
/* The engine's name for a user's volume (caller frees). */
char	*ws_volume_backend(const char *owner, const char *name,
	    const char *id);
/* Finishes, in threads of their own, the creates a restart interrupted
 * after answering them (state "creating", acknowledged). */
void	 ws_resume_creates(struct app *, struct db *);
/* Reconcile's half of the state machine, one record at a time under its
 * lock (skipped when someone holds it: an operation is in flight).
 * ws_mend: makes record id agree with its container (exited → stopped,
 * vanished → failed, running outside berth → stopped again), each change
 * with its event; at_start it also settles what a crash left in flight.
 * ws_mend_container: removes container cid labelled for workspace id
 * unless it is that record's container or the record is being created. */
void	 ws_mend(struct app *, struct db *, const char *id, int at_start);
void	 ws_mend_container(struct app *, struct db *, const char *cid,
	    const char *id);
/* Makes the workspace network exist (once per process). */
int	 ws_network_ensure(struct app *);
/* The ssh host and the base URL put into ssh commands and URLs. */
const char *ws_public_host(struct app *);

/* The engine's name for a workspace's container (caller frees). */
char	*ws_container_name(const char *id);

#endif
