/* life-expire.c: the lifecycle thread's TTL and idle pass: writes the
 * activity noted in memory (activity.h), then stops (or, for a TTL with
 * ttl_action=delete, deletes) every running workspace that fell due,
 * earliest first, up to lifecycle_workers at once (each through the state
 * machine, ws_action, under its own lock). An idle stop's event says
 * which signals were quiet and since when. Before an idle stop the
 * workspace's supervisor is asked what it sees (activity-sup.h): what it
 * reports in use is noted as activity instead. Each stop is logged and
 * measured (berth_lifecycle_lateness_seconds) by how late it came after
 * the moment it fell due. Lifecycle thread and its short-lived workers. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity-sup.h"
#include "activity.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "gpu-nvml.h"
#include "life.h"
#include "log.h"
#include "metrics.h"
#include "sup-aframe.h"
#include "sup-host.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define MAX_WORKERS	64

/* One workspace that fell due. */
struct due {
	char	*id;
	char	*why;		/* "ttl" | "idle" */
	int64_t	 at;		/* when it fell due, epoch s */
	int	 gpu_util;	/* busiest GPU's utilization, -1: none */
	char	 detail[1024];	/* the event's reason */
};

struct pass {
	struct app	*app;
	struct due	*v;
	size_t		 n;
	atomic_size_t	 next;
};

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The GPU utilization of a workspace's busiest device (-1: no figure)
 * and whether any is busier than the idle threshold (NVML; devices
 * without the figure, such as MIG instances, count as busy when their
 * memory is in use). */
static int
gpu_busy(struct app *app, struct db *db, const char *id, int *util)
{
	json_t *allocs = NULL, *d;
	size_t i;
	int busy = 0;

	*util = -1;
	if (db_gpu_allocated(db, id, &allocs) != 0)
		return 0;
	json_array_foreach(allocs, i, d) {
		struct gpu_stats st;
		if (gpu_nvml_stats(gpu_host_nvml(), json_string_value(
		    json_object_get(d, "uuid")), &st) != 0)
			continue;
		if (st.utilization_pct > *util)
			*util = st.utilization_pct;
		if (st.utilization_pct >= app->cfg.idle_gpu_util ||
		    (st.utilization_pct < 0 && st.memory_used_mb > 0))
			busy = 1;
	}
	json_decref(allocs);
	return busy;
}

/* Asks the workspace's supervisor before an idle stop: 1 when what it
 * reports is in use within the idle timeout (noted as activity: no stop
 * now), else 0 with the report, or why there is none, in sup. */
static int
sup_busy(const struct ws *w, char *sup, size_t size)
{
	struct sup_act a;
	const char *src;
	char *dir = sup_host_dir(w->id), ts[40];
	int64_t at, now = now_s();
	int rc;

	rc = actsup_ask(dir, &a);
	free(dir);
	if (rc != 0) {
		snprintf(sup, size, "none (%s)", err_msg());
		return 0;
	}
	if ((src = actsup_verdict(&a, now, w->idle_timeout, &at)) != NULL) {
		ws_activity_at(w->id, src, at);
		rfc3339(at, ts, sizeof ts);
		log_info("workspace %s: not idle: its supervisor reports %s "
		    "at %s", w->id, src, ts);
		return 1;
	}
	actsup_describe(&a, sup, size);
	return 0;
}

/* "idle: quiet since T (timeout N s): ssh last T, terminal never, ...,
 * gpu util 0% < 10%, ..., supervisor: process 0, ..." into d->detail. */
static void
idle_detail(struct app *app, struct db *db, struct due *d,
    const struct ws *w, const char *sup)
{
	json_t *times = NULL;
	char ts[40];
	size_t n;
	int gpu_util = d->gpu_util;

	n = (size_t)snprintf(d->detail, sizeof d->detail, "idle");
	rfc3339(w->last_activity_at, ts, sizeof ts);
	n += (size_t)snprintf(d->detail + n, sizeof d->detail - n,
	    " quiet_since=%s timeout=%llds quiet:", ts,
	    (long long)w->idle_timeout);
	db_ws_activity_times(db, d->id, &times);
	for (int s = 0; s < ACT_NSOURCES && n < sizeof d->detail; s++) {
		const char *name = activity_source_name(s);
		json_t *t = json_object_get(times, name);
		if (t != NULL)
			rfc3339(json_integer_value(t), ts, sizeof ts);
		if (s == ACT_GPU && gpu_util >= 0)
			n += (size_t)snprintf(d->detail + n,
			    sizeof d->detail - n, " gpu util %d%% < %d%%",
			    gpu_util, app->cfg.idle_gpu_util);
		else if (s == ACT_GPU)
			n += (size_t)snprintf(d->detail + n,
			    sizeof d->detail - n, " gpu none");
		else
			n += (size_t)snprintf(d->detail + n,
			    sizeof d->detail - n, " %s %s%s%s", name,
			    t ? "last " : "never", t ? ts : "",
			    s == ACT_SSH || s == ACT_TERMINAL ? " (none open)" :
			    s == ACT_TASK || s == ACT_EXEC ? " (none running)" :
			    "");
		if (s + 1 < ACT_NSOURCES && n < sizeof d->detail)
			n += (size_t)snprintf(d->detail + n,
			    sizeof d->detail - n, ",");
	}
	if (n < sizeof d->detail)
		(void)snprintf(d->detail + n, sizeof d->detail - n,
		    "; supervisor: %s", sup);
	json_decref(times);
}

