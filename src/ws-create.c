/* ws-create.c: POST /v1/workspaces: the body checked against templates
 * and limits, then in one store call (db_ws_create) quota, name, volumes,
 * GPU, the record and its event; the engine side is the "create"
 * transition (ws-life.c), run here (wait) or in a thread of its own.
 * Also PATCH (ttl, idle_timeout, name), which shares the body checks.
 * Any thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "json-util.h"
#include "log.h"
#include "rnd.h"
#include "rt.h"
#include "timeutil.h"
#include "tmpl.h"
#include "valid.h"
#include "ws.h"
#include "ssh-direct.h"
#include "ws-int.h"
#include "xmalloc.h"

#define VOLUME_DEFAULT_GIB 10

static const char *const create_fields[] = { "name", "template", "image",
    "gpu", "cpus", "memory", "env", "ports", "volumes", "command", "ttl",
    "idle_timeout", "ssh", "wait", "workdir", NULL };

/* A duration given as "90m" or as integer seconds. */
static int
parse_duration_field(const json_t *body, const char *key, int64_t *out,
    int *present)
{
	json_t *v = json_object_get(body, key);

	*present = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	*present = 1;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 10LL * 366 * 86400) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && duration_parse(json_string_value(v), out) == 0)
		return 0;
	return err_set(ERR_INVAL, "field '%s' must be a duration like \"90m\", "
	    "\"4h\" or seconds", key);
}

static int
parse_memory(const json_t *v, int64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && size_parse(json_string_value(v), out) == 0)
		return 0;
	return err_set(ERR_INVAL, "field 'memory' must be a size like \"16g\"");
}

static int
parse_cpus(const json_t *v, double *out)
{
	char *end;

	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		*out = strtod(json_string_value(v), &end);
		if (end != json_string_value(v) && *end == '\0')
			return 0;
	}
	return err_set(ERR_INVAL, "field 'cpus' must be a number");
}

/* Turns body.env into a checked object. */
static int
parse_env(const json_t *env, json_t *into)
{
	const char *k;
	json_t *v;
	int r;

	if (env == NULL || json_is_null(env))
		return 0;
	if (!json_is_object(env))
		return err_set(ERR_INVAL, "field 'env' must be an object of "
		    "strings");
	if (json_object_size(env) > 50)
		return err_set(ERR_INVAL, "at most 50 env variables");
	json_object_foreach((json_t *)env, k, v) {
		if ((r = valid_env_key("env", k)) != 0)
			return r;
		if (strncmp(k, "NVIDIA_", 7) == 0 ||
		    strncmp(k, "BERTH_", 6) == 0)
			return err_set(ERR_INVAL, "env: %s is reserved", k);
		if (!json_is_string(v) || json_string_length(v) > 4096 ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return err_set(ERR_INVAL, "env: value of %s must be a "
			    "string of at most 4096 bytes without NUL", k);
		json_object_set(into, k, v);
	}
	return 0;
}

static int
parse_ports(const json_t *ports, json_t **out)
{
	json_t *arr = json_array(), *v;
	size_t i;

	*out = arr;
	if (ports == NULL || json_is_null(ports))
		return 0;
	if (!json_is_array(ports) || json_array_size(ports) > 32)
		return err_set(ERR_INVAL, "field 'ports' must be an array of "
		    "at most 32 port numbers");
	json_array_foreach((json_t *)ports, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535)
			return err_set(ERR_INVAL, "ports[%zu] must be a port "
			    "number 1-65535", i);
		json_array_append(arr, v);
	}
	return 0;
}

static int
parse_command(const json_t *c, const char *shell, json_t **out)
{
	json_t *v;
	size_t i;

	*out = json_null();
	if (c == NULL || json_is_null(c))
		return 0;
	if (json_is_string(c)) {
		if (json_string_length(c) == 0 || json_string_length(c) > 65536
		    || strlen(json_string_value(c)) != json_string_length(c))
			return err_set(ERR_INVAL, "field 'command' must be a "
			    "non-empty string without NUL");
		*out = json_pack("[s,s,O]", shell ? shell : "/bin/sh", "-c", c);
		return 0;
	}
	if (!json_is_array(c) || json_array_size(c) == 0 ||
	    json_array_size(c) > 128)
		return err_set(ERR_INVAL, "field 'command' must be a string or "
		    "an argv array of 1-128 strings");
	json_array_foreach((json_t *)c, i, v)
		if (!json_is_string(v) || strlen(json_string_value(v)) !=
		    json_string_length(v))
			return err_set(ERR_INVAL, "command[%zu] must be a "
			    "string without NUL", i);
	json_decref(*out);
	*out = json_incref((json_t *)c);
	return 0;
}

