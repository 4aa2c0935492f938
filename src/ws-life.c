/* ws-life.c: the workspace state machine. The legal transitions are the
 * table below, one function each, and every caller (the API, the SSH
 * gateway, the lifecycle loop, reconcile) goes through it: under the
 * workspace's lock the record is read again, the intent (op) recorded
 * with a compare-and-set on its version before the engine is touched, the
 * outcome after, and each transition leaves an event. Reconcile takes the
 * lock only when it is free, so it never undoes or doubles an operation
 * in flight. Any thread, each with its own store connection. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "json-util.h"
#include "log.h"
#include "rt.h"
#include "sup-host.h"
#include "timeutil.h"
#include "ws.h"
#include "ssh-direct.h"
#include "ws-int.h"
#include "xmalloc.h"

/* A record left in 'creating' this long is stale even while running. */
#define CREATING_STALE_S	600

/* Quotas of a user (falling back to the config's defaults). */
void
user_quotas(struct app *app, struct db *db, const char *user, int *ws,
    int *gpus, int *gib)
{
	*ws = app->cfg.quota_workspaces;
	*gpus = app->cfg.quota_gpus;
	*gib = app->cfg.quota_volume_gib;
	db_user_quotas(db, user, ws, gpus, gib);
}

/* Inside the transaction: ERR_QUOTA when owner already has max workspaces
 * creating or running (or being started). */
int
running_quota_check(struct db *db, const char *owner, int max)
{
	return db_ws_active_check(db, owner, max);
}

/* ---- the store half of a transition ---- */

/* Records the intent to run op (and a state, when not NULL). */
static int
tr_intent(struct db *db, struct ws *w, const char *op, const char *state)
{
	int r;

	if ((r = db_ws_intent(db, w->id, w->version, op, state)) != 0)
		return r;
	w->version++;
	free(w->op);
	w->op = xstrdup(op);
	return 0;
}

/* Records the outcome: the state (the error, unless DB_WS_KEEP_ERROR),
 * the operation no longer in flight. */
static void
tr_outcome(struct db *db, struct ws *w, const char *state, const char *error,
    int flags)
{
	char *st = xstrdup(state);

	if (db_ws_outcome(db, w->id, st, error, flags) != 0)
		log_error("workspace %s: could not record %s: %s", w->id, st,
		    err_msg());
	w->version++;
	free(w->op);
	w->op = xstrdup("");
	free(w->state);
	w->state = st;
}

/* What a workspace the record says is running waits for, in the error
 * field ("pending: no suitable node…", "unavailable: node … is down"),
 * when a scheduling backend (a cluster) has no place for it now; NULL
 * when it runs. */
static const char *
waiting_for(struct app *app, struct ws *w, char *msg, size_t size)
{
	struct rt_state rs;

	if (!(rt_caps(app->rt) & RT_CAP_PLACES) ||
	    *w->container_id == '\0' ||
	    rt_inspect(app->rt, w->container_id, &rs) != 0 ||
	    (strcmp(rs.status, "pending") != 0 &&
	    strcmp(rs.status, "unavailable") != 0))
		return NULL;
	snprintf(msg, size, "%s: %s", rs.status, rs.error);
	return msg;
}

/* Records a start that the engine made: once the workspace's supervisor
 * answers (or 2 s passed), the record says running (with what it waits
 * for, when the engine has yet to place it). */
static void
tr_running(struct app *app, struct db *db, struct ws *w)
{
	char msg[300];
	const char *wait = waiting_for(app, w, msg, sizeof msg);

	if (wait == NULL)
		(void)sup_host_wait(w->id, 2000);
	tr_outcome(db, w, "running", wait, DB_WS_STARTED);
}

/* The engine failed the transition with r: the GPU goes back, and the
 * record says why ("failed"), except during an engine outage, when
 * nothing happened and a record that was not running keeps its state
 * (503). Returns r with the message kept. */
static int
tr_failed(struct app *app, struct db *db, struct ws *w, int r)
{
	struct err_saved msg;

	err_save(&msg);
	db_gpu_free(db, w->id);
	if (r == ERR_BACKEND && strcmp(w->state, "running") != 0 &&
	    strcmp(w->state, "creating") != 0 && rt_ping(app->rt) != 0) {
		tr_outcome(db, w, w->state, NULL, DB_WS_KEEP_ERROR);
		return err_restore(ERR_BACKEND, &msg);
	}
	tr_outcome(db, w, "failed", msg.msg, 0);
	return err_restore(r, &msg);
}

