/* db.h: the store, SQLite in WAL mode, the single source of truth, and
 * the only code that holds SQL (db.c and db-*.c, one file per table
 * family; db-int.h is their private toolbox). One connection per thread
 * (db_thread() hands each thread its own); writes that read first run in
 * db_begin() (BEGIN IMMEDIATE) with a busy timeout. Schema migrations are
 * versioned (PRAGMA user_version) in db.c. Functions return 0 or an err.h
 * code with the message set; *out is the caller's on success. */
#ifndef BERTH_DB_H
#define BERTH_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;
struct gpu_inventory;
struct gpu_nvml;
struct ws;

/* ---- db.c: connections, transactions, meta ---- */

/* Opens (creating and migrating) the store at path. One per thread. */
int		 db_open(const char *path, struct db **out);
void		 db_close(struct db *);
/* Makes the store's files (path, -wal, -shm) the owner's only (0600),
 * creating path: it holds keys' hashes and everyone's records. Before
 * any connection is open: closing a descriptor of the database would
 * drop the process's SQLite locks on it. */
void		 db_file_private(const char *path);
/* This thread's connection to the store at the path given to
 * db_set_path(); opened on first use, closed at thread exit. */
void		 db_set_path(const char *path);
struct db	*db_thread(void);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
/* 0 when the store answers a query. */
int		 db_ping(struct db *);
/* A number that grows after every commit that changed workspaces, their
 * GPUs or volumes (from any connection): what was derived from them at
 * generation g is still valid while db_generation() == g. */
uint64_t	 db_generation(void);
/* Facts about this installation (the meta table). ERR_NOTFOUND. */
int		 db_meta_get(struct db *, const char *key, char **out);
int		 db_meta_set(struct db *, const char *key, const char *value);

/* ---- db-events.c: the audit and lifecycle record ---- */

/* Records an event (never fails the caller; errors are logged). The
 * owner of a workspace target is recorded so users can read their own. */
void		 db_event(struct db *, const char *actor, const char *action,
		    const char *target, const char *result, const char *detail);
/* The newest limit events since (epoch s), oldest first, of target (NULL:
 * any), all of them or those user owns or made: a JSON array. */
int		 db_events_list(struct db *, int64_t since, const char *target,
		    int all, const char *user, long limit, json_t **out);

/* ---- db-users.c: users and API keys ---- */

int		 db_user_count(struct db *, int *n);
/* ERR_CONFLICT when the name exists (if_missing: then nothing, 0). */
int		 db_user_add(struct db *, const char *name, const char *role,
		    int64_t max_ws, int64_t max_gpus, int64_t max_gib,
		    int if_missing);
/* A user's quotas; ERR_NOTFOUND (outputs untouched) for no such user. */
int		 db_user_quotas(struct db *, const char *name, int *ws,
		    int *gpus, int *gib);
/* {name, role, quotas, usage, created_at}, NULL for no such user. */
json_t		*db_user_json(struct db *, const char *name);
int		 db_user_list(struct db *, json_t **out);
/* ERR_CONFLICT while the user has workspaces; ERR_NOTFOUND. */
int		 db_user_delete(struct db *, const char *name);
/* A key's limits as stored (auth.c gives them meaning): scope names and
 * workspace names/ids, comma-separated ("" = none); expiry epoch or 0. */
struct db_keylim {
	char	 scopes[64];
	char	 workspaces[1200];
	int64_t	 expires_at;
};
int		 db_apikey_add(struct db *, const char *id, const char *user,
		    const char *name, const unsigned char *hash,
		    size_t hashlen, const struct db_keylim *lim);
/* The stored hash (hashlen bytes), owner, role and limits of key id.
 * ERR_NOTFOUND when there is none of that length. */
int		 db_apikey_get(struct db *, const char *id, unsigned char *hash,
		    size_t hashlen, char *user, size_t usersz, int *admin,
		    struct db_keylim *lim);
/* user's keys (no secrets), current marking the caller's own; scopes
 * and workspaces as stored (strings), expires_at an epoch. */
int		 db_apikey_list(struct db *, const char *user,
		    const char *current, json_t **out);
int		 db_apikey_delete(struct db *, const char *id,
		    const char *user);

/* ---- db-ssh.c: users' SSH public keys ---- */

/* The owner, "TYPE BASE64" line and the limited API key it was added
 * with ("" = none) of the key with fingerprint fp. */
int		 db_sshkey_by_fp(struct db *, const char *fp, char **user,
		    char **pubkey, char **api_key_id);
/* ERR_CONFLICT when the fingerprint is registered (by anyone; whose is
 * not said) or user has a key named nm. *out: the key's JSON. */
