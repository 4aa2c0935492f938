/* task.c: tasks (task.h, docs/tasks.md): the request, the record, and its
 * refresh from the workspace's supervisor; the watcher thread. Request
 * threads and the watcher, each with its own store connection. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "activity.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "exec-args.h"
#include "json-util.h"
#include "log.h"
#include "rnd.h"
#include "sup-host.h"
#include "sup-tframe.h"
#include "task-sup.h"
#include "task.h"
#include "timeutil.h"
#include "valid.h"
#include "ws.h"
#include "xmalloc.h"

#define KILL_WAIT_MS	10000	/* DELETE: the tree gone within */
#define WATCH_MS	10000	/* the watcher's period */

int
task_sup_dir(const struct ws *w, char **dir)
{
	*dir = NULL;
	if (strcmp(sup_host_runner(w->id, 0), "sup") != 0 ||
	    (*dir = sup_host_dir(w->id)) == NULL)
		return err_set(ERR_CONFLICT, "workspace '%s' has no "
		    "supervisor (berth-sup), which tasks need: it was made "
		    "before berthd had one, or berthd runs with supervisor = "
		    "off; redeploy it (POST /v1/workspaces/%s/redeploy) once "
		    "berthd has one", w->name, w->id);
	return 0;
}

static int64_t
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
ms_time(int64_t ms, char *b, size_t n)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(b, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

json_t *
task_json(const struct db_task *t)
{
	json_t *o, *argv;
	char ts[96];
	int64_t end;

	argv = json_loads(t->argv, 0, NULL);
	o = json_pack("{s:s, s:s, s:s, s:o, s:b, s:s}", "id", t->id,
	    "name", t->name, "workspace_id", t->ws_id, "argv",
	    argv != NULL ? argv : json_array(), "tty", t->tty, "state",
	    t->state);
	json_object_set_new(o, "exit_code", t->exit_code >= 0 ?
	    json_integer(t->exit_code) : json_null());
	json_object_set_new(o, "signal", t->signal > 0 ?
	    json_integer(t->signal) : json_null());
	json_object_set_new(o, "pid", t->pid > 0 ? json_integer(t->pid) :
	    json_null());
	ms_time(t->created_at, ts, sizeof ts);
	json_object_set_new(o, "created_at", json_string(ts));
	if (t->started_at > 0) {
		ms_time(t->started_at, ts, sizeof ts);
		json_object_set_new(o, "started_at", json_string(ts));
	} else
		json_object_set_new(o, "started_at", json_null());
	if (t->ended_at > 0) {
		ms_time(t->ended_at, ts, sizeof ts);
		json_object_set_new(o, "ended_at", json_string(ts));
	} else
		json_object_set_new(o, "ended_at", json_null());
	end = t->ended_at > 0 ? t->ended_at : epoch_ms();
	json_object_set_new(o, "duration_ms", t->started_at > 0 ?
	    json_integer(end - t->started_at) : json_null());
	json_object_set_new(o, "output", json_pack("{s:I, s:I}", "start",
	    (json_int_t)t->out_start, "end", (json_int_t)t->out_end));
	return o;
}

/* Applies what the supervisor says; 1 when the record changed. */
static int
apply(struct db_task *t, const struct sup_tinfo *i)
{
	struct db_task old = *t;

	snprintf(t->state, sizeof t->state, "%s", sup_tstate_name(i->state));
	t->pid = (int)i->pid;
	t->started_at = (int64_t)i->started_ms;
	t->ended_at = (int64_t)i->ended_ms;
	if (i->state == SUP_T_RUNNING) {
		t->exit_code = -1;
		t->signal = 0;
	} else {
		t->exit_code = (int)i->code;
		t->signal = (int)i->sig;
	}
	t->out_start = (int64_t)i->out_start;
	t->out_end = (int64_t)i->out_end;
	return strcmp(old.state, t->state) != 0 || old.exit_code !=
	    t->exit_code || old.out_end != t->out_end || old.out_start !=
	    t->out_start || old.pid != t->pid || old.ended_at != t->ended_at;
}

static void
mark_lost(struct db_task *t)
{
	snprintf(t->state, sizeof t->state, "lost");
	if (t->ended_at == 0)
		t->ended_at = epoch_ms();
}

static int
terminal(const struct db_task *t)
{
	return strcmp(t->state, "running") != 0;
}

/* Refreshes the records in v (n) from one list of the supervisor. */
static void
refresh(struct db *db, const struct ws *w, struct db_task *v, size_t n)
{
	struct sup_tinfo *live = NULL;
	size_t nlive = 0, i, j;
	char *dir = NULL;
	int rc, need = 0;

	for (i = 0; i < n; i++)
		need |= !terminal(&v[i]) || v[i].out_end == 0;
	if (!need)
		return;
	dir = sup_host_dir(w->id);
	rc = tsup_list(dir, NULL, &live, &nlive);
	free(dir);
	if (rc == ERR_TIMEOUT) {
		log_warn("tasks of %s: %s", w->id, err_msg());
		return;
	}
	for (i = 0; i < n; i++) {
		int found = 0, changed = 0;

		for (j = 0; rc == 0 && j < nlive; j++)
			if (strcmp(live[j].id, v[i].id) == 0) {
				changed = apply(&v[i], &live[j]);
				found = 1;
				break;
			}
		if (!found && !terminal(&v[i])) {
			/* No supervisor (the container is gone, or stopped
			 * and restarted), or one that never had it. */
			mark_lost(&v[i]);
			changed = 1;
		}
		if (changed && db_task_update(db, &v[i]) != 0)
			log_warn("task %s: %s", v[i].id, err_msg());
	}
	free(live);
}

int
task_list(struct db *db, const struct ws *w, json_t **out)
{
	struct db_task *v = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if ((rc = db_task_list(db, w->id, &v, &n)) != 0)
		return rc;
	refresh(db, w, v, n);
	*out = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(*out, task_json(&v[i]));
		db_task_clear(&v[i]);
	}
	free(v);
	return 0;
}