/* Remembers the GPUs held, for re-acquiring the same ones on start. */
static void
ws_remember_gpus(struct db *db, struct ws *w)
{
	json_t *gpus = NULL;
	char *list;

	if (db_gpu_allocated(db, w->id, &gpus) != 0)
		return;
	list = gpu_uuids_csv(gpus);
	json_decref(gpus);
	if (*list != '\0') {
		json_object_set_new(w->spec, "last_gpus", json_string(list));
		db_ws_set_spec(db, w->id, w->spec);
	}
	free(list);
}

/* ---- transitions ---- */

static int
tr_start_as(struct app *app, struct db *db, struct ws *w, const char *actor,
    const char *op)
{
	struct rt_state rs;
	json_t *gpus = NULL;
	struct err_saved msg;
	char *prefer = NULL;
	int r, q_ws, q_gpu, q_gib, same_gpus = 0;

	/* The quota slot, the GPU and the intent in one transaction; the
	 * state stays as it is until the engine has started it. */
	if ((r = db_begin(db)) != 0)
		return r;
	user_quotas(app, db, w->owner, &q_ws, &q_gpu, &q_gib);
	if ((r = running_quota_check(db, w->owner, q_ws)) != 0)
		goto fail;
	if (*w->gpu_request != '\0') {
		/* The same device when free: remembered in the spec. */
		json_t *last = json_object_get(w->spec, "last_gpus");
		char *got;
		if (json_is_string(last))
			prefer = xstrdup(json_string_value(last));
		db_gpu_free(db, w->id);
		if ((r = db_gpu_alloc(db, w->id, w->owner, w->gpu_request,
		    q_gpu, prefer, &gpus)) != 0)
			goto fail;
		got = gpu_uuids_csv(gpus);
		same_gpus = prefer != NULL && strcmp(got, prefer) == 0;
		free(got);
	}
	if ((r = tr_intent(db, w, op, NULL)) != 0 ||
	    (r = db_commit(db)) != 0)
		goto fail;
	free(prefer);
	json_decref(gpus);
	/* The container may still be there (stopped) or gone. */
	if (*w->container_id != '\0' &&
	    rt_inspect(app->rt, w->container_id, &rs) == 0) {
		if (*w->gpu_request != '\0' && !same_gpus) {
			/* Another device: the container names the old
			 * one in its environment, so it is made anew
			 * (volumes stay). */
			rt_remove(app->rt, w->container_id, 1);
			r = ws_provision(app, db, w, NULL, 1);
		} else if (strcmp(w->ssh_mode, "direct") != 0 ||
		    (r = direct_keys_push(app, db, w->owner,
		    json_string_value(json_object_get(w->spec, "extra_keys")),
		    w->container_id)) == 0)
			r = rt_start(app->rt, w->container_id);
	} else
		r = ws_provision(app, db, w, NULL, 1);
	if (r != 0)
		return tr_failed(app, db, w, r);
	tr_running(app, db, w);
	return 0;
fail:
	err_save(&msg);
	db_rollback(db);
	free(prefer);
	json_decref(gpus);
	return err_restore(r, &msg);
}

static int
tr_start(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	return tr_start_as(app, db, w, actor, "start");
}

static int
tr_stop(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	struct err_saved msg;
	int r;

	if ((r = tr_intent(db, w, "stop", NULL)) != 0)
		return r;
	if (*w->container_id != '\0' &&
	    (r = rt_stop(app->rt, w->container_id, 10)) != 0 &&
	    r != ERR_NOTFOUND) {
		err_save(&msg);
		tr_outcome(db, w, w->state, NULL, DB_WS_KEEP_ERROR);
		return err_restore(r, &msg);
	}
	if ((r = db_begin(db)) != 0)
		return r;
	ws_remember_gpus(db, w);
	db_gpu_free(db, w->id);
	tr_outcome(db, w, "stopped", NULL, DB_WS_KEEP_ERROR | DB_WS_STOPPED);
	return db_commit(db);
}

