/* db-ws.c: the workspaces table with ws_volumes and direct_ports: records,
 * lookups, the quota counts, and the state machine's store half (intent
 * and outcome, a version bumped by each, compare-and-set). Any thread,
 * each with its own connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "json-util.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define WS_COLS "id, name, owner, template, image, state, error, " \
	"container_id, ssh_mode, gpu_request, spec, cpus, memory, " \
	"pids_limit, ttl, expires_at, idle_timeout, last_activity_at, " \
	"created_at, started_at, stopped_at, ssh_port, op, version, acked, " \
	"activity_source"

static struct ws *
ws_from_row(sqlite3_stmt *st)
{
	struct ws *w = xcalloc(1, sizeof *w);

	w->id = db_col_str(st, 0);
	w->name = db_col_str(st, 1);
	w->owner = db_col_str(st, 2);
	w->template = db_col_str(st, 3);
	w->image = db_col_str(st, 4);
	w->state = db_col_str(st, 5);
	w->error = db_col_str(st, 6);
	w->container_id = db_col_str(st, 7);
	w->ssh_mode = db_col_str(st, 8);
	w->gpu_request = db_col_str(st, 9);
	w->spec = json_parse_or(db_col_text(st, 10), json_object);
	w->cpus = sqlite3_column_double(st, 11);
	w->memory = db_col_int(st, 12);
	w->pids_limit = db_col_int(st, 13);
	w->ttl = db_col_int(st, 14);
	w->expires_at = db_col_int(st, 15);
	w->idle_timeout = db_col_int(st, 16);
	w->last_activity_at = db_col_int(st, 17);
	w->created_at = db_col_int(st, 18);
	w->started_at = db_col_int(st, 19);
	w->stopped_at = db_col_int(st, 20);
	w->ssh_port = (int)db_col_int(st, 21);
	w->op = db_col_str(st, 22);
	w->version = db_col_int(st, 23);
	w->acked = (int)db_col_int(st, 24);
	w->activity_source = db_col_str(st, 25);
	return w;
}

/* The one record sql (binding fmt...) selects; ERR_NOTFOUND. */
static int
ws_one(struct db *db, struct ws **out, const char *what, const char *sql,
    const char *fmt, const char *a, const char *b)
{
	sqlite3_stmt *st;
	int r = 0;

	*out = NULL;
	if ((st = db_prep(db, sql)) == NULL)
		return ERR_INTERNAL;
	db_bind(st, fmt, a, b);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = ws_from_row(st);
	else
		r = err_set(ERR_NOTFOUND, "no workspace '%.64s'", what);
	sqlite3_finalize(st);
	return r;
}

int
db_ws_get(struct db *db, const char *id, struct ws **out)
{
	return ws_one(db, out, id, "SELECT " WS_COLS " FROM workspaces "
	    "WHERE id = ?", "s", id, NULL);
}

int
db_ws_by_name(struct db *db, const char *owner, const char *name,
    struct ws **out)
{
	return ws_one(db, out, name, "SELECT " WS_COLS " FROM workspaces "
	    "WHERE owner = ? AND name = ?", "ss", owner, name);
}

int
db_ws_by_prefix(struct db *db, const char *prefix, int admin,
    const char *user, size_t max, struct ws ***out, size_t *np)
{
	sqlite3_stmt *st;
	struct ws **v = NULL;
	size_t n = 0;
	char like[80];

	*out = NULL;
	*np = 0;
	snprintf(like, sizeof like, "%s%%", prefix);
	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces "
	    "WHERE id LIKE ? AND (? OR owner = ?) ORDER BY id LIMIT ?"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "sisi", like, (int64_t)admin, user, (int64_t)max);
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = ws_from_row(st);
	}
	sqlite3_finalize(st);
	*out = v;
	*np = n;
	return 0;
}

int
db_ws_each(struct db *db, const struct db_ws_filter *f,
    void (*fn)(void *, const struct ws *), void *arg)
{
	sqlite3_stmt *st;

	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces WHERE "
	    "(? OR owner = ?) AND (? IS NULL OR state = ?) AND "
	    "(? IS NULL OR ssh_mode = ?) ORDER BY created_at, name")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "isssss", (int64_t)f->all, f->owner ? f->owner : "",
	    f->state, f->state, f->ssh_mode, f->ssh_mode);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ws *w = ws_from_row(st);
		fn(arg, w);
		ws_free(w);
	}
	sqlite3_finalize(st);
	return 0;
}