int		 db_sshkey_add(struct db *, const char *id, const char *user,
		    const char *nm, const char *line, const char *fingerprint,
		    const char *api_key_id, json_t **out);
/* The keys of user (NULL: everyone's). */
int		 db_sshkey_list(struct db *, const char *user, json_t **out);
/* user's key whose id or name is ref (user NULL: any, by id); with
 * api_key_id, only one added with that API key. */
int		 db_sshkey_delete(struct db *, const char *user,
		    const char *ref, const char *api_key_id);
/* "TYPE BASE64 NAME\n" lines of user's keys (not those added with a
 * limited API key: the gateway holds those to the key's limits). */
int		 db_sshkey_lines(struct db *, const char *user, char **out);

/* ---- db-tasks.c: tasks (the supervisor holds their live state) ---- */

struct db_task {
	char	 id[33];
	char	*ws_id;
	char	*name;
	char	*argv;		/* JSON array */
	int	 tty;
	char	 state[16];	/* running|exited|killed|lost */
	int	 exit_code;	/* -1: none yet */
	int	 signal;
	int	 pid;
	int64_t	 created_at, started_at, ended_at;	/* epoch ms */
	int64_t	 out_start, out_end;
};

void		 db_task_clear(struct db_task *);
int		 db_task_insert(struct db *, const struct db_task *);
/* Writes state, exit_code, signal, pid, times and offsets. */
int		 db_task_update(struct db *, const struct db_task *);
/* The task of workspace ws_id whose id is ref, else the newest one named
 * ref. ERR_NOTFOUND. */
int		 db_task_get(struct db *, const char *ws_id, const char *ref,
		    struct db_task *out);
/* ws_id's tasks, oldest first (*out: n entries, db_task_clear each, then
 * free). */
int		 db_task_list(struct db *, const char *ws_id,
		    struct db_task **out, size_t *n);
/* Tasks of ws_id recorded as running. */
int64_t		 db_task_running(struct db *, const char *ws_id);
/* The workspaces with a task recorded as running (*ids: n strings,
 * free each and the array). */
int		 db_task_running_ws(struct db *, char ***ids, size_t *n);

/* ---- db-tmpl.c: templates made through the API ---- */

json_t		*db_template_get(struct db *, const char *name);
/* Appends every stored template to arr. */
int		 db_template_list(struct db *, json_t *arr);
int		 db_template_add(struct db *, const char *name,
		    const char *spec);
/* ERR_NOTFOUND (message not set) when there is none. */
int		 db_template_delete(struct db *, const char *name);

/* ---- db-gpu.c: GPU devices and exclusive allocations ----
 * Exclusivity has three guards: the caller's BEGIN IMMEDIATE transaction
 * serializes decisions, gpu_allocs' primary key makes holding one uuid
 * twice impossible, and a trigger refuses a MIG instance whose parent is
 * held (and the reverse). */

/* Creates gpu_devices, gpu_allocs, their indexes and trigger if missing;
 * idempotent (db_open runs it; it lives in db.c with the migrations). 0
 * or an SQLite code. */
int		 db_gpu_migrate(struct db *);
/* Upserts every device of inv (present = 1, last_seen = now) and marks
 * the others present = 0; a vanished device that is allocated stays
 * allocated and is logged. Joins the caller's transaction when one is
 * open. *vanished_allocated (may be NULL): the number of such devices. */
int		 db_gpu_sync(struct db *, const struct gpu_inventory *inv,
		    int *vanished_allocated);
/* Allocates GPU devices to workspace ws_id for owner. MUST be called
 * inside the caller's open transaction (ERR_INTERNAL otherwise). request:
 *   "none", "" or "0"   nothing (*out = [])
 *   "1", "2", …        that many whole GPUs (MIG mode off)
 *   "1g.10gb" …        one MIG instance of that profile
 *   "GPU-…", "MIG-…"   that device
 *   "H100", "a100" …   one whole GPU whose model contains it (any case)
 * prefer (NULL or "uuid,uuid") is taken first when free and fitting.
 * quota_gpus < 0: no limit; over it → ERR_QUOTA. Nothing fitting free →
 * ERR_UNSAT listing what is free; bad syntax → ERR_INVAL. A workspace
 * that already holds devices gets them back unchanged. *out: a JSON array
 * of {uuid, kind, model, profile, memory_mb, index, minor, parent_uuid}. */
int		 db_gpu_alloc(struct db *, const char *ws_id, const char *owner,
		    const char *request, int quota_gpus, const char *prefer,
		    json_t **out);