/* Checks body.volumes; fills mounts [{name, mount}] (store ids later). */
static int
parse_volumes(const json_t *vols, json_t **out)
{
	json_t *arr = json_array(), *v;
	size_t i, j;
	int r;

	*out = arr;
	if (vols == NULL || json_is_null(vols))
		return 0;
	if (!json_is_array(vols) || json_array_size(vols) > 16)
		return err_set(ERR_INVAL, "field 'volumes' must be an array of "
		    "at most 16 {\"name\",\"mount\"} objects");
	json_array_foreach((json_t *)vols, i, v) {
		static const char *const vf[] = { "name", "mount", NULL };
		const char *name, *mount;
		json_t *w;
		if ((r = json_only_fields(v, vf)) != 0 ||
		    (r = json_req_str(v, "name", &name)) != 0 ||
		    (r = valid_dns_label("volume name", name)) != 0 ||
		    (r = json_req_str(v, "mount", &mount)) != 0 ||
		    (r = valid_mount_path("volume mount", mount)) != 0)
			return r;
		json_array_foreach(arr, j, w) {
			if (strcmp(json_string_value(json_object_get(w,
			    "mount")), mount) == 0)
				return err_set(ERR_INVAL, "two volumes mounted "
				    "at %s", mount);
			if (strcmp(json_string_value(json_object_get(w,
			    "name")), name) == 0)
				return err_set(ERR_INVAL, "volume %s listed "
				    "twice", name);
		}
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", name,
		    "mount", mount));
	}
	return 0;
}

struct create_job {
	struct app	*app;
	char		*id;
	char		*actor;
};

static void *
create_thread(void *arg)
{
	struct create_job *job = arg;
	struct db *db = db_thread();

	if (db != NULL)
		ws_finish_create(job->app, db, job->id, job->actor, 0);
	free(job->id);
	free(job->actor);
	free(job);
	return NULL;
}

/* Finishes id's create in a thread of its own. */
static void
create_spawn(struct app *app, const char *id, const char *actor)
{
	struct create_job *job = xcalloc(1, sizeof *job);
	pthread_attr_t attr;
	pthread_t t;

	job->app = app;
	job->id = xstrdup(id);
	job->actor = xstrdup(actor);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, create_thread, job) != 0)
		create_thread(job);
	pthread_attr_destroy(&attr);
}

static void
resume_one(void *arg, const struct ws *w)
{
	struct app *app = arg;

	if (w->acked && strcmp(w->op, "create") == 0) {
		log_info("workspace %s: finishing the create a restart "
		    "interrupted", w->id);
		create_spawn(app, w->id, w->owner);
	}
}

void
ws_resume_creates(struct app *app, struct db *db)
{
	struct db_ws_filter f = { 1, NULL, "creating", NULL };

	db_ws_each(db, &f, resume_one, app);
}

struct create_args {
	const char	*name, *tname, *image, *gpu, *ssh, *workdir;
	json_t		*tmpl, *ports, *mounts, *command, *env;
	int64_t		 memory, ttl, idle;
	int		 wait;
	double		 cpus;
};

static void
create_args_free(struct create_args *a)
{
	json_decref(a->tmpl);
	json_decref(a->ports);
	json_decref(a->mounts);
	json_decref(a->command);
	json_decref(a->env);
	memset(a, 0, sizeof *a);
}

/* Checks a create body against the templates and limits, without the
 * store or the engine. On return *a holds what to free, also on error. */
