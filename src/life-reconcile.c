/* life-reconcile.c: the lifecycle thread: makes the store and the engine
 * agree (each record through the state machine's ws_mend, under its
 * lock), and wakes when a workspace falls due for life-expire.c's TTL and
 * idle stops. Runs on the lifecycle thread (and once on the main thread
 * at start). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "db.h"
#include "err.h"
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

/* Wall clock in ms (due times are wall-clock epochs). */
static int64_t
now_ms_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
	int64_t next_due = 0;		/* wall ms; 0 = none known */
	int first = 1;

	pthread_mutex_lock(&life_lock);
	while (life_running) {
		struct timespec ts;
		struct db *db;
		int64_t wait = next_reconcile - mono_ms();

		/* At most 5 s (TTL and idle, activity written), less when a
		 * reconcile or a workspace is due. */
		wait = wait < 0 ? 0 : wait > 5000 ? 5000 : wait;
		if (next_due > 0 && next_due - now_ms_rt() < wait)
			wait = next_due - now_ms_rt() < 0 ? 0 :
			    next_due - now_ms_rt();
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
			/* Wake when the next one falls due (a second's
			 * resolution in the store: just after it). */
			next_due = db_ws_next_due(db);
			next_due = next_due > 0 ? next_due * 1000 + 20 : 0;
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