static void
stop_one(struct app *app, struct db *db, struct due *d)
{
	int del = strcmp(d->why, "ttl") == 0 &&
	    strcmp(app->cfg.ttl_action, "delete") == 0;
	struct ws *w = NULL;
	char sup[512];
	int64_t late;
	int r;

	if (strcmp(d->why, "idle") == 0) {
		if (ws_get(db, d->id, &w) != 0)
			return;		/* gone meanwhile */
		if (sup_busy(w, sup, sizeof sup)) {
			ws_free(w);
			return;
		}
		idle_detail(app, db, d, w, sup);
		ws_free(w);
	}
	if (del) {
		activity_forget(d->id);
		r = ws_delete(app, db, d->id, "berthd");
	} else
		r = ws_action(app, db, d->id, "stop", "berthd", d->detail);
	late = wall_ms() - d->at * 1000;
	if (late < 0)
		late = 0;
	metrics_observe("berth_lifecycle_lateness_seconds", "TTL and idle "
	    "stops: from falling due to done", (double)late / 1000);
	log_info("workspace %s: %s, %s%s lateness_ms=%lld", d->id,
	    strcmp(d->why, "ttl") == 0 ? "TTL expired" : "idle",
	    del ? "deleted" : "stopped", r ? " (failed)" : "",
	    (long long)late);
}

static void *
worker(void *arg)
{
	struct pass *p = arg;
	struct db *db = db_thread();
	size_t i;

	if (db == NULL)
		return NULL;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		stop_one(p->app, db, &p->v[i]);
	return NULL;
}

void
life_expire(struct app *app, struct db *db)
{
	char **ids = NULL, **why = NULL;
	int64_t *at = NULL;
	struct pass p;
	pthread_t thr[MAX_WORKERS];
	size_t n = 0, nw = 0, k = 0;
	int workers = app->cfg.lifecycle_workers;

	activity_flush(db);
	if (db_ws_expired(db, now_s(), &ids, &why, &at, &n) != 0)
		return;
	memset(&p, 0, sizeof p);
	p.app = app;
	p.v = xcalloc(n ? n : 1, sizeof *p.v);
	for (size_t i = 0; i < n; i++) {
		struct due *d = &p.v[k];
		int util = -1;
		if (strcmp(why[i], "idle") == 0 &&
		    gpu_busy(app, db, ids[i], &util)) {
			/* Training with nobody connected is not idle. */
			ws_activity(ids[i], "gpu");
			free(ids[i]);
			free(why[i]);
			continue;
		}
		d->id = ids[i];
		d->why = why[i];
		d->at = at[i];
		d->gpu_util = util;
		/* An idle one's reason comes after asking its supervisor. */
		snprintf(d->detail, sizeof d->detail, "%s", why[i]);
		k++;
	}
	p.n = k;
	atomic_init(&p.next, 0);
	if (workers < 1)
		workers = 1;
	if (workers > MAX_WORKERS)
		workers = MAX_WORKERS;
	/* One at a time on this thread, or a few workers at once. */
	if (workers == 1 || k <= 1)
		worker(&p);
	else
		for (; nw < (size_t)workers && nw < k; nw++)
			if (pthread_create(&thr[nw], NULL, worker, &p) != 0)
				break;
	for (size_t i = 0; i < nw; i++)
		pthread_join(thr[i], NULL);
	if (nw == 0 && workers > 1 && k > 1)
		worker(&p);
	for (size_t i = 0; i < k; i++) {
		free(p.v[i].id);
		free(p.v[i].why);
	}
	free(p.v);
	free(ids);
	free(why);
	free(at);
}