static int
create_parse(struct app *app, const json_t *body, struct create_args *a)
{
	const char *name = NULL, *tname = NULL, *image = NULL, *gpu = NULL;
	const char *ssh = NULL;
	json_t *tmpl = NULL, *ports = NULL, *mounts = NULL, *command = NULL;
	json_t *env = json_object(), *v;
	int64_t memory = 0, ttl = 0, idle = 0;
	int has_ttl, has_idle, wait = 0, r;
	double cpus = 0;

	if ((r = json_only_fields(body, create_fields)) != 0 ||
	    (r = json_req_str(body, "name", &name)) != 0 ||
	    (r = valid_dns_label("name", name)) != 0 ||
	    (r = json_opt_str(body, "template", &tname)) != 0 ||
	    (r = json_opt_str(body, "image", &image)) != 0 ||
	    (r = json_opt_str(body, "gpu", &gpu)) != 0 ||
	    (r = json_opt_str(body, "ssh", &ssh)) != 0 ||
	    (r = json_opt_bool(body, "wait", &wait)) != 0 ||
	    (r = json_opt_str(body, "workdir", &a->workdir)) != 0)
		goto out;
	if (a->workdir != NULL && (r = valid_container_path("workdir",
	    a->workdir)) != 0)
		goto out;
	if (tname == NULL)
		tname = "default";
	if ((r = valid_dns_label("template", tname)) != 0)
		goto out;
	if ((tmpl = tmpl_get(app, tname)) == NULL) {
		r = err_set(ERR_INVAL, "no template '%s' (see GET "
		    "/v1/templates)", tname);
		goto out;
	}
	if (image != NULL) {
		if ((r = valid_image_ref("image", image)) != 0)
			goto out;
		if (!tmpl_image_allowed(app, image)) {
			r = err_set(ERR_INVAL, "image '%s' is not allowed; "
			    "allowed: the templates' images%s%s", image,
			    *app->cfg.allowed_images ? ", " : "",
			    app->cfg.allowed_images);
			goto out;
		}
	} else
		image = json_string_value(json_object_get(tmpl, "image"));
	if (ssh == NULL)
		ssh = json_string_value(json_object_get(tmpl, "ssh"));
	if (ssh == NULL)
		ssh = "gateway";
	if (strcmp(ssh, "gateway") != 0 && strcmp(ssh, "direct") != 0) {
		r = err_set(ERR_INVAL, "field 'ssh' must be gateway or direct");
		goto out;
	}
	if (gpu == NULL)
		gpu = json_string_value(json_object_get(tmpl, "gpu"));
	if (gpu == NULL || strcmp(gpu, "none") == 0 || strcmp(gpu, "0") == 0)
		gpu = "";
	if ((r = valid_text("gpu", gpu, 96)) != 0)
		goto out;
	cpus = app->cfg.default_cpus;
	if ((v = json_object_get(tmpl, "cpus")) != NULL && json_is_number(v))
		cpus = json_number_value(v);
	if ((v = json_object_get(body, "cpus")) != NULL &&
	    (r = parse_cpus(v, &cpus)) != 0)
		goto out;
	if (!(cpus > 0) || cpus > app->cfg.max_cpus) {
		r = err_set(ERR_INVAL, "cpus must be more than 0 and at most "
		    "%g", app->cfg.max_cpus);
		goto out;
	}
	memory = app->cfg.default_memory;
	if ((v = json_object_get(tmpl, "memory")) != NULL &&
	    (r = parse_memory(v, &memory)) != 0)
		goto out;
	if ((v = json_object_get(body, "memory")) != NULL &&
	    (r = parse_memory(v, &memory)) != 0)
		goto out;
	if (memory < 16LL * 1024 * 1024 || memory > app->cfg.max_memory) {
		r = err_set(ERR_INVAL, "memory must be between 16m and %lldm",
		    (long long)(app->cfg.max_memory >> 20));
		goto out;
	}
	ttl = app->cfg.default_ttl;
	if ((r = parse_duration_field(body, "ttl", &ttl, &has_ttl)) != 0)
		goto out;
	if (app->cfg.max_ttl > 0 && (ttl == 0 || ttl > app->cfg.max_ttl)) {
		if (has_ttl) {
			r = err_set(ERR_INVAL, "ttl must be at most %llds (the "
			    "admin's maximum)", (long long)app->cfg.max_ttl);
			goto out;
		}
		ttl = app->cfg.max_ttl;
	}
	idle = app->cfg.default_idle_timeout;
	if ((r = parse_duration_field(body, "idle_timeout", &idle,
	    &has_idle)) != 0)
		goto out;
	if ((r = parse_env(json_object_get(tmpl, "env"), env)) != 0 ||
	    (r = parse_env(json_object_get(body, "env"), env)) != 0 ||
	    (r = parse_ports(json_object_get(body, "ports") ?
	    json_object_get(body, "ports") : json_object_get(tmpl, "ports"),
	    &ports)) != 0 ||
	    (r = parse_volumes(json_object_get(body, "volumes"), &mounts)) != 0)
		goto out;
	if ((r = parse_command(json_object_get(body, "command") ?
	    json_object_get(body, "command") : json_object_get(tmpl, "command"),
	    json_string_value(json_object_get(tmpl, "shell")), &command)) != 0)
		goto out;
	r = 0;
out:
	a->name = name;
	a->tname = tname;
	a->image = image;
	a->gpu = gpu;
	a->ssh = ssh;
	a->tmpl = tmpl;
	a->ports = ports;
	a->mounts = mounts;
	a->command = command;
	a->env = env;
	a->memory = memory;
	a->ttl = ttl;
	a->idle = idle;
	a->wait = wait;
	a->cpus = cpus;
	return r;
}

