/* life-reconcile.c: the lifecycle thread: makes the store and the engine
 * agree (each record through the state machine's ws_mend, under its
 * lock), and stops workspaces whose TTL ran out or that sat idle. Runs on
 * the lifecycle thread (and once on the main thread at start). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "gpu-nvml.h"
#include "life.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"


#define HELPER_STALE_S		120	/* a helper runs 30 s at most */
#define HELPER_ENDED_S		10	/* its maker removes it by then */

static void
id_collect(void *arg, const struct ws *w)
{
	struct ids {
		char	**v;
		size_t	  n;
	} *ids = arg;

	ids->v = xreallocarray(ids->v, ids->n + 1, sizeof *ids->v);
	ids->v[ids->n++] = xstrdup(w->id);
}

int
life_reconcile(struct app *app, struct db *db, int at_start)
{
	struct db_ws_filter all = { 1, NULL, NULL, NULL };
	struct rt_container *cs = NULL;
	struct {
		char	**v;
		size_t	  n;
	} ids = { NULL, 0 };
	size_t nc = 0;
	int r;

	/* At start only the records are mended, before berthd listens:
	 * removing orphan containers is slow and waits for the first
	 * regular pass, which the lifecycle thread runs at once. */
	if (!at_start && (r = rt_list(app->rt, &cs, &nc)) != 0) {
		log_warn("reconcile skipped: %s", err_msg());
		return r;
	}
	/* Containers with no record (or not the record's container); each
	 * is judged under its workspace's lock, against the record then. */
	for (size_t i = 0; i < nc; i++) {
		if (strcmp(cs[i].instance, app->instance) != 0)
			continue;	/* another berthd's */
		/* A helper berth made (a volume's chown) that its maker
		 * did not remove: ended a while ago, or past any use. */
		if (cs[i].helper) {
			int64_t age = now_s() - cs[i].created;
			if (age < HELPER_STALE_S && (age < HELPER_ENDED_S ||
			    strcmp(cs[i].status, "exited") != 0))
				continue;
			log_info("removing leftover helper container %.12s "
			    "(%s, %llds old)", cs[i].id, cs[i].status,
			    (long long)age);
			rt_remove(app->rt, cs[i].id, 1);
			continue;
		}
		ws_mend_container(app, db, cs[i].id, cs[i].workspace_id);
	}
	if ((r = db_ws_each(db, &all, id_collect, &ids)) != 0)
		goto out;
	for (size_t j = 0; j < ids.n; j++)
		ws_mend(app, db, ids.v[j], at_start);
	r = 0;
out:
	for (size_t j = 0; j < ids.n; j++)
		free(ids.v[j]);
	free(ids.v);
	free(cs);
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

	if (db_gpu_allocated(db, id, &allocs) != 0)
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
	char **ids = NULL, **why = NULL;
	size_t n = 0;

	if (db_ws_expired(db, now_s(), &ids, &why, &n) != 0)
		return;
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
	int first = 1;

	pthread_mutex_lock(&life_lock);
	while (life_running) {
		struct timespec ts;
		struct db *db;
		int64_t wait = next_reconcile - mono_ms();

		/* At most 5 s (TTL and idle), less when a reconcile is due. */
		wait = wait < 0 ? 0 : wait > 5000 ? 5000 : wait;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&life_cond, &life_lock, &ts);
		if (!life_running)
			break;
		pthread_mutex_unlock(&life_lock);
		if ((db = db_thread()) != NULL) {
			if (first) {
				/* Creates answered, then interrupted. */
				ws_resume_creates(app, db);
				first = 0;
			}
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