int
task_get(struct db *db, const struct ws *w, const char *ref,
    struct db_task *rec, json_t **out)
{
	struct db_task t;
	int rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = db_task_get(db, w->id, ref, &t)) != 0)
		return rc;
	refresh(db, w, &t, 1);
	if (out != NULL)
		*out = task_json(&t);
	if (rec != NULL)
		*rec = t;
	else
		db_task_clear(&t);
	return 0;
}

/* ---- starting one ---------------------------------------------------- */

static void
strv_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static int
valid_task_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return err_set(ERR_INVAL, "name must be 1 to 64 characters");
	for (const char *p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return err_set(ERR_INVAL, "name may hold letters, "
			    "digits, '.', '_' and '-' only");
	return 0;
}

struct treq {
	char		**argv, **env;
	const char	 *name, *workdir;
	int		  tty;
	int64_t		  rows, cols, max_out;
};

static int
parse(const struct ws *w, const json_t *body, struct treq *q)
{
	static const char *const fields[] = { "argv", "command", "name",
	    "env", "workdir", "tty", "rows", "cols", "output_max", NULL };
	json_t *argv = json_object_get(body, "argv");
	json_t *cmd = json_object_get(body, "command");
	json_t *env = json_object_get(body, "env");
	int rc, present;

	if ((rc = json_only_fields(body, fields)) != 0)
		return rc;
	if ((rc = exec_args_argv(w, argv, cmd, 4096, &q->argv)) != 0)
		return rc;
	if ((rc = exec_args_env(env, &q->env)) != 0)
		return rc;
	if ((rc = json_opt_str(body, "name", &q->name)) != 0 ||
	    (q->name != NULL && (rc = valid_task_name(q->name)) != 0))
		return rc;
	if ((rc = json_opt_str(body, "workdir", &q->workdir)) != 0 ||
	    (q->workdir != NULL && (rc = valid_container_path("workdir",
	    q->workdir)) != 0))
		return rc;
	if ((rc = json_opt_bool(body, "tty", &q->tty)) != 0)
		return rc;
	q->rows = 24;
	q->cols = 80;
	q->max_out = TASK_OUTPUT_MAX;
	if ((rc = json_opt_int(body, "rows", &q->rows, &present)) != 0 ||
	    (rc = json_opt_int(body, "cols", &q->cols, &present)) != 0 ||
	    (rc = json_opt_int(body, "output_max", &q->max_out,
	    &present)) != 0)
		return rc;
	if (q->rows < 1 || q->rows > 1000 || q->cols < 1 || q->cols > 1000)
		return err_set(ERR_INVAL, "rows and cols must be 1 to 1000");
	if (q->max_out < TASK_OUTPUT_MIN || q->max_out > TASK_OUTPUT_MAX)
		return err_set(ERR_INVAL, "output_max must be %lld to %lld "
		    "bytes", (long long)TASK_OUTPUT_MIN,
		    (long long)TASK_OUTPUT_MAX);
	return 0;
}