static int
tr_restart(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	struct err_saved msg;
	int r;

	if (strcmp(w->state, "running") != 0)
		return tr_start_as(app, db, w, actor, "restart");
	if ((r = tr_intent(db, w, "restart", NULL)) != 0)
		return r;
	if ((r = rt_restart(app->rt, w->container_id, 10)) != 0) {
		err_save(&msg);
		tr_outcome(db, w, "running", NULL, DB_WS_KEEP_ERROR);
		return err_restore(r, &msg);
	}
	tr_running(app, db, w);
	return 0;
}

static int
tr_redeploy(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	struct err_saved msg;
	int r;

	if ((r = tr_intent(db, w, "redeploy", NULL)) != 0)
		return r;
	if (*w->container_id != '\0' &&
	    (r = rt_remove(app->rt, w->container_id, 1)) != 0) {
		err_save(&msg);
		tr_outcome(db, w, w->state, NULL, DB_WS_KEEP_ERROR);
		return err_restore(r, &msg);
	}
	db_ws_set_container(db, w->id, "");
	free(w->container_id);
	w->container_id = xstrdup("");
	if (strcmp(w->state, "running") == 0) {
		/* Keep the GPU: provision reads the current allocation. */
		if ((r = ws_provision(app, db, w, NULL, 1)) != 0)
			return tr_failed(app, db, w, r);
		tr_running(app, db, w);
		return 0;
	}
	return tr_start_as(app, db, w, actor, "redeploy");
}

/* The legal transitions a user (or the lifecycle loop for them) asks
 * for: the states each may begin in, those in which it has nothing to
 * do, and where it leaves the record. Creation, deletion and what
 * reconcile finds have their own functions below (ws_finish_create,
 * ws_delete, ws_mend), with the same intent/outcome/event discipline. */
static const struct transition {
	const char	*op;	/* its event is "workspace.<op>" */
	const char	*from;
	const char	*done;
	const char	*to;
	int		(*run)(struct app *, struct db *, struct ws *,
			    const char *actor);
} transitions[] = {
	{ "start", " stopped failed ", " running ", "running", tr_start },
	{ "stop", " running failed ", " stopped ", "stopped", tr_stop },
	{ "restart", " running stopped failed ", "", "running", tr_restart },
	{ "redeploy", " running stopped failed ", "", "running", tr_redeploy },
};

/* 1 when state is one of list (" a b "). */
static int
state_in(const char *list, const char *state)
{
	char key[40];

	snprintf(key, sizeof key, " %s ", state);
	return strstr(list, key) != NULL;
}

/* Runs transition t on w (locked by the caller). */
static int
tr_run(struct app *app, struct db *db, struct ws *w,
    const struct transition *t, const char *actor)
{
	struct err_saved msg;
	int r;

	if (state_in(t->done, w->state))
		return 0;
	if (!state_in(t->from, w->state))
		return err_set(ERR_CONFLICT, "workspace '%s' is %s", w->name,
		    w->state);
	r = t->run(app, db, w, actor);
	if (*w->op != '\0') {
		/* Every path records an outcome; this one did not get that
		 * far (the intent's transaction failed). */
		err_save(&msg);
		tr_outcome(db, w, w->state, NULL, DB_WS_KEEP_ERROR);
		err_restore(r, &msg);
	}
	return r;
}

int
ws_action(struct app *app, struct db *db, const char *id, const char *action,
    const char *actor, const char *reason)
{
	const struct transition *t = NULL;
	pthread_mutex_t *lk = ws_lock(id);
	struct ws *w = NULL;
	struct err_saved msg;
	char detail[1200], act[64];
	int r;

	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++)
		if (strcmp(transitions[i].op, action) == 0)
			t = &transitions[i];
	if (t != NULL)
		r = tr_run(app, db, w, t, actor);
	else
		r = err_set(ERR_INVAL, "unknown action '%s'", action);
	err_save(&msg);
	snprintf(detail, sizeof detail, "reason=%s%s%s", reason ? reason :
	    "user", r ? " error=" : "", r ? err_msg() : "");
	snprintf(act, sizeof act, "workspace.%s", action);
	db_event(db, actor, act, id, r ? "error" : "ok", detail);
	if (r)
		err_restore(r, &msg);
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
	return r;
}