int
db_ws_count_state(struct db *db, const char *state)
{
	return (int)db_int(db, 0, "SELECT COUNT(*) FROM workspaces WHERE "
	    "state = ?", "s", state);
}

int
db_ws_count_active(struct db *db, const char *owner)
{
	return (int)db_int(db, 0, "SELECT COUNT(*) FROM workspaces WHERE "
	    "owner = ? AND (state IN ('creating','running') OR op IN "
	    "('start','restart','redeploy'))", "s", owner);
}

int
db_ws_name_taken(struct db *db, const char *owner, const char *name)
{
	return db_int(db, 0, "SELECT 1 FROM workspaces WHERE owner = ? AND "
	    "name = ?", "ss", owner, name) == 1;
}

int
db_ws_insert(struct db *db, const struct ws *w)
{
	char *specs = json_compact(w->spec);
	int r;

	r = db_run(db, "INSERT INTO workspaces (id, name, owner, template, "
	    "image, state, ssh_mode, gpu_request, spec, cpus, memory, "
	    "pids_limit, ttl, idle_timeout, created_at, last_activity_at, op, "
	    "acked) VALUES (?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, 'create', ?)", "ssssssssdiiiiii" "i", w->id, w->name,
	    w->owner, w->template, w->image, w->ssh_mode, w->gpu_request, specs,
	    w->cpus, w->memory, w->pids_limit, w->ttl, w->idle_timeout,
	    w->created_at, w->created_at, (int64_t)w->acked);
	free(specs);
	if (r == ERR_CONFLICT)
		r = err_set(ERR_CONFLICT, "you already have a workspace named "
		    "'%s'", w->name);
	return r;
}

int
db_ws_add_volume(struct db *db, const char *ws_id, const char *vol_id,
    const char *mount)
{
	return db_run(db, "INSERT INTO ws_volumes (workspace_id, volume_id, "
	    "mount) VALUES (?, ?, ?)", "sss", ws_id, vol_id, mount);
}

int
db_ws_set_container(struct db *db, const char *id, const char *cid)
{
	return db_run(db, "UPDATE workspaces SET container_id = ? WHERE "
	    "id = ?", "ss", cid, id);
}

int
db_ws_set_spec(struct db *db, const char *id, const json_t *spec)
{
	char *specs = json_compact(spec);
	int r;

	r = db_run(db, "UPDATE workspaces SET spec = ? WHERE id = ?", "ss",
	    specs, id);
	free(specs);
	return r;
}

int
db_ws_spec_str(struct db *db, const char *id, const char *key,
    const char *value)
{
	char path[80];

	snprintf(path, sizeof path, "$.%s", key);
	return db_run(db, "UPDATE workspaces SET spec = json_set(spec, ?, ?) "
	    "WHERE id = ?", "sss", path, value, id);
}

int
db_ws_set_ssh_port(struct db *db, const char *id, int port)
{
	return db_run(db, "UPDATE workspaces SET ssh_port = ? WHERE id = ?",
	    "is", (int64_t)port, id);
}

int
db_ws_touch(struct db *db, const char *id)
{
	return db_run(db, "UPDATE workspaces SET last_activity_at = ? WHERE "
	    "id = ?", "is", now_s(), id);
}

int
db_ws_activity(struct db *db, const char *id, const char *source, int64_t at)
{
	int r;

	if ((r = db_run(db, "UPDATE workspaces SET activity_source = CASE "
	    "WHEN ? >= last_activity_at THEN ? ELSE activity_source END, "
	    "last_activity_at = MAX(last_activity_at, ?) WHERE id = ?",
	    "isis", at, source, at, id)) != 0)
		return r;
	return db_run(db, "INSERT INTO ws_activity (workspace_id, source, "
	    "last_at) SELECT id, ?, ? FROM workspaces WHERE id = ? "
	    "ON CONFLICT (workspace_id, source) DO UPDATE SET last_at = "
	    "MAX(last_at, excluded.last_at)", "sis", source, at, id);
}