int
ws_create_check(struct app *app, const json_t *body)
{
	struct create_args a;
	int r;

	memset(&a, 0, sizeof a);
	r = create_parse(app, body, &a);
	create_args_free(&a);
	return r;
}

/* Where the engine places GPUs: how many units a request takes. */
static int
gpu_units(const char *request, int *units)
{
	char kind[32];

	return ws_gpu_resource(request, kind, sizeof kind, units);
}

int
ws_create(struct app *app, struct db *db, const struct principal *who,
    const json_t *body, struct ws **out)
{
	return ws_create_ex(app, db, who, body, NULL, out);
}

int
ws_create_ex(struct app *app, struct db *db, const struct principal *who,
    const json_t *body, const char *extra_key, struct ws **out)
{
	struct create_args a;
	const char *image, *vnew[16], *bnew[16];
	struct db_ws_new n;
	pthread_mutex_t *lk = NULL;
	json_t *spec = NULL, *v, *gpus = NULL;
	char id[40], vids[16][40];
	struct ws *w = NULL, rec;
	size_t vi, nv = 0;
	int r;

	*out = NULL;
	memset(&a, 0, sizeof a);
	memset(&n, 0, sizeof n);
	if ((r = create_parse(app, body, &a)) != 0)
		goto out;
	/* A key limited to some workspaces creates only those names. */
	if ((r = auth_require(who, 0, NULL, a.name)) != 0)
		goto out;
	image = a.image;
	if (strcmp(a.ssh, "direct") == 0 && json_object_get(body, "image") ==
	    NULL && strcmp(image, app->cfg.default_image) == 0)
		image = app->cfg.direct_image;
	if (strcmp(a.ssh, "direct") == 0 &&
	    !(rt_caps(app->rt) & RT_CAP_PUBLISHES_PORTS)) {
		r = err_set(ERR_UNSAT, "direct SSH needs a port published on "
		    "this host, which this runtime backend does not do (use "
		    "the SSH gateway)");
		goto out;
	}
	if ((r = rt_image_exists(app->rt, image)) != 0) {
		if (r == ERR_NOTFOUND)
			r = err_set(ERR_UNSAT, "image '%s' is not present on "
			    "this host (build or pull it first)", image);
		goto out;
	}

	spec = json_pack("{s:O,s:O,s:O,s:O,s:s,s:s,s:s}", "env", a.env,
	    "ports", a.ports, "volumes", a.mounts, "command", a.command,
	    "user", json_string_value(json_object_get(a.tmpl, "user")) ?
	    json_string_value(json_object_get(a.tmpl, "user")) : "1000:1000",
	    "workdir", a.workdir ? a.workdir :
	    json_string_value(json_object_get(a.tmpl, "workdir")) ?
	    json_string_value(json_object_get(a.tmpl, "workdir")) : "/",
	    "shell", json_string_value(json_object_get(a.tmpl, "shell")) ?
	    json_string_value(json_object_get(a.tmpl, "shell")) : "/bin/sh");
	if (extra_key != NULL)
		json_object_set_new(spec, "extra_keys", json_sprintf("%s\n",
		    extra_key));

	rnd_uuid(id);
	memset(&rec, 0, sizeof rec);
	rec.id = id;
	rec.name = (char *)a.name;
	rec.owner = (char *)who->user;
	rec.template = (char *)a.tname;
	rec.image = (char *)image;
	rec.ssh_mode = (char *)a.ssh;
	rec.gpu_request = (char *)a.gpu;
	rec.spec = spec;
	rec.cpus = a.cpus;
	rec.memory = a.memory;
	rec.pids_limit = app->cfg.default_pids;
	rec.ttl = a.ttl;
	rec.idle_timeout = a.idle;
	rec.created_at = now_s();
	/* Without wait the 201 is the promise: a restart finishes it. */
	rec.acked = !a.wait;
	/* What the store needs to decide in one transaction: quota, name,
	 * volumes (an id and a name for each it may have to add), GPUs,
	 * direct SSH port, record and event. */
	n.rec = &rec;
	n.quota_ws = app->cfg.quota_workspaces;
	n.quota_gpus = app->cfg.quota_gpus;
	n.quota_gib = app->cfg.quota_volume_gib;
	n.volume_gib = VOLUME_DEFAULT_GIB;
	json_array_foreach(json_object_get(spec, "volumes"), vi, v) {
		if (nv >= 16)
			break;
		rnd_uuid(vids[nv]);
		vnew[nv] = vids[nv];
		bnew[nv] = ws_volume_backend(who->user, json_string_value(
		    json_object_get(v, "name")), vids[nv]);
		nv++;
	}
	n.vol_new_ids = vnew;
	n.vol_new_backends = bnew;
	n.nvol_new = nv;
	if (*a.gpu != '\0' && (rt_caps(app->rt) & RT_CAP_SCHEDULES_GPUS))
		n.gpu_units = gpu_units;	/* the quota counts requests */
	if (strcmp(a.ssh, "direct") == 0) {
		n.port_lo = app->cfg.direct_port_min;
		n.port_hi = app->cfg.direct_port_max;
		n.port_free = direct_port_free;
		n.port_arg = app;
	}
	/* With wait, the lock is held from the insert to the outcome:
	 * nothing else touches the record meanwhile, so it is not read
	 * again. */
	if (a.wait)
		lk = ws_lock(id);
	if ((r = db_ws_create(db, &n, &w, &gpus)) != 0)
		goto out;
	w->gpus = gpus;
	if (!a.wait) {
		gpus = NULL;
		create_spawn(app, id, who->user);
		*out = w;
		w = NULL;
		goto out;
	}
	/* With wait nothing is promised until it runs: a failure leaves
	 * nothing behind. */
	w->gpus = NULL;
	if ((r = ws_create_run(app, db, &w, gpus, who->user, 1)) != 0)
		goto out;
	w->gpus = gpus;
	gpus = NULL;
	*out = w;
	w = NULL;
out:
	if (lk != NULL)
		pthread_mutex_unlock(lk);
	for (vi = 0; vi < nv; vi++)
		free((char *)bnew[vi]);
	if (w != NULL)
		ws_free(w);
	create_args_free(&a);
	json_decref(spec);
	json_decref(gpus);
	return r;
}