/* Frees what ws_id holds (fine inside or outside a transaction). */
int		 db_gpu_free(struct db *, const char *ws_id);
/* What ws_id holds, as db_gpu_alloc's *out (empty array when nothing). */
int		 db_gpu_allocated(struct db *, const char *ws_id, json_t **out);
/* Devices present and devices allocated. */
int		 db_gpu_counts(struct db *, int *total, int *allocated);
/* "uuid1,uuid2" of an allocation array, "" when empty; caller frees. */
char		*gpu_uuids_csv(json_t *allocs);
/* JSON views for the API (new references): devices (with present,
 * allocated, available, allocated_to for admins or the holder, and live
 * figures from nvml, which may be NULL); per model and profile {kind,
 * model, profile, memory_mb, total, free}; free devices. */
json_t		*db_gpu_view_devices(struct db *, struct gpu_nvml *nvml,
		    const char *viewer, int admin);
json_t		*db_gpu_view_types(struct db *);
json_t		*db_gpu_view_available(struct db *);

/* ---- db-vol.c: users' named volumes ---- */

/* Volume id of ref (the user's volume name, an id, or an id prefix of 4+
 * among what user may see). ERR_NOTFOUND, ERR_CONFLICT (ambiguous). */
int		 db_vol_find(struct db *, const char *user, int admin,
		    const char *ref, char **id);
/* The volume's JSON with used_by; NULL when there is none. */
json_t		*db_vol_json(struct db *, const char *id);
int		 db_vol_list(struct db *, const char *user, int admin,
		    json_t **out);
/* The owner's volume by name: id and backend name. ERR_NOTFOUND. */
int		 db_vol_by_name(struct db *, const char *owner,
		    const char *name, char **id, char **backend);
/* GiB the owner's volumes take (except volume except_id, may be NULL),
 * and the owner's quota (*quota untouched when the user has none). */
int		 db_vol_usage(struct db *, const char *owner,
		    const char *except_id, int64_t *used, int64_t *quota);
/* The owner of volume id. */
int		 db_vol_owner(struct db *, const char *id, char **owner);
/* ERR_CONFLICT when the owner has a volume of that name. */
int		 db_vol_add(struct db *, const char *id, const char *owner,
		    const char *name, const char *backend, int64_t gib);
int		 db_vol_resize(struct db *, const char *id, int64_t gib);
/* Names of the workspaces using volume id, ", "-separated into buf;
 * *n: how many. */
int		 db_vol_users(struct db *, const char *id, char *buf,
		    size_t size, int *n);
int		 db_vol_backend(struct db *, const char *id, char **backend);
/* The size in GiB of the volume with that backend name (0: none). */
int64_t		 db_vol_size_by_backend(struct db *, const char *backend);
/* Every volume's backend name: *n strings (free each, then the array). */
int		 db_vol_backends(struct db *, char ***out, size_t *n);
int		 db_vol_delete(struct db *, const char *id);
/* Whether the volume's root was handed to the workspace user. */
int		 db_vol_prepared(struct db *, const char *id);
int		 db_vol_set_prepared(struct db *, const char *id);

/* ---- db-ws.c: workspaces, their volumes and direct SSH ports ---- */

/* Loads by exact id / by owner and name. ERR_NOTFOUND. */
int		 db_ws_get(struct db *, const char *id, struct ws **out);
int		 db_ws_by_name(struct db *, const char *owner, const char *name,
		    struct ws **out);
/* Up to max records whose id starts with prefix, among what user may see
 * (admin: all), by id. *out: an array of *n records (ws_free each, then
 * free the array). */
int		 db_ws_by_prefix(struct db *, const char *prefix, int admin,
		    const char *user, size_t max, struct ws ***out, size_t *n);
/* Which records db_ws_each visits: all (else owner's), state and
 * ssh_mode (NULL: any). Ordered by created_at, name. */
struct db_ws_filter {
	int		 all;
	const char	*owner;
	const char	*state;
	const char	*ssh_mode;
};
/* Calls fn for each record; fn borrows the record. */
int		 db_ws_each(struct db *, const struct db_ws_filter *,
		    void (*fn)(void *arg, const struct ws *), void *arg);
int		 db_ws_count_state(struct db *, const char *state);
/* The owner's workspaces that hold a quota slot: creating, running, or
 * with a start in flight. */
int		 db_ws_count_active(struct db *, const char *owner);
/* 1 when owner has a workspace named name. */
int		 db_ws_name_taken(struct db *, const char *owner,
		    const char *name);
/* Inserts w (state "creating", op "create"). ERR_CONFLICT on a name. */
int		 db_ws_insert(struct db *, const struct ws *w);
int		 db_ws_add_volume(struct db *, const char *ws_id,
		    const char *vol_id, const char *mount);
int		 db_ws_set_container(struct db *, const char *id,
		    const char *container_id);
int		 db_ws_set_spec(struct db *, const char *id,
		    const json_t *spec);