int
ws_create_run(struct app *app, struct db *db, struct ws **wp, json_t *gpus,
    const char *actor, int wait)
{
	struct ws *w = *wp;
	struct err_saved msg;
	char why[300];
	int r;

	if (w->acked) {
		/* A create a crash interrupted may have left its container:
		 * made anew (the name is the workspace's). */
		char *name = ws_container_name(w->id);
		rt_remove(app->rt, name, 1);
		free(name);
	}
	if ((r = ws_provision(app, db, w, gpus, 0)) == 0) {
		/* Running once its supervisor answers (as tr_running): the
		 * container, the outcome and the event in one store call. */
		struct db_ws_out o = { w->container_id, "running", NULL,
		    DB_WS_STARTED, actor, "workspace.start", "ok", "created" };
		if ((o.error = waiting_for(app, w, why, sizeof why)) == NULL)
			(void)sup_host_wait(w->id, 2000);
		if (db_ws_settle(db, wp, &o) != 0) {
			log_error("workspace %s: could not record running: %s",
			    w->id, err_msg());
			free(w->state);
			w->state = xstrdup("running");
		}
		return 0;
	}
	err_save(&msg);
	db_event(db, actor, "workspace.create", w->id, "error", msg.msg);
	if (wait) {
		/* Nothing half-created: the record goes too. */
		db_ws_remove(db, w->id);
	} else {
		db_gpu_free(db, w->id);
		tr_outcome(db, w, "failed", msg.msg, 0);
		log_warn("workspace %s failed to start: %s", w->id, msg.msg);
	}
	return err_restore(r, &msg);
}

int
ws_finish_create(struct app *app, struct db *db, const char *id,
    const char *actor, int wait)
{
	pthread_mutex_t *lk = ws_lock(id);
	struct ws *w = NULL;
	int r;

	if ((r = ws_get(db, id, &w)) == 0 &&
	    strcmp(w->state, "creating") == 0)
		r = ws_create_run(app, db, &w, NULL, actor, wait);
	pthread_mutex_unlock(lk);
	ws_free(w);
	return r;
}

int
ws_delete(struct app *app, struct db *db, const char *id, const char *actor)
{
	pthread_mutex_t *lk = ws_lock(id);
	struct ws *w = NULL;
	struct err_saved msg;
	char *state = NULL;
	int r;

	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	state = xstrdup(w->state);
	if ((r = tr_intent(db, w, "delete", "deleting")) != 0)
		goto out;
	if (*w->container_id != '\0' &&
	    (r = rt_remove(app->rt, w->container_id, 1)) != 0 &&
	    r != ERR_NOTFOUND) {
		err_save(&msg);
		tr_outcome(db, w, state, NULL, DB_WS_KEEP_ERROR);
		r = err_restore(r, &msg);
		goto out;
	}
	db_event(db, actor, "workspace.delete", id, "ok", w->name);
	sup_host_remove(id);
	r = db_ws_remove(db, id);
out:
	pthread_mutex_unlock(lk);
	free(state);
	ws_free(w);
	return r;
}

/* ---- what reconcile finds (actor berthd) ---- */

/* Records a state reconcile found, the GPU freed with it, and its event. */
static void
mend_to(struct db *db, struct ws *w, const char *state, const char *error,
    int flags, const char *action, const char *result)
{
	if (db_begin(db) != 0)
		return;
	db_gpu_free(db, w->id);
	tr_outcome(db, w, state, error, flags);
	if (db_commit(db) == 0)
		db_event(db, "berthd", action, w->id, result, error);
}