int
ws_patch(struct app *app, struct db *db, const char *id, const json_t *body,
    const char *actor)
{
	static const char *const fields[] = { "ttl", "idle_timeout", "name",
	    NULL };
	pthread_mutex_t *lk;
	struct ws *w = NULL;
	const char *name;
	int64_t ttl = 0, idle = 0;
	int has_ttl, has_idle, r;

	if ((r = json_only_fields(body, fields)) != 0 ||
	    (r = parse_duration_field(body, "ttl", &ttl, &has_ttl)) != 0 ||
	    (r = parse_duration_field(body, "idle_timeout", &idle,
	    &has_idle)) != 0 ||
	    (r = json_opt_str(body, "name", &name)) != 0)
		return r;
	if (name != NULL && (r = valid_dns_label("name", name)) != 0)
		return r;
	if (has_ttl && app->cfg.max_ttl > 0 && (ttl == 0 ||
	    ttl > app->cfg.max_ttl))
		return err_set(ERR_INVAL, "ttl must be at most %llds (the "
		    "admin's maximum)", (long long)app->cfg.max_ttl);
	lk = ws_lock(id);
	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	if ((r = db_begin(db)) != 0)
		goto out;
	if (has_ttl)
		r = db_ws_set_ttl(db, id, ttl);
	if (r == 0 && has_idle)
		r = db_ws_set_idle(db, id, idle);
	if (r == 0 && name != NULL && strcmp(name, w->name) != 0)
		r = db_ws_set_name(db, id, name);
	if (r != 0) {
		struct err_saved msg;
		err_save(&msg);
		db_rollback(db);
		r = err_restore(r, &msg);
		goto out;
	}
	r = db_commit(db);
	db_event(db, actor, "workspace.update", id, r ? "error" : "ok", "");
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
	return r;
}