/* Sets one string in the record's spec (key: [a-z_]+). */
int		 db_ws_spec_str(struct db *, const char *id, const char *key,
		    const char *value);
int		 db_ws_set_ssh_port(struct db *, const char *id, int port);
/* Records activity now. */
int		 db_ws_touch(struct db *, const char *id);
/* Records activity of source at (epoch s): the record's last activity
 * (when later) and the source's own last moment (activity.c). */
int		 db_ws_activity(struct db *, const char *id, const char *source,
		    int64_t at);
/* {source: epoch} of each source's last moment for id (*out new). */
int		 db_ws_activity_times(struct db *, const char *id,
		    json_t **out);
/* A new TTL counts from now. */
int		 db_ws_set_ttl(struct db *, const char *id, int64_t ttl);
int		 db_ws_set_idle(struct db *, const char *id, int64_t idle);
/* ERR_CONFLICT when the owner has a workspace of that name. */
int		 db_ws_set_name(struct db *, const char *id, const char *name);
/* Removes the record and what it holds (GPUs, direct port), in one
 * transaction. */
int		 db_ws_remove(struct db *, const char *id);
/* Running workspaces whose TTL ran out ("ttl") or that sat idle
 * ("idle") at now, earliest due first: parallel arrays of *n ids, reasons
 * (free each) and the moments they fell due (epoch s). */
int		 db_ws_expired(struct db *, int64_t now, char ***ids,
		    char ***why, int64_t **due, size_t *n);
/* The earliest moment a running workspace falls due (TTL or idle), epoch
 * s; 0 when none will. */
int64_t		 db_ws_next_due(struct db *);
/* Takes a free port in lo..hi for ws_id: the first one not recorded for
 * which is_free(arg, port) says 1. ERR_UNSAT when none is. */
int		 db_port_alloc(struct db *, const char *ws_id, int lo, int hi,
		    int (*is_free)(void *arg, int port), void *arg, int *port);

/* ERR_QUOTA when owner holds max quota slots (db_ws_count_active). */
int		 db_ws_active_check(struct db *, const char *owner, int max);

/* A new workspace: everything its create decides, in one transaction. */
struct db_ws_new {
	/* The record (state "creating", op "create" are the store's);
	 * spec.volumes [{name, mount}] get volume_id and backend. */
	const struct ws	*rec;
	/* The quotas where the owner has none of their own. */
	int		 quota_ws, quota_gpus, quota_gib;
	/* A volume the owner lacks is added with the id and backend name
	 * of its place in spec.volumes, of volume_gib GiB. */
	const char *const *vol_new_ids;
	const char *const *vol_new_backends;
	size_t		 nvol_new;
	int		 volume_gib;
	/* NULL: GPUs are allocated here by device (db_gpu_alloc). Else
	 * the engine places them: the GPU quota counts the units of the
	 * owner's requests, which this says (0 or an error). */
	int		(*gpu_units)(const char *request, int *units);
	/* Direct SSH: a port in port_lo..port_hi that port_free says is
	 * free (db_port_alloc); port_free NULL: none. */
	int		 port_lo, port_hi;
	int		(*port_free)(void *arg, int port);
	void		*port_arg;
};
/* The owner's quotas, the running quota, the name, the volumes, the
 * record, its GPUs, its direct SSH port and the "workspace.create" event,
 * all or nothing. *out: the record as stored; *gpus: what it holds (as
 * db_gpu_allocated). */
int		 db_ws_create(struct db *, const struct db_ws_new *,
		    struct ws **out, json_t **gpus);
/* An outcome with its container and event, in one transaction. */
struct db_ws_out {
	const char	*container_id;	/* NULL: unchanged */
	const char	*state;
	const char	*error;		/* as db_ws_outcome */
	int		 flags;		/* DB_WS_* */
	const char	*actor, *action, *result, *detail;	/* the event;
						 * action NULL: none */
};
/* Records o for *w and reads *w again as stored (replacing it). */
int		 db_ws_settle(struct db *, struct ws **w,
		    const struct db_ws_out *o);

/* The state machine's store half (ws-life.c holds the table). */
/* Records the intent to run op on id (and state, when not NULL), when
 * the record is still at version (compare-and-set; ERR_CONFLICT when it
 * moved on). */
int		 db_ws_intent(struct db *, const char *id, int64_t version,
		    const char *op, const char *state);
/* How an outcome stamps the record. */
#define DB_WS_STARTED	0x1	/* started_at, activity, TTL clock */
#define DB_WS_STOPPED	0x2	/* stopped_at */
#define DB_WS_KEEP_ERROR 0x4	/* error stays as it was */
/* Records the outcome: state and error (NULL: ""), the op cleared. */
int		 db_ws_outcome(struct db *, const char *id, const char *state,
		    const char *error, int flags);

#endif