/* At start: settles what a crash left in flight. 1 when w is gone. */
static int
mend_interrupted(struct db *db, struct ws *w)
{
	char act[64];

	if (strcmp(w->state, "creating") == 0) {
		if (w->acked)
			return 0;	/* promised: ws_resume_creates */
		log_info("rolling back interrupted create of %s", w->id);
		db_event(db, "berthd", "workspace.delete", w->id, "ok",
		    "create interrupted by a berthd restart");
		db_ws_remove(db, w->id);
		return 1;
	}
	if (*w->op == '\0' || strcmp(w->state, "deleting") == 0)
		return 0;
	/* Its outcome is unknown: the record keeps its state, the engine
	 * is made to agree with it below. */
	snprintf(act, sizeof act, "workspace.%s", w->op);
	db_event(db, "berthd", act, w->id, "error", "interrupted by a berthd "
	    "restart");
	if (strcmp(w->state, "running") != 0)
		db_gpu_free(db, w->id);
	tr_outcome(db, w, w->state, NULL, DB_WS_KEEP_ERROR);
	return 0;
}

/* At start, a running workspace whose redeploy a crash cut off after its
 * old container went: the redeploy is done now (a new container, the same
 * GPU and volumes), so the workspace stays what it was last promised to
 * be, running. 1 when done (or failed with the cause recorded). */
static int
redeploy_finish(struct app *app, struct db *db, struct ws *w,
    const char *op)
{
	int r;

	struct rt_container *cs = NULL;
	size_t n = 0;

	if (strcmp(op, "redeploy") != 0)
		return 0;
	/* A container the cut-off redeploy made but did not record would
	 * take the new one's name: it goes first. */
	if (rt_list(app->rt, &cs, &n) == 0)
		for (size_t i = 0; i < n; i++)
			if (strcmp(cs[i].workspace_id, w->id) == 0 &&
			    strcmp(cs[i].instance, app->instance) == 0 &&
			    !cs[i].helper)
				rt_remove(app->rt, cs[i].id, 1);
	free(cs);
	free(w->container_id);
	w->container_id = xstrdup("");
	db_ws_set_container(db, w->id, "");
	r = tr_redeploy(app, db, w, "berthd");
	db_event(db, "berthd", "workspace.redeploy", w->id, r ? "error" : "ok",
	    r ? err_msg() : "finished after a berthd restart");
	return 1;
}