int
db_ws_activity_times(struct db *db, const char *id, json_t **out)
{
	sqlite3_stmt *st;

	*out = json_object();
	if ((st = db_prep(db, "SELECT source, last_at FROM ws_activity "
	    "WHERE workspace_id = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(*out, db_col_text(st, 0),
		    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	return 0;
}

int
db_ws_set_ttl(struct db *db, const char *id, int64_t ttl)
{
	return db_run(db, "UPDATE workspaces SET ttl = ?, expires_at = ? "
	    "WHERE id = ?", "iis", ttl, ttl ? now_s() + ttl : 0, id);
}

int
db_ws_set_idle(struct db *db, const char *id, int64_t idle)
{
	return db_run(db, "UPDATE workspaces SET idle_timeout = ? WHERE "
	    "id = ?", "is", idle, id);
}

int
db_ws_set_name(struct db *db, const char *id, const char *name)
{
	int r;

	r = db_run(db, "UPDATE workspaces SET name = ? WHERE id = ?", "ss",
	    name, id);
	if (r == ERR_CONFLICT)
		r = err_set(ERR_CONFLICT, "you already have a workspace named "
		    "'%s'", name);
	return r;
}

int
db_ws_remove(struct db *db, const char *id)
{
	int r;

	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = db_gpu_free(db, id)) != 0 ||
	    (r = db_run(db, "DELETE FROM direct_ports WHERE workspace_id = ?",
	    "s", id)) != 0 ||
	    (r = db_run(db, "DELETE FROM ws_activity WHERE workspace_id = ?",
	    "s", id)) != 0 ||
	    (r = db_run(db, "DELETE FROM workspaces WHERE id = ?", "s", id))
	    != 0) {
		db_rollback(db);
		return r;
	}
	return db_commit(db);
}

int
db_ws_expired(struct db *db, int64_t now, char ***idsp, char ***whyp,
    int64_t **duep, size_t *np)
{
	sqlite3_stmt *st;
	char **ids = NULL, **why = NULL;
	int64_t *due = NULL;
	size_t n = 0;

	*idsp = *whyp = NULL;
	*duep = NULL;
	*np = 0;
	/* Each with the moment it fell due: the earlier of the two. */
	if ((st = db_prep(db, "SELECT id, CASE WHEN expires_at > 0 AND "
	    "expires_at <= ? THEN 'ttl' ELSE 'idle' END, CASE WHEN "
	    "expires_at > 0 AND expires_at <= ? THEN expires_at ELSE "
	    "last_activity_at + idle_timeout END AS due FROM workspaces "
	    "WHERE state = 'running' AND ((expires_at > 0 AND expires_at <= ?) "
	    "OR (idle_timeout > 0 AND last_activity_at + idle_timeout <= ?)) "
	    "ORDER BY due")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "iiii", now, now, now, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		why = xreallocarray(why, n + 1, sizeof *why);
		due = xreallocarray(due, n + 1, sizeof *due);
		ids[n] = db_col_str(st, 0);
		why[n] = db_col_str(st, 1);
		due[n] = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	*idsp = ids;
	*whyp = why;
	*duep = due;
	*np = n;
	return 0;
}

int64_t
db_ws_next_due(struct db *db)
{
	return db_int(db, 0, "SELECT COALESCE(MIN(CASE WHEN expires_at > 0 "
	    "AND (idle_timeout = 0 OR expires_at < last_activity_at + "
	    "idle_timeout) THEN expires_at ELSE last_activity_at + "
	    "idle_timeout END), 0) FROM workspaces WHERE state = 'running' "
	    "AND (expires_at > 0 OR idle_timeout > 0)", "");
}

int
db_port_alloc(struct db *db, const char *ws_id, int lo, int hi,
    int (*is_free)(void *, int), void *arg, int *port)
{
	sqlite3_stmt *st;
	int p = lo, r;

	if ((st = db_prep(db, "SELECT port FROM direct_ports WHERE port "
	    "BETWEEN ? AND ? ORDER BY port")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ii", (int64_t)lo, (int64_t)hi);
	/* Walk the taken ports in order; the first gap that is also free
	 * on the host wins. */
	for (;;) {
		int taken = -1;
		if (sqlite3_step(st) == SQLITE_ROW)
			taken = sqlite3_column_int(st, 0);
		while (p <= hi && (taken < 0 || p < taken)) {
			if (is_free(arg, p))
				goto found;
			p++;
		}
		if (taken < 0 || p > hi)
			break;
		p = taken + 1;
	}
	sqlite3_finalize(st);
	return err_set(ERR_UNSAT, "no free direct SSH port in %d-%d", lo, hi);
found:
	sqlite3_finalize(st);
	if ((r = db_run(db, "INSERT INTO direct_ports (port, workspace_id) "
	    "VALUES (?, ?)", "is", (int64_t)p, ws_id)) != 0)
		return r;
	*port = p;
	return 0;
}

int
db_ws_intent(struct db *db, const char *id, int64_t version, const char *op,
    const char *state)
{
	int n = 0, r;

	if ((r = db_run_n(db, &n, "UPDATE workspaces SET op = ?, version = "
	    "version + 1, state = COALESCE(?, state) WHERE id = ? AND "
	    "version = ?", "sssi", op, state, id, version)) != 0)
		return r;
	if (n == 0)
		return err_set(ERR_CONFLICT, "workspace %s changed meanwhile; "
		    "try again", id);
	return 0;
}

int
db_ws_outcome(struct db *db, const char *id, const char *state,
    const char *error, int flags)
{
	int64_t now = now_s();

	if (flags & DB_WS_STARTED)
		return db_run(db, "UPDATE workspaces SET state = ?, error = ?, "
		    "op = '', version = version + 1, started_at = ?, "
		    "last_activity_at = ?, activity_source = '', "
		    "expires_at = CASE WHEN ttl > 0 AND "
		    "expires_at = 0 THEN ? + ttl ELSE expires_at END "
		    "WHERE id = ?", "ssiiis", state, error ? error : "", now,
		    now, now, id);
	if (flags & DB_WS_KEEP_ERROR)
		return db_run(db, "UPDATE workspaces SET state = ?, op = '', "
		    "version = version + 1, stopped_at = CASE WHEN ? THEN ? "
		    "ELSE stopped_at END WHERE id = ?", "siis", state,
		    (int64_t)((flags & DB_WS_STOPPED) != 0), now, id);
	return db_run(db, "UPDATE workspaces SET state = ?, error = ?, "
	    "op = '', version = version + 1, stopped_at = CASE WHEN ? THEN ? "
	    "ELSE stopped_at END WHERE id = ?", "ssiis", state,
	    error ? error : "", (int64_t)((flags & DB_WS_STOPPED) != 0), now,
	    id);
}

int
db_ws_active_check(struct db *db, const char *owner, int max)
{
	if (db_ws_count_active(db, owner) >= max)
		return err_set(ERR_QUOTA, "quota reached: at most %d running "
		    "workspaces (stop or delete one first)", max);
	return 0;
}

/* Inside the create's transaction: finds or adds each volume of mounts
 * (adding takes n's id and backend name for it, within the volume
 * quota), filling volume_id and backend into the mount. */
static int
create_volumes(struct db *db, const struct db_ws_new *n, int quota_gib)
{
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(n->rec->spec, "volumes"), i, m) {
		const char *name = json_string_value(json_object_get(m,
		    "name"));
		char *id = NULL, *backend = NULL;
		int r;

		if ((r = db_vol_by_name(db, n->rec->owner, name, &id,
		    &backend)) != 0 && r != ERR_NOTFOUND)
			return r;
		if (id == NULL) {
			int64_t used = 0, ignored = 0;
			if (i >= n->nvol_new)
				return err_set(ERR_INTERNAL, "no id for a new "
				    "volume");
			db_vol_usage(db, n->rec->owner, NULL, &used, &ignored);
			if (used + n->volume_gib > quota_gib)
				return err_set(ERR_QUOTA, "volume quota "
				    "exceeded: %lld of %d GiB used, a new "
				    "volume takes %d", (long long)used,
				    quota_gib, n->volume_gib);
			id = xstrdup(n->vol_new_ids[i]);
			backend = xstrdup(n->vol_new_backends[i]);
			if ((r = db_vol_add(db, id, n->rec->owner, name,
			    backend, n->volume_gib)) != 0) {
				free(id);
				free(backend);
				return r;
			}
		}
		json_object_set_new(m, "volume_id", json_string(id));
		json_object_set_new(m, "backend", json_string(backend));
		free(id);
		free(backend);
	}
	return 0;
}

/* Inside the create's transaction, where the engine places GPUs: the
 * units the owner's other running and creating workspaces asked for
 * (this one, already inserted, is the request), and this request's,
 * within max. */
static int
create_gpu_requests(struct db *db, const struct db_ws_new *n, int max)
{
	sqlite3_stmt *st;
	int have = 0, want = 0, u, r;

	if ((r = n->gpu_units(n->rec->gpu_request, &want)) != 0)
		return r;
	if ((st = db_prep(db, "SELECT gpu_request FROM workspaces WHERE "
	    "owner = ? AND id <> ? AND state IN ('running', 'creating')")) ==
	    NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", n->rec->owner, n->rec->id);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (n->gpu_units(db_col_text(st, 0), &u) == 0)
			have += u;
	sqlite3_finalize(st);
	if (max >= 0 && have + want > max)
		return err_set(ERR_QUOTA, "GPU quota: %d held, %d asked, %d "
		    "allowed", have, want, max);
	return 0;
}

int
db_ws_create(struct db *db, const struct db_ws_new *n, struct ws **out,
    json_t **gpus)
{
	const struct ws *w = n->rec;
	int q_ws = n->quota_ws, q_gpu = n->quota_gpus, q_gib = n->quota_gib;
	struct err_saved msg;
	json_t *m, *alloc = NULL;
	size_t i;
	int r, port;

	*out = NULL;
	*gpus = NULL;
	if ((r = db_begin(db)) != 0)
		return r;
	db_user_quotas(db, w->owner, &q_ws, &q_gpu, &q_gib);
	if ((r = db_ws_active_check(db, w->owner, q_ws)) != 0)
		goto out;
	if (db_ws_name_taken(db, w->owner, w->name)) {
		r = err_set(ERR_CONFLICT, "you already have a workspace named "
		    "'%s'", w->name);
		goto out;
	}
	if ((r = create_volumes(db, n, q_gib)) != 0 ||
	    (r = db_ws_insert(db, w)) != 0)
		goto out;
	json_array_foreach(json_object_get(w->spec, "volumes"), i, m)
		if ((r = db_ws_add_volume(db, w->id,
		    json_string_value(json_object_get(m, "volume_id")),
		    json_string_value(json_object_get(m, "mount")))) != 0)
			goto out;
	if (*w->gpu_request != '\0' && n->gpu_units != NULL)
		r = create_gpu_requests(db, n, q_gpu);
	else if (*w->gpu_request != '\0')
		r = db_gpu_alloc(db, w->id, w->owner, w->gpu_request, q_gpu,
		    NULL, &alloc);
	if (r != 0)
		goto out;
	if (n->port_free != NULL &&
	    ((r = db_port_alloc(db, w->id, n->port_lo, n->port_hi,
	    n->port_free, n->port_arg, &port)) != 0 ||
	    (r = db_ws_set_ssh_port(db, w->id, port)) != 0))
		goto out;
	if ((r = db_ws_get(db, w->id, out)) != 0 ||
	    (r = db_gpu_allocated(db, w->id, gpus)) != 0)
		goto out;
	db_event(db, w->owner, "workspace.create", w->id, "ok", w->image);
	r = db_commit(db);
out:
	json_decref(alloc);
	if (r != 0) {
		err_save(&msg);
		db_rollback(db);
		ws_free(*out);
		*out = NULL;
		json_decref(*gpus);
		*gpus = NULL;
		r = err_restore(r, &msg);
	}
	return r;
}

int
db_ws_settle(struct db *db, struct ws **wp, const struct db_ws_out *o)
{
	struct ws *w = *wp, *again = NULL;
	struct err_saved msg;
	int r;

	if ((r = db_begin(db)) != 0)
		return r;
	if ((o->container_id == NULL ||
	    (r = db_ws_set_container(db, w->id, o->container_id)) == 0) &&
	    (r = db_ws_outcome(db, w->id, o->state, o->error, o->flags)) == 0) {
		if (o->action != NULL)
			db_event(db, o->actor, o->action, w->id, o->result,
			    o->detail);
		if ((r = db_ws_get(db, w->id, &again)) == 0)
			r = db_commit(db);
	}
	if (r != 0) {
		err_save(&msg);
		db_rollback(db);
		ws_free(again);
		return err_restore(r, &msg);
	}
	ws_free(w);
	*wp = again;
	return 0;
}