int
task_start(struct app *app, struct db *db, const struct ws *w,
    const json_t *body, json_t **out)
{
	struct treq q;
	struct task_spec spec;
	struct sup_tinfo info;
	struct db_task t;
	json_t *argv;
	char *dir = NULL, *argvs = NULL;
	int rc;

	(void)app;
	*out = NULL;
	memset(&q, 0, sizeof q);
	memset(&t, 0, sizeof t);
	if ((rc = parse(w, body, &q)) != 0 ||
	    (rc = task_sup_dir(w, &dir)) != 0)
		goto out;
	if (db_task_running(db, w->id) >= TASK_RUNNING_MAX) {
		rc = err_set(ERR_QUOTA, "workspace '%s' runs %d tasks, the "
		    "most it may", w->name, TASK_RUNNING_MAX);
		goto out;
	}
	argv = json_array();
	for (size_t i = 0; q.argv[i] != NULL; i++)
		json_array_append_new(argv, json_string(q.argv[i]));
	argvs = json_dumps(argv, JSON_COMPACT);
	json_decref(argv);
	rnd_hex(t.id, 8);
	t.ws_id = xstrdup(w->id);
	t.name = xstrdup(q.name != NULL ? q.name : "");
	t.argv = argvs;
	argvs = NULL;
	t.tty = q.tty;
	snprintf(t.state, sizeof t.state, "running");
	t.exit_code = -1;
	t.created_at = epoch_ms();
	/* The record first: a crash after the start leaves a task that
	 * the next look finds (running) or reports lost, never one unknown
	 * to berthd. */
	if ((rc = db_task_insert(db, &t)) != 0)
		goto out;
	memset(&spec, 0, sizeof spec);
	spec.argv = (const char *const *)q.argv;
	spec.env = (const char *const *)q.env;
	spec.workdir = q.workdir;
	spec.tty = q.tty;
	spec.rows = (unsigned)q.rows;
	spec.cols = (unsigned)q.cols;
	spec.max_out = (uint64_t)q.max_out;
	if ((rc = tsup_start(dir, t.id, &spec, &info)) != 0) {
		struct err_saved e;

		err_save(&e);
		mark_lost(&t);
		(void)db_task_update(db, &t);
		rc = err_restore(rc == ERR_NOTFOUND ? ERR_BACKEND : rc, &e);
		goto out;
	}
	(void)apply(&t, &info);
	(void)db_task_update(db, &t);
	ws_activity(w->id, "task");
	*out = task_json(&t);
 out:
	free(dir);
	free(argvs);
	strv_free(q.argv);
	strv_free(q.env);
	db_task_clear(&t);
	return rc;
}

/* ---- kill and stdin -------------------------------------------------- */

int
task_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = { { "KILL", SIGKILL }, { "TERM", SIGTERM }, { "INT",
	    SIGINT }, { "HUP", SIGHUP }, { "QUIT", SIGQUIT }, { "USR1",
	    SIGUSR1 }, { "USR2", SIGUSR2 }, { "STOP", SIGSTOP }, { "CONT",
	    SIGCONT }, { "WINCH", SIGWINCH } };
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	if (*s >= '0' && *s <= '9') {
		v = strtol(s, &end, 10);
		return *end == '\0' && v > 0 && v < NSIG ? (int)v : 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (strcasecmp(s, sigs[i].name) == 0)
			return sigs[i].sig;
	return 0;
}

/* The record of a task whose supervisor must answer: ERR_CONFLICT when
 * the task is lost (nothing left to reach). */
static int
reach(struct db *db, const struct ws *w, const char *ref, struct db_task *t,
    char **dir)
{
	int rc;

	*dir = NULL;
	if ((rc = task_get(db, w, ref, t, NULL)) != 0)
		return rc;
	if (strcmp(t->state, "lost") == 0) {
		rc = err_set(ERR_CONFLICT, "task %s is lost: its container "
		    "stopped or went away while it ran", t->id);
		db_task_clear(t);
		return rc;
	}
	if ((*dir = sup_host_dir(w->id)) == NULL) {
		db_task_clear(t);
		return err_set(ERR_CONFLICT, "workspace '%s' has no "
		    "supervisor", w->name);
	}
	return 0;
}