void
ws_mend(struct app *app, struct db *db, const char *id, int at_start)
{
	pthread_mutex_t *lk = at_start ? ws_lock(id) : ws_trylock(id);
	struct ws *w = NULL;
	struct rt_state rs;
	char msg[300], op[32] = "";
	int r;

	if (lk == NULL)
		return;		/* a transition holds it: in flight */
	if (ws_get(db, id, &w) != 0)
		goto out;
	if (at_start)
		strlcpy_b(op, w->op, sizeof op);
	if (at_start && mend_interrupted(db, w))
		goto out;
	if (strcmp(w->state, "creating") == 0) {
		if (!at_start && !w->acked &&
		    now_s() - w->created_at > CREATING_STALE_S) {
			db_event(db, "berthd", "workspace.delete", id, "ok",
			    "create interrupted");
			db_ws_remove(db, id);
		}
		goto out;
	}
	if (strcmp(w->state, "deleting") == 0) {
		if (*w->container_id)
			rt_remove(app->rt, w->container_id, 1);
		db_event(db, "berthd", "workspace.delete", id, "ok",
		    "delete finished after restart");
		db_ws_remove(db, id);
		goto out;
	}
	if (*w->op != '\0')
		goto out;
	if (*w->container_id == '\0') {
		if (strcmp(w->state, "running") == 0 &&
		    !redeploy_finish(app, db, w, op))
			mend_to(db, w, "failed", "container missing", 0,
			    "workspace.fail", "error");
		goto out;
	}
	r = rt_inspect(app->rt, w->container_id, &rs);
	if (r == ERR_NOTFOUND) {
		if (strcmp(w->state, "failed") == 0 ||
		    (strcmp(w->state, "running") == 0 &&
		    redeploy_finish(app, db, w, op)))
			goto out;
		if (strcmp(w->state, "stopped") == 0 &&
		    strcmp(op, "start") == 0) {
			/* A start a crash cut off had removed the container
			 * to make one for another GPU: stopped it stays, and
			 * the next start makes its container anew. One it
			 * made but did not record would take the name. */
			char *name = ws_container_name(w->id);
			rt_remove(app->rt, name, 1);
			free(name);
			db_ws_set_container(db, w->id, "");
			db_event(db, "berthd", "workspace.start", w->id,
			    "error", "interrupted by a berthd restart after "
			    "its old container went; the next start makes a "
			    "new one");
			goto out;
		}
		log_warn("workspace %s: container %.12s vanished", w->id,
		    w->container_id);
		mend_to(db, w, "failed", "the container was removed outside "
		    "berth; redeploy to recreate it (volumes are kept)", 0,
		    "workspace.fail", "error");
		goto out;
	}
	if (r != 0)
		goto out;
	/* Waiting for a place or for its node: still meant to run. */
	if (strcmp(w->state, "running") == 0 &&
	    (strcmp(rs.status, "pending") == 0 ||
	    strcmp(rs.status, "unavailable") == 0)) {
		snprintf(msg, sizeof msg, "%s: %s", rs.status, rs.error);
		if (strcmp(w->error, msg) != 0 &&
		    db_ws_outcome(db, w->id, "running", msg, 0) == 0)
			db_event(db, "berthd", "workspace.wait", id, "ok",
			    msg);
		goto out;
	}
	if (strcmp(w->state, "running") == 0 && rs.running &&
	    (strncmp(w->error, "pending: ", 9) == 0 ||
	    strncmp(w->error, "unavailable: ", 13) == 0)) {
		if (db_ws_outcome(db, w->id, "running", "", 0) == 0)
			db_event(db, "berthd", "workspace.back", id, "ok",
			    "placed and running");
		goto out;
	}
	/* Its node is back, the container did not survive the engine's
	 * restart: it runs again there, as it was meant to. */
	if (strcmp(w->state, "running") == 0 && !rs.running &&
	    strncmp(w->error, "unavailable: ", 13) == 0) {
		r = rt_start(app->rt, w->container_id);
		snprintf(msg, sizeof msg, "its node is back%s%s",
		    r != 0 ? ": " : "", r != 0 ? err_msg() : "");
		if (r == 0 && db_ws_outcome(db, w->id, "running", "", 0) == 0)
			db_event(db, "berthd", "workspace.back", id, "ok", msg);
		else if (r != 0)
			mend_to(db, w, "failed", msg, 0, "workspace.fail",
			    "error");
		goto out;
	}
	if (strcmp(w->state, "running") == 0 && !rs.running &&
	    redeploy_finish(app, db, w, op))
		goto out;
	if (strcmp(w->state, "running") == 0 && !rs.running) {
		snprintf(msg, sizeof msg, "the container exited (code %d%s)",
		    rs.exit_code, rs.oom_killed ? ", out of memory" : "");
		mend_to(db, w, "stopped", msg, DB_WS_STOPPED, "workspace.stop",
		    "ok");
	} else if (strcmp(w->state, "running") != 0 && rs.running) {
		/* Started outside berth: stop it, the record rules (its GPU
		 * was given back). */
		rt_stop(app->rt, w->container_id, 10);
		snprintf(msg, sizeof msg, "the container ran while the "
		    "workspace is %s: stopped it", w->state);
		db_event(db, "berthd", "workspace.stop", id, "ok", msg);
	}
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
}

void
ws_mend_container(struct app *app, struct db *db, const char *cid,
    const char *id)
{
	pthread_mutex_t *lk = ws_trylock(id);
	struct ws *w = NULL;
	int r;

	if (lk == NULL)
		return;
	r = ws_get(db, id, &w);
	if (r != 0 && r != ERR_NOTFOUND)
		goto out;
	if (w != NULL && strcmp(w->state, "creating") == 0)
		goto out;	/* being made right now */
	if (w != NULL && *w->container_id != '\0' &&
	    strncmp(w->container_id, cid, strlen(w->container_id)) == 0)
		goto out;
	log_info("removing orphan container %.12s (workspace %s)", cid, id);
	rt_remove(app->rt, cid, 1);
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
}

int
ws_ensure_running(struct app *app, struct db *db, const char *id,
    const char *actor, int *started)
{
	struct ws *w = NULL;
	int r;

	*started = 0;
	if ((r = ws_get(db, id, &w)) != 0)
		return r;
	if (strcmp(w->state, "running") != 0) {
		ws_free(w);
		if ((r = ws_action(app, db, id, "start", actor,
		    "connect")) != 0)
			return r;
		*started = 1;
		return 0;
	}
	ws_free(w);
	return 0;
}

