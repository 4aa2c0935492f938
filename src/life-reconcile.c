/* life-reconcile.c: makes the store and the engine agree, and stops
 * workspaces whose TTL ran out or that sat idle. Runs on the lifecycle
 * thread (and once on the main thread at start). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "gpu-alloc.h"
#include "gpu-host.h"
#include "gpu-nvml.h"
#include "life.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"


/* A record left in 'creating' this long is stale even while running. */
#define CREATING_STALE_S	600

struct rec {
	char	*id, *state, *container_id;
	int64_t	 created_at;
};

static void
recs_free(struct rec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].state);
		free(v[i].container_id);
	}
	free(v);
}

static int
recs_load(struct db *db, struct rec **out, size_t *np)
{
	sqlite3_stmt *st;
	struct rec *v = NULL;
	size_t n = 0;

	if ((st = db_prep(db, "SELECT id, state, container_id, created_at FROM "
	    "workspaces")) == NULL)
		return ERR_INTERNAL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = db_col_str(st, 0);
		v[n].state = db_col_str(st, 1);
		v[n].container_id = db_col_str(st, 2);
		v[n].created_at = db_col_int(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	*out = v;
	*np = n;
	return 0;
}

/* Removes a record and what it holds (GPU, direct port). */
static void
rec_drop(struct db *db, const char *id, const char *why)
{
	db_event(db, "berthd", "workspace.delete", id, "ok", why);
	if (db_begin(db) != 0)
		return;
	gpu_free(db_sqlite(db), id);
	db_run(db, "DELETE FROM direct_ports WHERE workspace_id = ?", "s", id);
	db_run(db, "DELETE FROM workspaces WHERE id = ?", "s", id);
	db_commit(db);
}

int
life_reconcile(struct app *app, struct db *db, int at_start)
{
	struct rt_container *cs = NULL;
	struct rec *recs = NULL;
	size_t nc = 0, nr = 0;
	int64_t now = now_s();
	int r;

	/* At start only the records are mended, before berthd listens:
	 * removing orphan containers is slow and waits for the first
	 * regular pass, which the lifecycle thread runs at once. */
	if (!at_start && (r = rt_list(app->rt, &cs, &nc)) != 0) {
		log_warn("reconcile skipped: %s", err_msg());
		return r;
	}
	if ((r = recs_load(db, &recs, &nr)) != 0)
		goto out;

	/* Containers with no record (or not the record's container). */
	for (size_t i = 0; i < nc; i++) {
		struct rec *owner = NULL;
		if (strcmp(cs[i].instance, app->instance) != 0)
			continue;	/* another berthd's */
		for (size_t j = 0; j < nr; j++)
			if (strcmp(recs[j].id, cs[i].workspace_id) == 0)
				owner = &recs[j];
		if (owner != NULL && strcmp(owner->state, "creating") == 0)
			continue;	/* being made right now */
		if (owner != NULL && strncmp(owner->container_id, cs[i].id,
		    strlen(owner->container_id)) == 0 &&
		    *owner->container_id != '\0' &&
		    strcmp(owner->state, "creating") != 0)
			continue;
		log_info("removing orphan container %.12s (workspace %s)",
		    cs[i].id, cs[i].workspace_id);
		rt_remove(app->rt, cs[i].id, 1);
	}

	for (size_t j = 0; j < nr; j++) {
		struct rec *w = &recs[j];
		struct rt_state rs;

		if (strcmp(w->state, "creating") == 0) {
			if (at_start || now - w->created_at > CREATING_STALE_S) {
				log_info("rolling back interrupted create of %s",
				    w->id);
				rec_drop(db, w->id, "create interrupted by a "
				    "berthd restart");
			}
			continue;
		}
		if (strcmp(w->state, "deleting") == 0) {
			if (*w->container_id)
				rt_remove(app->rt, w->container_id, 1);
			rec_drop(db, w->id, "delete finished after restart");
			continue;
		}
		if (*w->container_id == '\0') {
			if (strcmp(w->state, "running") == 0) {
				db_run(db, "UPDATE workspaces SET state = "
				    "'failed', error = ? WHERE id = ?", "ss",
				    "container missing", w->id);
				gpu_free(db_sqlite(db), w->id);
			}
			continue;
		}
		r = rt_inspect(app->rt, w->container_id, &rs);
		if (r == ERR_NOTFOUND) {
			if (strcmp(w->state, "failed") == 0)
				continue;
			log_warn("workspace %s: container %.12s vanished",
			    w->id, w->container_id);
			db_run(db, "UPDATE workspaces SET state = 'failed', "
			    "error = ? WHERE id = ?", "ss", "the container "
			    "was removed outside berth; redeploy to recreate "
			    "it (volumes are kept)", w->id);
			gpu_free(db_sqlite(db), w->id);
			db_event(db, "berthd", "workspace.fail", w->id, "error",
			    "container vanished");
			continue;
		}
		if (r != 0)
			continue;
		if (strcmp(w->state, "running") == 0 && !rs.running) {
			char msg[300];
			snprintf(msg, sizeof msg, "the container exited (code "
			    "%d%s)", rs.exit_code, rs.oom_killed ?
			    ", out of memory" : "");
			db_run(db, "UPDATE workspaces SET state = 'stopped', "
			    "error = ?, stopped_at = ? WHERE id = ?", "sis", msg,
			    now, w->id);
			gpu_free(db_sqlite(db), w->id);
			db_event(db, "berthd", "workspace.stop", w->id, "ok",
			    msg);
		} else if (strcmp(w->state, "running") != 0 && rs.running) {
			/* Started outside berth: stop it, the record rules
			 * (its GPU was given back). */
			rt_stop(app->rt, w->container_id, 10);
		}
	}
	r = 0;
out:
	free(cs);
	recs_free(recs, nr);
	return r;
}

/* 1 when a GPU the workspace holds is busier than the idle threshold
 * (NVML utilization; devices without the figure, such as MIG instances,
 * count as busy when their memory is in use). */
static int
gpu_busy(struct app *app, struct db *db, const char *id)
{
	json_t *allocs = NULL, *d;
	size_t i;
	int busy = 0;

	if (gpu_allocated(db_sqlite(db), id, &allocs) != 0)
		return 0;
	json_array_foreach(allocs, i, d) {
		struct gpu_stats st;
		if (gpu_nvml_stats(gpu_host_nvml(), json_string_value(
		    json_object_get(d, "uuid")), &st) != 0)
			continue;
		if (st.utilization_pct >= app->cfg.idle_gpu_util ||
		    (st.utilization_pct < 0 && st.memory_used_mb > 0))
			busy = 1;
	}
	json_decref(allocs);
	return busy;
}

void
life_expire(struct app *app, struct db *db)
{
	sqlite3_stmt *st;
	int64_t now = now_s();
	char **ids = NULL, **why = NULL;
	size_t n = 0;

	if ((st = db_prep(db, "SELECT id, CASE WHEN expires_at > 0 AND "
	    "expires_at <= ? THEN 'ttl' ELSE 'idle' END FROM workspaces WHERE "
	    "state = 'running' AND ((expires_at > 0 AND expires_at <= ?) OR "
	    "(idle_timeout > 0 AND last_activity_at + idle_timeout <= ?))"))
	    == NULL)
		return;
	db_bind(st, "iii", now, now, now);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		why = xreallocarray(why, n + 1, sizeof *why);
		ids[n] = db_col_str(st, 0);
		why[n] = db_col_str(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		int del = strcmp(why[i], "ttl") == 0 &&
		    strcmp(app->cfg.ttl_action, "delete") == 0;
		if (strcmp(why[i], "idle") == 0 && gpu_busy(app, db, ids[i])) {
			/* Training with nobody connected is not idle. */
			ws_touch(db, ids[i]);
			goto next;
		}
		log_info("workspace %s: %s, %s", ids[i], strcmp(why[i], "ttl")
		    == 0 ? "TTL expired" : "idle", del ? "deleting" :
		    "stopping");
		if (del)
			ws_delete(app, db, ids[i], "berthd");
		else
			ws_action(app, db, ids[i], "stop", "berthd", why[i]);
next:
		free(ids[i]);
		free(why[i]);
	}
	free(ids);
	free(why);
}

static pthread_t life_thread;
static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t life_cond = PTHREAD_COND_INITIALIZER;
static int life_running;

static void *
life_main(void *arg)
{
	struct app *app = arg;
	int64_t next_reconcile = mono_ms();	/* a full pass at once */

	pthread_mutex_lock(&life_lock);
	while (life_running) {
		struct timespec ts;
		struct db *db;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += next_reconcile <= mono_ms() ? 0 : 5;
		pthread_cond_timedwait(&life_cond, &life_lock, &ts);
		if (!life_running)
			break;
		pthread_mutex_unlock(&life_lock);
		if ((db = db_thread()) != NULL) {
			life_expire(app, db);
			if (mono_ms() >= next_reconcile) {
				life_reconcile(app, db, 0);
				next_reconcile = mono_ms() +
				    app->cfg.reconcile_interval * 1000;
			}
		}
		pthread_mutex_lock(&life_lock);
	}
	pthread_mutex_unlock(&life_lock);
	return NULL;
}

int
life_start(struct app *app)
{
	life_running = 1;
	if (pthread_create(&life_thread, NULL, life_main, app) != 0)
		return err_set(ERR_INTERNAL, "cannot start lifecycle thread");
	return 0;
}

void
life_stop(void)
{
	pthread_mutex_lock(&life_lock);
	if (!life_running) {
		pthread_mutex_unlock(&life_lock);
		return;
	}
	life_running = 0;
	pthread_cond_signal(&life_cond);
	pthread_mutex_unlock(&life_lock);
	pthread_join(life_thread, NULL);
}