int
task_kill(struct db *db, const struct ws *w, const char *ref, int sig,
    json_t **out)
{
	struct sup_tinfo info;
	struct db_task t;
	char *dir = NULL;
	int64_t until = mono_ms() + KILL_WAIT_MS;
	int rc, left;

	*out = NULL;
	if ((rc = reach(db, w, ref, &t, &dir)) != 0)
		return rc;
	if ((rc = tsup_kill(dir, t.id, sig, &info)) != 0)
		goto out;
	/* For certain: until the keeper reaped the last of its tree. */
	while (sig == SIGKILL && (info.flags & SUP_TF_TREE)) {
		struct sup_tinfo *v = NULL;
		size_t n = 0;

		if (mono_ms() >= until) {
			rc = err_set(ERR_TIMEOUT, "task %s: processes of its "
			    "tree still run %d s after SIGKILL", t.id,
			    KILL_WAIT_MS / 1000);
			goto out;
		}
		{
			struct timespec d = { 0, 10 * 1000000 };
			nanosleep(&d, NULL);
		}
		if ((rc = tsup_list(dir, t.id, &v, &n)) != 0)
			goto out;
		if (n == 1)
			info = v[0];
		else
			info.flags = 0;
		free(v);
	}
	(void)apply(&t, &info);
	(void)db_task_update(db, &t);
	*out = task_json(&t);
	left = (info.flags & SUP_TF_TREE) != 0;
	json_object_set_new(*out, "signal_sent", json_integer(sig));
	json_object_set_new(*out, "tree_running", json_boolean(left));
 out:
	free(dir);
	db_task_clear(&t);
	return rc;
}

int
task_input(struct db *db, const struct ws *w, const char *ref,
    const void *b, size_t n, int eof, json_t **out)
{
	struct sup_tinfo info;
	struct db_task t;
	char *dir = NULL;
	int rc;

	*out = NULL;
	if ((rc = reach(db, w, ref, &t, &dir)) != 0)
		return rc;
	if (terminal(&t)) {
		rc = err_set(ERR_CONFLICT, "task %s has %s; its stdin is "
		    "closed", t.id, t.state);
		goto out;
	}
	if ((rc = tsup_input(dir, t.id, b, n, eof, &info)) != 0)
		goto out;
	(void)apply(&t, &info);
	ws_activity(w->id, "task");
	*out = task_json(&t);
 out:
	free(dir);
	db_task_clear(&t);
	return rc;
}

/* ---- the watcher ----------------------------------------------------- */

static pthread_t	watch_thread;
static pthread_mutex_t	watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	watch_cond = PTHREAD_COND_INITIALIZER;
static int		watch_running;

static void
watch_once(struct db *db)
{
	char **ids = NULL;
	size_t n = 0;

	if (db_task_running_ws(db, &ids, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct db_task *v = NULL;
		struct ws *w = NULL;
		size_t nt = 0;
		int busy = 0;

		if (ws_get(db, ids[i], &w) == 0 &&
		    db_task_list(db, w->id, &v, &nt) == 0) {
			refresh(db, w, v, nt);
			for (size_t j = 0; j < nt; j++) {
				busy |= !terminal(&v[j]);
				db_task_clear(&v[j]);
			}
			/* A running task is activity (SPEC section 7). */
			if (busy)
				ws_activity(w->id, "task");
		}
		free(v);
		ws_free(w);
		free(ids[i]);
	}
	free(ids);
}

static void *
watch_main(void *arg)
{
	struct timespec ts;
	struct db *db;

	(void)arg;
	pthread_mutex_lock(&watch_lock);
	while (watch_running) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += WATCH_MS / 1000;
		pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
		if (!watch_running)
			break;
		pthread_mutex_unlock(&watch_lock);
		if ((db = db_thread()) != NULL)
			watch_once(db);
		pthread_mutex_lock(&watch_lock);
	}
	pthread_mutex_unlock(&watch_lock);
	return NULL;
}

int
task_watch_start(struct app *app)
{
	(void)app;
	watch_running = 1;
	if (pthread_create(&watch_thread, NULL, watch_main, NULL) != 0) {
		watch_running = 0;
		return err_set(ERR_INTERNAL, "cannot start the task watcher");
	}
	return 0;
}

void
task_watch_stop(void)
{
	pthread_mutex_lock(&watch_lock);
	if (!watch_running) {
		pthread_mutex_unlock(&watch_lock);
		return;
	}
	watch_running = 0;
	pthread_cond_signal(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
	pthread_join(watch_thread, NULL);
}
