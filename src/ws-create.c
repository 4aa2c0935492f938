/* ws-create.c: POST /v1/workspaces: the body checked against templates
 * and limits, then in one transaction quota, name, volumes, GPU and the
 * record; the engine side is the "create" transition (ws-life.c), run
 * here (wait) or in a thread of its own. Any thread. */
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

/* Inside the transaction: finds or creates each volume record, fills
 * volume_id and backend into the mounts. */
static int
volumes_attach(struct app *app, struct db *db, const char *owner,
    json_t *mounts, int quota_gib)
{
	json_t *m;
	size_t i;

	json_array_foreach(mounts, i, m) {
		const char *name;

		name = json_string_value(json_object_get(m, "name"));
		char *id = NULL, *backend = NULL;
		int r;

		if ((r = db_vol_by_name(db, owner, name, &id, &backend)) != 0 &&
		    r != ERR_NOTFOUND)
			return r;
		if (id == NULL) {
			char uuid[40];
			int64_t used = 0, ignored = 0;
			db_vol_usage(db, owner, NULL, &used, &ignored);
			if (used + VOLUME_DEFAULT_GIB > quota_gib)
				return err_set(ERR_QUOTA, "volume quota "
				    "exceeded: %lld of %d GiB used, a new "
				    "volume takes %d", (long long)used,
				    quota_gib, VOLUME_DEFAULT_GIB);
			auth_uuid(uuid);
			id = xstrdup(uuid);
			backend = ws_volume_backend(owner, name, id);
			if ((r = db_vol_add(db, id, owner, name, backend,
			    VOLUME_DEFAULT_GIB)) != 0) {
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

struct gpu_sum {
	int	n;
};

static void
gpu_sum_add(void *arg, const struct ws *w)
{
	struct gpu_sum *g = arg;
	char kind[32];
	int n = 0;

	if ((strcmp(w->state, "running") == 0 ||
	    strcmp(w->state, "creating") == 0) &&
	    ws_gpu_resource(w->gpu_request, kind, sizeof kind, &n) == 0)
		g->n += n;
}

/* On a cluster: the GPUs the owner's running workspaces asked for, and
 * gpu, within max (in the create's transaction: atomic). */
static int
cluster_gpu_quota(struct db *db, const char *owner, const char *gpu, int max)
{
	struct db_ws_filter f = { 0, owner, NULL, NULL };
	struct gpu_sum g = { 0 };
	char kind[32];
	int n, r;

	if ((r = ws_gpu_resource(gpu, kind, sizeof kind, &n)) != 0 ||
	    (r = db_ws_each(db, &f, gpu_sum_add, &g)) != 0)
		return r;
	if (max >= 0 && g.n + n > max)
		return err_set(ERR_QUOTA, "GPU quota: %d held, %d asked, %d "
		    "allowed", g.n, n, max);
	return 0;
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
	const char *name, *tname, *image, *gpu, *ssh;
	json_t *spec = NULL, *v, *gpus = NULL;
	int64_t memory, ttl, idle, pids = app->cfg.default_pids;
	int wait, r, q_ws, q_gpu, q_gib;
	size_t vi;
	double cpus;
	char id[40];
	struct ws *w = NULL, rec;
	int in_tx = 0;

	*out = NULL;
	memset(&a, 0, sizeof a);
	if ((r = create_parse(app, body, &a)) != 0)
		goto out;
	/* A key limited to some workspaces creates only those names. */
	if ((r = auth_require(who, 0, NULL, a.name)) != 0)
		goto out;
	name = a.name;
	tname = a.tname;
	image = a.image;
	gpu = a.gpu;
	ssh = a.ssh;
	memory = a.memory;
	ttl = a.ttl;
	idle = a.idle;
	wait = a.wait;
	cpus = a.cpus;
	if (strcmp(ssh, "direct") == 0 && json_object_get(body, "image") ==
	    NULL && strcmp(image, app->cfg.default_image) == 0)
		image = app->cfg.direct_image;
	if (strcmp(ssh, "direct") == 0 &&
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

	/* One transaction: quota, name, volumes, GPU, record. */
	auth_uuid(id);
	if ((r = db_begin(db)) != 0)
		goto out;
	in_tx = 1;
	user_quotas(app, db, who->user, &q_ws, &q_gpu, &q_gib);
	if ((r = running_quota_check(db, who->user, q_ws)) != 0)
		goto out;
	if (db_ws_name_taken(db, who->user, name)) {
		r = err_set(ERR_CONFLICT, "you already have a workspace named "
		    "'%s'", name);
		goto out;
	}
	if ((r = volumes_attach(app, db, who->user,
	    json_object_get(spec, "volumes"), q_gib)) != 0)
		goto out;
	memset(&rec, 0, sizeof rec);
	rec.id = id;
	rec.name = (char *)name;
	rec.owner = (char *)who->user;
	rec.template = (char *)tname;
	rec.image = (char *)image;
	rec.ssh_mode = (char *)ssh;
	rec.gpu_request = (char *)gpu;
	rec.spec = spec;
	rec.cpus = cpus;
	rec.memory = memory;
	rec.pids_limit = pids;
	rec.ttl = ttl;
	rec.idle_timeout = idle;
	rec.created_at = now_s();
	/* Without wait the 201 is the promise: a restart finishes it. */
	rec.acked = !wait;
	if ((r = db_ws_insert(db, &rec)) != 0)
		goto out;
	json_array_foreach(json_object_get(spec, "volumes"), vi, v)
		if ((r = db_ws_add_volume(db, id,
		    json_string_value(json_object_get(v, "volume_id")),
		    json_string_value(json_object_get(v, "mount")))) != 0)
			goto out;
	if (*gpu != '\0' && (rt_caps(app->rt) & RT_CAP_SCHEDULES_GPUS)) {
		/* The engine places the GPU; the quota counts requests. */
		if ((r = cluster_gpu_quota(db, who->user, gpu, q_gpu)) != 0)
			goto out;
	} else if (*gpu != '\0') {
		if ((r = db_gpu_alloc(db, id, who->user, gpu, q_gpu, NULL,
		    &gpus)) != 0)
			goto out;
	}
	if (strcmp(ssh, "direct") == 0) {
		int port;
		if ((r = direct_port_alloc(app, db, id, &port)) != 0 ||
		    (r = db_ws_set_ssh_port(db, id, port)) != 0)
			goto out;
	}
	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	if ((r = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
	db_event(db, who->user, "workspace.create", id, "ok", image);

	if (!wait) {
		create_spawn(app, id, who->user);
		*out = w;
		w = NULL;
		r = 0;
		goto out;
	}
	/* With wait nothing is promised until it runs: a failure leaves
	 * nothing behind. */
	if ((r = ws_finish_create(app, db, id, who->user, 1)) != 0)
		goto out;
	ws_free(w);
	w = NULL;
	r = ws_get(db, id, out);
out:
	if (in_tx)
		db_rollback(db);
	ws_free(w);
	create_args_free(&a);
	json_decref(spec);
	json_decref(gpus);
	return r;
}

