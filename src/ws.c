/* ws.c: workspace records: lookup, JSON, creation and state transitions.
 * Any thread, each with its own store connection; transitions of one
 * workspace are serialised by a striped lock held across the engine calls
 * (bounded by the engine client's timeouts). */
#include <pthread.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "gpu-alloc.h"
#include "json-util.h"
#include "log.h"
#include "rt.h"
#include "timeutil.h"
#include "valid.h"
#include "vol-loop.h"
#include "ws.h"
#include "ws-direct.h"
#include "ssh-keydb.h"
#include "sup-host.h"
#include "xmalloc.h"

#define VOLUME_DEFAULT_GIB 10



#define NLOCKS 64
static pthread_mutex_t ws_locks[NLOCKS];
static pthread_once_t ws_locks_once = PTHREAD_ONCE_INIT;

static void
ws_locks_init(void)
{
	for (int i = 0; i < NLOCKS; i++)
		pthread_mutex_init(&ws_locks[i], NULL);
}

static pthread_mutex_t *
ws_lock(const char *id)
{
	unsigned h = 5381;

	pthread_once(&ws_locks_once, ws_locks_init);
	for (const char *p = id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	pthread_mutex_lock(&ws_locks[h % NLOCKS]);
	return &ws_locks[h % NLOCKS];
}

#define WS_COLS "id, name, owner, template, image, state, error, " \
	"container_id, ssh_mode, gpu_request, spec, cpus, memory, pids_limit, " \
	"ttl, expires_at, idle_timeout, last_activity_at, created_at, " \
	"started_at, stopped_at, ssh_port"

void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	free(w->id);
	free(w->name);
	free(w->owner);
	free(w->template);
	free(w->image);
	free(w->state);
	free(w->error);
	free(w->container_id);
	free(w->ssh_mode);
	free(w->gpu_request);
	json_decref(w->spec);
	free(w);
}

static struct ws *
ws_from_row(sqlite3_stmt *st)
{
	struct ws *w = xcalloc(1, sizeof *w);
	char *spec;

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
	spec = db_col_str(st, 10);
	w->spec = json_parse_or(spec, json_object);
	free(spec);
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
	return w;
}

int
ws_get(struct db *db, const char *id, struct ws **out)
{
	sqlite3_stmt *st;
	int r = 0;

	*out = NULL;
	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces WHERE id = ?"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = ws_from_row(st);
	else
		r = err_set(ERR_NOTFOUND, "no workspace '%.64s'", id);
	sqlite3_finalize(st);
	return r;
}

int
ws_resolve(struct db *db, const struct principal *who, const char *ref,
    struct ws **out)
{
	sqlite3_stmt *st;
	struct ws *found = NULL;
	char cands[512] = "";
	size_t reflen;
	int n = 0, r = 0;
	char like[80];

	*out = NULL;
	if (ref == NULL || (reflen = strlen(ref)) == 0 || reflen > 64)
		return err_set(ERR_NOTFOUND, "no workspace '%.64s'",
		    ref ? ref : "");
	/* A name of the caller's own first: names are unique per owner. */
	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces "
	    "WHERE owner = ? AND name = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", who->user, ref);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = ws_from_row(st);
	sqlite3_finalize(st);
	if (found != NULL) {
		*out = found;
		return 0;
	}
	/* Then an id or id prefix (>= 4 chars), among what who may see. */
	for (size_t i = 0; i < reflen; i++)
		if (!((ref[i] >= '0' && ref[i] <= '9') ||
		    (ref[i] >= 'a' && ref[i] <= 'f') || ref[i] == '-'))
			goto byname;
	if (reflen < 4)
		goto byname;
	snprintf(like, sizeof like, "%s%%", ref);
	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces "
	    "WHERE id LIKE ? AND (? OR owner = ?) ORDER BY id LIMIT 11"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "sis", like, (int64_t)who->admin, who->user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ws *w = ws_from_row(st);
		size_t l = strlen(cands);
		if (n < 10)
			snprintf(cands + l, sizeof cands - l, "%s%s (%s)",
			    n ? ", " : "", w->id, w->name);
		if (strcmp(w->id, ref) == 0) {
			ws_free(found);
			found = w;
			n = 1;
			break;
		}
		if (found == NULL)
			found = w;
		else
			ws_free(w);
		n++;
	}
	sqlite3_finalize(st);
	if (n == 1) {
		*out = found;
		return 0;
	}
	ws_free(found);
	if (n > 1)
		return err_set(ERR_CONFLICT, "workspace reference '%s' is "
		    "ambiguous; candidates: %s", ref, cands);
byname:
	/* An admin may name another user's workspace as owner/name. */
	if (who->admin && strchr(ref, '/') != NULL) {
		char owner[64];
		const char *slash = strchr(ref, '/');
		snprintf(owner, sizeof owner, "%.*s", (int)(slash - ref), ref);
		if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces "
		    "WHERE owner = ? AND name = ?")) == NULL)
			return ERR_INTERNAL;
		db_bind(st, "ss", owner, slash + 1);
		if (sqlite3_step(st) == SQLITE_ROW)
			found = ws_from_row(st);
		sqlite3_finalize(st);
		if (found != NULL) {
			*out = found;
			return 0;
		}
	}
	return r ? r : err_set(ERR_NOTFOUND, "no workspace '%.64s'", ref);
}

const char *
ws_public_host(struct app *app)
{
	static __thread char host[256];
	const char *colon;

	if (app->cfg.public_host != NULL && *app->cfg.public_host)
		return app->cfg.public_host;
	colon = strrchr(app->cfg.ssh_listen, ':');
	snprintf(host, sizeof host, "%.*s", colon ? (int)(colon -
	    app->cfg.ssh_listen) : (int)strlen(app->cfg.ssh_listen),
	    app->cfg.ssh_listen);
	if (strcmp(host, "0.0.0.0") == 0 || host[0] == '\0')
		snprintf(host, sizeof host, "127.0.0.1");
	return host;
}

static int
listen_port(const char *addr)
{
	const char *colon = strrchr(addr, ':');

	return colon ? atoi(colon + 1) : atoi(addr);
}

static json_t *
time_json(int64_t t)
{
	char buf[40];

	if (t == 0)
		return json_null();
	rfc3339(t, buf, sizeof buf);
	return json_string(buf);
}

static char *
size_str(int64_t bytes)
{
	if (bytes % (1024LL * 1024 * 1024) == 0)
		return xasprintf("%lldg", (long long)(bytes >> 30));
	if (bytes % (1024LL * 1024) == 0)
		return xasprintf("%lldm", (long long)(bytes >> 20));
	return xasprintf("%lld", (long long)bytes);
}

/* A new reference to spec[key], or a fresh default. */
static json_t *
spec_get(json_t *spec, const char *key, json_t *(*def)(void))
{
	json_t *v = json_object_get(spec, key);

	return v != NULL ? json_incref(v) : def();
}

json_t *
ws_to_json(struct app *app, struct db *db, const struct ws *w)
{
	json_t *o, *gpu = json_null(), *ssh, *allocs = NULL;
	const char *host = ws_public_host(app);
	char *cmd, *mem, *url;
	int port;

	if (gpu_allocated(db_sqlite(db), w->id,
	    &allocs) == 0 && json_array_size(allocs) > 0) {
		json_decref(gpu);
		gpu = json_incref(json_array_get(allocs, 0));
		if (json_array_size(allocs) > 1)
			json_object_set(gpu, "devices", allocs);
	}
	json_decref(allocs);
	if (strcmp(w->ssh_mode, "direct") == 0) {
		port = w->ssh_port;
		cmd = port ? xasprintf("ssh -p %d dev@%s", port,
		    app->cfg.direct_ssh_address) : xstrdup("");
		ssh = json_pack("{s:s,s:s,s:s,s:i,s:s}", "mode", "direct",
		    "user", "dev", "host", app->cfg.direct_ssh_address, "port",
		    port, "command", cmd);
	} else {
		port = listen_port(app->cfg.ssh_listen);
		cmd = xasprintf("ssh -p %d %s@%s", port, w->name, host);
		ssh = json_pack("{s:s,s:s,s:s,s:i,s:s}", "mode", "gateway",
		    "user", w->name, "host", host, "port", port, "command", cmd);
	}
	free(cmd);
	mem = size_str(w->memory);
	url = xasprintf("http://%s:%d/#/workspaces/%s", host,
	    listen_port(app->cfg.listen), w->id);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:f,s:s,s:I}",
	    "id", w->id, "name", w->name, "owner", w->owner,
	    "template", w->template, "image", w->image, "state", w->state,
	    "error", w->error, "container_id", w->container_id,
	    "gpu", gpu, "cpus", w->cpus, "memory", mem,
	    "pids_limit", (json_int_t)w->pids_limit);
	free(mem);
	json_object_set_new(o, "gpu_request", json_string(
	    *w->gpu_request ? w->gpu_request : "none"));
	json_object_set_new(o, "env", spec_get(w->spec, "env", json_object));
	json_object_set_new(o, "ports", spec_get(w->spec, "ports", json_array));
	json_object_set_new(o, "volumes", spec_get(w->spec, "volumes",
	    json_array));
	json_object_set_new(o, "command", spec_get(w->spec, "command",
	    json_null));
	json_object_set_new(o, "ttl", json_integer(w->ttl));
	json_object_set_new(o, "expires_at", time_json(w->expires_at));
	json_object_set_new(o, "idle_timeout", json_integer(w->idle_timeout));
	json_object_set_new(o, "last_activity_at",
	    time_json(w->last_activity_at));
	json_object_set_new(o, "created_at", time_json(w->created_at));
	json_object_set_new(o, "started_at", time_json(w->started_at));
	json_object_set_new(o, "stopped_at", time_json(w->stopped_at));
	json_object_set_new(o, "ssh", ssh);
	json_object_set_new(o, "runner", json_string(sup_host_runner(w->id,
	    strcmp(w->state, "running") == 0)));
	json_object_set_new(o, "terminal_url", json_string(url));
	free(url);
	return o;
}

void
ws_touch(struct db *db, const char *id)
{
	db_run(db, "UPDATE workspaces SET last_activity_at = ? WHERE id = ?",
	    "is", now_s(), id);
}

static int
ws_set_state(struct db *db, const char *id, const char *state,
    const char *error)
{
	return db_run(db, "UPDATE workspaces SET state = ?, error = ? "
	    "WHERE id = ?", "sss", state, error ? error : "", id);
}

/* ---- engine side ---- */

static int network_ready;

static int
ws_ensure_network(struct app *app)
{
	int r;

	if (network_ready)
		return 0;
	if ((r = rt_network_ensure(app->rt, app->cfg.network)) == 0)
		network_ready = 1;
	return r;
}

/* berth-sup goes into the container (docs/exec.md): its binary and run
 * directory bound in, in front of the image's command, its key in the
 * environment (it drops it before starting anything). Without it the
 * workspace runs processes through docker exec. */
static void
sup_attach(const struct ws *w, struct rt_spec *spec, struct rt_bind *binds,
    const char **env, size_t *nenv, char **owned, int *nowned)
{
	static const char *const entry[] = { SUP_MOUNT_BIN, "--", NULL };
	char secret[65], *dir = NULL;

	if (sup_host_binary() == NULL)
		return;
	if (sup_host_prepare(w->id, spec->user, &dir, secret) != 0) {
		log_warn("workspace %s: no supervisor: %s", w->id, err_msg());
		return;
	}
	binds[0] = (struct rt_bind){ sup_host_binary(), SUP_MOUNT_BIN, 1 };
	binds[1] = (struct rt_bind){ dir, SUP_MOUNT_RUN, 0 };
	spec->binds = binds;
	spec->nbinds = 2;
	spec->entry_prefix = entry;
	owned[(*nowned)++] = dir;
	owned[*nowned] = xasprintf("BERTH_SUP_SECRET=%s", secret);
	env[(*nenv)++] = owned[(*nowned)++];
	env[*nenv] = NULL;
	explicit_bzero(secret, sizeof secret);
}

/* Builds the container from the record and creates it (not started). */
static int
ws_container_create(struct app *app, struct db *db, struct ws *w,
    json_t *gpus, char **cidp)
{
	struct rt_spec spec;
	struct rt_mount mounts[16];
	struct rt_bind binds[2];
	struct rt_port direct_port;
	const char *env[80], *labels[8], *cmd[130], *gpu_uuids[17];
	char *owned[120];
	int nowned = 0, r;
	size_t nenv = 0, nmounts = 0, ncmd = 0, ngpu = 0, i;
	json_t *v, *vols, *command;
	const char *k;
	char *gpulist = NULL;

	memset(&spec, 0, sizeof spec);
	json_object_foreach(json_object_get(w->spec, "env"), k, v) {
		if (nenv >= 60)
			break;
		owned[nowned] = xasprintf("%s=%s", k, json_string_value(v));
		env[nenv++] = owned[nowned++];
	}
	owned[nowned] = xasprintf("BERTH_WORKSPACE=%s", w->name);
	env[nenv++] = owned[nowned++];
	json_array_foreach(gpus, i, v) {
		const char *u = json_string_value(json_object_get(v, "uuid"));
		char *nl;
		if (u == NULL || ngpu >= 16)
			continue;
		gpu_uuids[ngpu++] = u;
		nl = gpulist ? xasprintf("%s,%s", gpulist, u) : xstrdup(u);
		free(gpulist);
		gpulist = nl;
	}
	gpu_uuids[ngpu] = NULL;
	if (gpulist != NULL) {
		owned[nowned] = xasprintf("NVIDIA_VISIBLE_DEVICES=%s", gpulist);
		env[nenv++] = owned[nowned++];
		free(gpulist);
		spec.gpu_uuids = gpu_uuids;
		spec.gpu_nvidia = strcmp(app->cfg.gpu_attach, "nvidia") == 0;
	}
	env[nenv] = NULL;
	owned[nowned] = xasprintf("berth.workspace=%s", w->id);
	labels[0] = owned[nowned++];
	owned[nowned] = xasprintf("berth.owner=%s", w->owner);
	labels[1] = owned[nowned++];
	owned[nowned] = xasprintf("berth.name=%s", w->name);
	labels[2] = owned[nowned++];
	owned[nowned] = xasprintf("berth.instance=%s", app->instance);
	labels[3] = owned[nowned++];
	labels[4] = NULL;
	vols = json_object_get(w->spec, "volumes");
	json_array_foreach(vols, i, v) {
		if (nmounts >= 16)
			break;
		mounts[nmounts].volume = json_string_value(json_object_get(v,
		    "backend"));
		mounts[nmounts].target = json_string_value(json_object_get(v,
		    "mount"));
		mounts[nmounts].readonly = 0;
		nmounts++;
	}
	command = json_object_get(w->spec, "command");
	if (json_is_array(command) && json_array_size(command) > 0) {
		json_array_foreach(command, i, v)
			if (ncmd < 128)
				cmd[ncmd++] = json_string_value(v);
		cmd[ncmd] = NULL;
		spec.cmd = cmd;
	}
	owned[nowned] = xasprintf("berth-%s", w->id);
	spec.name = owned[nowned++];
	spec.image = w->image;
	spec.env = env;
	spec.labels = labels;
	spec.user = json_string_value(json_object_get(w->spec, "user"));
	if (strcmp(w->ssh_mode, "direct") == 0) {
		/* sshd runs as the workspace user, no capabilities; its keys
		 * are written by direct_prepare before the start. */
		int uid, gid;
		if ((r = direct_uidgid(spec.user, &uid, &gid)) != 0)
			goto out;
		direct_port.container_port = 22;
		direct_port.host_port = w->ssh_port;
		direct_port.host_ip = app->cfg.direct_ssh_address;
		spec.ports = &direct_port;
		spec.nports = 1;
		if (uid == 0)
			spec.cap_add = direct_caps;
		if (spec.cmd == NULL)
			spec.cmd = direct_sshd_cmd;
	}
	spec.workdir = json_string_value(json_object_get(w->spec, "workdir"));
	spec.hostname = w->name;
	spec.network = app->cfg.network;
	spec.cpus = w->cpus;
	spec.memory = w->memory;
	spec.pids_limit = w->pids_limit;
	spec.mounts = mounts;
	spec.nmounts = nmounts;
	sup_attach(w, &spec, binds, env, &nenv, owned, &nowned);
	r = rt_create(app->rt, &spec, cidp);
out:
	for (int j = 0; j < nowned; j++)
		free(owned[j]);
	return r;
}

/* Frees GPUs held by id (inside or outside a transaction). */
static void
ws_gpu_free(struct db *db, const char *id)
{
	gpu_free(db_sqlite(db), id);
}

/* A new volume's root belongs to root (0755), and the workspace runs as
 * its user without CAP_CHOWN, so on first use a one-shot container with
 * only CAP_CHOWN hands the root of the volume to the workspace user.
 * Failure is logged, not fatal: the workspace still starts. */
static void
ws_volume_prepare(struct app *app, struct db *db, struct ws *w, json_t *v)
{
	static const char *const caps[] = { "CHOWN", NULL };
	const char *volid = json_string_value(json_object_get(v, "volume_id"));
	const char *user = json_string_value(json_object_get(w->spec, "user"));
	const char *cmd[4], *labels[2];
	struct rt_mount m;
	struct rt_spec spec;
	struct rt_state rs;
	sqlite3_stmt *st;
	char *cid = NULL, *name, *label;
	int prepared = 1, r;

	if ((st = db_prep(db, "SELECT prepared FROM volumes WHERE id = ?"))
	    != NULL) {
		db_bind(st, "s", volid);
		if (sqlite3_step(st) == SQLITE_ROW)
			prepared = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (prepared || user == NULL || strcmp(user, "0") == 0 ||
	    strncmp(user, "0:", 2) == 0)
		return;
	name = xasprintf("berth-prep-%.8s-%.8s", volid, w->id);
	label = xasprintf("berth.instance=%s", app->instance);
	cmd[0] = "chown";
	cmd[1] = user;
	cmd[2] = "/v";
	cmd[3] = NULL;
	labels[0] = label;
	labels[1] = NULL;
	m.volume = json_string_value(json_object_get(v, "backend"));
	m.target = "/v";
	m.readonly = 0;
	memset(&spec, 0, sizeof spec);
	spec.name = name;
	spec.image = w->image;
	spec.cmd = cmd;
	spec.labels = labels;
	spec.cap_add = caps;
	spec.user = "0:0";
	spec.network = "none";
	spec.memory = 64LL << 20;
	spec.cpus = 1;
	spec.pids_limit = 16;
	spec.mounts = &m;
	spec.nmounts = 1;
	if ((r = rt_create(app->rt, &spec, &cid)) == 0 &&
	    (r = rt_start(app->rt, cid)) == 0) {
		int64_t until = mono_ms() + 30000;
		while ((r = rt_inspect(app->rt, cid, &rs)) == 0 && rs.running &&
		    mono_ms() < until)
			usleep(20000);
		if (r == 0 && (rs.running || rs.exit_code != 0))
			r = err_set(ERR_BACKEND, "chown in the volume %s",
			    rs.running ? "timed out" : "failed");
	}
	if (cid != NULL)
		rt_remove(app->rt, cid, 1);
	if (r == 0)
		db_run(db, "UPDATE volumes SET prepared = 1 WHERE id = ?", "s",
		    volid);
	else
		log_warn("volume %s: could not give its root to %s: %s", volid,
		    user, err_msg());
	free(cid);
	free(name);
	free(label);
}

/* Makes the engine side of a record exist and run: volumes, container,
 * start. On failure removes what it made and returns the error. */
static int
ws_provision(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	char *cid = NULL;
	json_t *gpus = NULL, *v;
	size_t i;
	int r;

	if ((r = ws_ensure_network(app)) != 0)
		return r;
	json_array_foreach(json_object_get(w->spec, "volumes"), i, v) {
		const char *labels[4];
		char *l1 = xasprintf("berth.volume=%s", json_string_value(
		    json_object_get(v, "volume_id")));
		char *l2 = xasprintf("berth.owner=%s", w->owner);
		char *l3 = xasprintf("berth.instance=%s", app->instance);
		labels[0] = l1;
		labels[1] = l2;
		labels[2] = l3;
		labels[3] = NULL;
		r = vol_ensure(app, db, json_string_value(
		    json_object_get(v, "backend")), labels);
		free(l1);
		free(l2);
		free(l3);
		if (r != 0)
			return r;
		ws_volume_prepare(app, db, w, v);
	}
	gpu_allocated(db_sqlite(db), w->id, &gpus);
	r = ws_container_create(app, db, w, gpus, &cid);
	json_decref(gpus);
	if (r != 0)
		return r;
	if ((r = db_run(db, "UPDATE workspaces SET container_id = ? WHERE "
	    "id = ?", "ss", cid, w->id)) != 0 ||
	    (strcmp(w->ssh_mode, "direct") == 0 &&
	    (r = direct_prepare(app, db, w->owner, w->spec, cid)) != 0) ||
	    (r = rt_start(app->rt, cid)) != 0) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		rt_remove(app->rt, cid, 1);
		db_run(db, "UPDATE workspaces SET container_id = '' WHERE "
		    "id = ?", "s", w->id);
		free(cid);
		return err_set(r, "%s", msg);
	}
	free(w->container_id);
	w->container_id = cid;
	return 0;
}

static void
ws_mark_running(struct db *db, struct ws *w)
{
	int64_t now = now_s();

	(void)sup_host_wait(w->id, 2000);
	db_run(db, "UPDATE workspaces SET state = 'running', error = '', "
	    "started_at = ?, last_activity_at = ?, expires_at = CASE WHEN "
	    "ttl > 0 AND expires_at = 0 THEN ? + ttl ELSE expires_at END "
	    "WHERE id = ?", "iiis", now, now, now, w->id);
	free(w->state);
	w->state = xstrdup("running");
}

/* A start that failed: the GPU goes back to the pool and the record says
 * why. Returns r with the calling thread's message kept. */
static int
ws_fail(struct db *db, const char *id, int r)
{
	char msg[1024];

	snprintf(msg, sizeof msg, "%s", err_msg());
	ws_gpu_free(db, id);
	ws_set_state(db, id, "failed", msg);
	return err_set(r, "%s", msg);
}

/* ---- creation ---- */

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
		if (strncmp(k, "NVIDIA_", 7) == 0 || strncmp(k, "BERTH_", 6) == 0)
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
			return err_set(ERR_INVAL, "command[%zu] must be a string "
			    "without NUL", i);
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

char *
ws_volume_backend(const char *owner, const char *name, const char *id)
{
	/* Owner names have no '.', so owner.name is unambiguous; the id
	 * keeps two installations on one engine apart. */
	return xasprintf("berth-%s.%s.%.8s", owner, name, id);
}

/* Quotas of a user (falling back to the config's defaults). */
static void
user_quotas(struct app *app, struct db *db, const char *user, int *ws,
    int *gpus, int *gib)
{
	sqlite3_stmt *st;

	*ws = app->cfg.quota_workspaces;
	*gpus = app->cfg.quota_gpus;
	*gib = app->cfg.quota_volume_gib;
	if ((st = db_prep(db, "SELECT max_workspaces, max_gpus, "
	    "max_volume_gib FROM users WHERE name = ?")) == NULL)
		return;
	db_bind(st, "s", user);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ws = sqlite3_column_int(st, 0);
		*gpus = sqlite3_column_int(st, 1);
		*gib = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
}

/* Inside the transaction: ERR_QUOTA when owner already has max workspaces
 * creating or running. */
static int
running_quota_check(struct db *db, const char *owner, int max)
{
	sqlite3_stmt *st;
	int n = 0;

	if ((st = db_prep(db, "SELECT COUNT(*) FROM workspaces WHERE owner = ?"
	    " AND state IN ('creating','running')")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", owner);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (n >= max)
		return err_set(ERR_QUOTA, "quota reached: at most %d running "
		    "workspaces (stop or delete one first)", max);
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
		const char *name = json_string_value(json_object_get(m, "name"));
		sqlite3_stmt *st;
		char *id = NULL, *backend = NULL;
		int r;

		if ((st = db_prep(db, "SELECT id, backend_name FROM volumes "
		    "WHERE owner = ? AND name = ?")) == NULL)
			return ERR_INTERNAL;
		db_bind(st, "ss", owner, name);
		if (sqlite3_step(st) == SQLITE_ROW) {
			id = db_col_str(st, 0);
			backend = db_col_str(st, 1);
		}
		sqlite3_finalize(st);
		if (id == NULL) {
			char uuid[40];
			int64_t used = 0;
			if ((st = db_prep(db, "SELECT COALESCE(SUM(size_gib),0) "
			    "FROM volumes WHERE owner = ?")) == NULL)
				return ERR_INTERNAL;
			db_bind(st, "s", owner);
			if (sqlite3_step(st) == SQLITE_ROW)
				used = db_col_int(st, 0);
			sqlite3_finalize(st);
			if (used + VOLUME_DEFAULT_GIB > quota_gib)
				return err_set(ERR_QUOTA, "volume quota "
				    "exceeded: %lld of %d GiB used, a new volume "
				    "takes %d", (long long)used, quota_gib,
				    VOLUME_DEFAULT_GIB);
			auth_uuid(uuid);
			id = xstrdup(uuid);
			backend = ws_volume_backend(owner, name, id);
			if ((r = db_run(db, "INSERT INTO volumes (id, owner, "
			    "name, backend_name, size_gib, created_at) VALUES "
			    "(?, ?, ?, ?, ?, ?)", "ssssii", id, owner, name,
			    backend, (int64_t)VOLUME_DEFAULT_GIB, now_s())) != 0) {
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
	pthread_mutex_t *lk = ws_lock(job->id);
	struct ws *w = NULL;

	if (db != NULL && ws_get(db, job->id, &w) == 0 &&
	    strcmp(w->state, "creating") == 0) {
		if (ws_provision(job->app, db, w, job->actor) == 0) {
			ws_mark_running(db, w);
			db_event(db, job->actor, "workspace.start", w->id, "ok",
			    "created");
		} else {
			ws_fail(db, w->id, ERR_BACKEND);
			db_event(db, job->actor, "workspace.create", w->id,
			    "error", err_msg());
			log_warn("workspace %s failed to start: %s", w->id,
			    err_msg());
		}
	}
	pthread_mutex_unlock(lk);
	ws_free(w);
	free(job->id);
	free(job->actor);
	free(job);
	return NULL;
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
	if ((tmpl = app_template(app, tname)) == NULL) {
		r = err_set(ERR_INVAL, "no template '%s' (see GET "
		    "/v1/templates)", tname);
		goto out;
	}
	if (image != NULL) {
		if ((r = valid_image_ref("image", image)) != 0)
			goto out;
		if (!app_image_allowed(app, image)) {
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
	struct ws *w = NULL;
	sqlite3_stmt *st;
	int in_tx = 0;

	*out = NULL;
	memset(&a, 0, sizeof a);
	if ((r = create_parse(app, body, &a)) != 0)
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
	if ((st = db_prep(db, "SELECT 1 FROM workspaces WHERE owner = ? AND "
	    "name = ?")) == NULL) {
		r = ERR_INTERNAL;
		goto out;
	}
	db_bind(st, "ss", who->user, name);
	r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (r) {
		r = err_set(ERR_CONFLICT, "you already have a workspace named "
		    "'%s'", name);
		goto out;
	}
	if ((r = volumes_attach(app, db, who->user,
	    json_object_get(spec, "volumes"), q_gib)) != 0)
		goto out;
	{
		char *specs = json_compact(spec);
		r = db_run(db, "INSERT INTO workspaces (id, name, owner, "
		    "template, image, state, ssh_mode, gpu_request, spec, cpus,"
		    " memory, pids_limit, ttl, idle_timeout, created_at, "
		    "last_activity_at) VALUES (?, ?, ?, ?, ?, 'creating', ?, ?,"
		    " ?, ?, ?, ?, ?, ?, ?, ?)", "ssssssssdiiiiii", id, name,
		    who->user, tname, image, ssh, gpu, specs, cpus, memory,
		    pids, ttl, idle, now_s(), now_s());
		free(specs);
		if (r != 0)
			goto out;
	}
	json_array_foreach(json_object_get(spec, "volumes"), vi, v)
		if ((r = db_run(db, "INSERT INTO ws_volumes (workspace_id, "
		    "volume_id, mount) VALUES (?, ?, ?)", "sss", id,
		    json_string_value(json_object_get(v, "volume_id")),
		    json_string_value(json_object_get(v, "mount")))) != 0)
			goto out;
	if (*gpu != '\0') {
		if ((r = gpu_alloc(db_sqlite(db), id, who->user, gpu, q_gpu,
		    NULL, &gpus)) != 0)
			goto out;
	}
	if (strcmp(ssh, "direct") == 0) {
		int port;
		if ((r = direct_port_alloc(app, db, id, &port)) != 0 ||
		    (r = db_run(db, "UPDATE workspaces SET ssh_port = ? WHERE "
		    "id = ?", "is", (int64_t)port, id)) != 0)
			goto out;
	}
	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	if ((r = db_commit(db)) != 0)
		goto out;
	in_tx = 0;
	db_event(db, who->user, "workspace.create", id, "ok", image);

	if (!wait) {
		struct create_job *job = xcalloc(1, sizeof *job);
		pthread_t t;
		pthread_attr_t attr;
		job->app = app;
		job->id = xstrdup(id);
		job->actor = xstrdup(who->user);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, create_thread, job) != 0)
			create_thread(job);
		pthread_attr_destroy(&attr);
		*out = w;
		w = NULL;
		r = 0;
		goto out;
	}
	{
		pthread_mutex_t *lk = ws_lock(id);
		if ((r = ws_provision(app, db, w, who->user)) != 0) {
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", err_msg());
			/* Nothing half-created: the record goes too. */
			ws_gpu_free(db, id);
			db_event(db, who->user, "workspace.create", id, "error",
			    msg);
			db_run(db, "DELETE FROM workspaces WHERE id = ?", "s", id);
			pthread_mutex_unlock(lk);
			r = err_set(r, "%s", msg);
			goto out;
		}
		ws_mark_running(db, w);
		db_event(db, who->user, "workspace.start", id, "ok", "created");
		pthread_mutex_unlock(lk);
	}
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

/* ---- transitions ---- */

static int
ws_do_start(struct app *app, struct db *db, struct ws *w, const char *actor)
{
	struct rt_state rs;
	json_t *gpus = NULL;
	int r, q_ws, q_gpu, q_gib, same_gpus = 0;

	if (strcmp(w->state, "running") == 0)
		return 0;
	if (strcmp(w->state, "stopped") != 0 && strcmp(w->state, "failed") != 0)
		return err_set(ERR_CONFLICT, "workspace '%s' is %s", w->name,
		    w->state);
	if ((r = db_begin(db)) != 0)
		return r;
	user_quotas(app, db, w->owner, &q_ws, &q_gpu, &q_gib);
	if ((r = running_quota_check(db, w->owner, q_ws)) != 0) {
		db_rollback(db);
		return r;
	}
	if (*w->gpu_request != '\0') {
		char *prefer = NULL, *got;
		/* The same device when free: remembered in the spec. */
		json_t *last = json_object_get(w->spec, "last_gpus");
		if (json_is_string(last))
			prefer = xstrdup(json_string_value(last));
		gpu_free(db_sqlite(db), w->id);
		r = gpu_alloc(db_sqlite(db), w->id, w->owner, w->gpu_request,
		    q_gpu, prefer, &gpus);
		if (r == 0) {
			got = gpu_uuids_csv(gpus);
			same_gpus = prefer != NULL && strcmp(got, prefer) == 0;
			free(got);
		}
		free(prefer);
		if (r != 0) {
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", err_msg());
			db_rollback(db);
			return err_set(r, "%s", msg);
		}
	}
	/* Marked running now so the quota slot is taken; a crash before the
	 * container runs is mended by the reconciler (stopped or failed). */
	if ((r = ws_set_state(db, w->id, "running", NULL)) != 0 ||
	    (r = db_commit(db)) != 0) {
		db_rollback(db);
		json_decref(gpus);
		return r;
	}
	json_decref(gpus);
	/* The container may still be there (stopped) or gone. */
	if (*w->container_id != '\0' &&
	    rt_inspect(app->rt, w->container_id, &rs) == 0) {
		if (*w->gpu_request != '\0' && !same_gpus) {
			/* Another device: the container names the old one in
			 * its environment, so it is made anew (volumes stay). */
			rt_remove(app->rt, w->container_id, 1);
			r = ws_provision(app, db, w, actor);
		} else if (strcmp(w->ssh_mode, "direct") != 0 ||
		    (r = direct_keys_push(app, db, w->owner,
		    json_string_value(json_object_get(w->spec, "extra_keys")),
		    w->container_id)) == 0)
			r = rt_start(app->rt, w->container_id);
	} else
		r = ws_provision(app, db, w, actor);
	if (r != 0)
		return ws_fail(db, w->id, r);
	ws_mark_running(db, w);
	return 0;
}

/* Remembers the GPUs held, for re-acquiring the same ones on start. */
static void
ws_remember_gpus(struct db *db, struct ws *w)
{
	json_t *gpus = NULL, *v;
	char *list = NULL, *specs;
	size_t i;

	if (gpu_allocated(db_sqlite(db), w->id, &gpus) != 0)
		return;
	json_array_foreach(gpus, i, v) {
		const char *u = json_string_value(json_object_get(v, "uuid"));
		char *nl = list ? xasprintf("%s,%s", list, u) : xstrdup(u);
		free(list);
		list = nl;
	}
	json_decref(gpus);
	if (list == NULL)
		return;
	json_object_set_new(w->spec, "last_gpus", json_string(list));
	free(list);
	specs = json_compact(w->spec);
	db_run(db, "UPDATE workspaces SET spec = ? WHERE id = ?", "ss", specs,
	    w->id);
	free(specs);
}

static int
ws_do_stop(struct app *app, struct db *db, struct ws *w)
{
	int r;

	if (strcmp(w->state, "stopped") == 0)
		return 0;
	if (strcmp(w->state, "running") != 0 && strcmp(w->state, "failed") != 0)
		return err_set(ERR_CONFLICT, "workspace '%s' is %s", w->name,
		    w->state);
	if (*w->container_id != '\0' &&
	    (r = rt_stop(app->rt, w->container_id, 10)) != 0 &&
	    r != ERR_NOTFOUND)
		return r;
	ws_remember_gpus(db, w);
	ws_gpu_free(db, w->id);
	db_run(db, "UPDATE workspaces SET state = 'stopped', stopped_at = ? "
	    "WHERE id = ?", "is", now_s(), w->id);
	return 0;
}

static int
ws_do_redeploy(struct app *app, struct db *db, struct ws *w,
    const char *actor)
{
	int r;

	if (strcmp(w->state, "creating") == 0 ||
	    strcmp(w->state, "deleting") == 0)
		return err_set(ERR_CONFLICT, "workspace '%s' is %s", w->name,
		    w->state);
	if (*w->container_id != '\0' &&
	    (r = rt_remove(app->rt, w->container_id, 1)) != 0)
		return r;
	db_run(db, "UPDATE workspaces SET container_id = '' WHERE id = ?", "s",
	    w->id);
	free(w->container_id);
	w->container_id = xstrdup("");
	if (strcmp(w->state, "running") == 0) {
		/* Keep the GPU: provision reads the current allocation. */
		if ((r = ws_provision(app, db, w, actor)) != 0)
			return ws_fail(db, w->id, r);
		ws_mark_running(db, w);
		return 0;
	}
	return ws_do_start(app, db, w, actor);
}

int
ws_action(struct app *app, struct db *db, const char *id, const char *action,
    const char *actor, const char *reason)
{
	pthread_mutex_t *lk = ws_lock(id);
	struct ws *w = NULL;
	char detail[256];
	int r;

	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	if (strcmp(action, "start") == 0)
		r = ws_do_start(app, db, w, actor);
	else if (strcmp(action, "stop") == 0)
		r = ws_do_stop(app, db, w);
	else if (strcmp(action, "restart") == 0) {
		if (strcmp(w->state, "running") == 0) {
			r = rt_restart(app->rt, w->container_id, 10);
			if (r == 0)
				(void)sup_host_wait(w->id, 2000);
			if (r == 0)
				db_run(db, "UPDATE workspaces SET started_at = ? "
				    "WHERE id = ?", "is", now_s(), w->id);
		} else
			r = ws_do_start(app, db, w, actor);
	} else if (strcmp(action, "redeploy") == 0)
		r = ws_do_redeploy(app, db, w, actor);
	else
		r = err_set(ERR_INVAL, "unknown action '%s'", action);
	snprintf(detail, sizeof detail, "reason=%s%s%s", reason ? reason :
	    "user", r ? " error=" : "", r ? err_msg() : "");
	{
		char msg[1024], act[64];
		snprintf(msg, sizeof msg, "%s", err_msg());
		snprintf(act, sizeof act, "workspace.%s", action);
		db_event(db, actor, act, id, r ? "error" : "ok", detail);
		if (r)
			err_set(r, "%s", msg);
	}
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
	return r;
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
		if ((r = ws_action(app, db, id, "start", actor, "connect")) != 0)
			return r;
		*started = 1;
		return 0;
	}
	ws_free(w);
	return 0;
}

int
ws_delete(struct app *app, struct db *db, const char *id, const char *actor)
{
	pthread_mutex_t *lk = ws_lock(id);
	struct ws *w = NULL;
	int r;

	if ((r = ws_get(db, id, &w)) != 0)
		goto out;
	ws_set_state(db, id, "deleting", NULL);
	if (*w->container_id != '\0' &&
	    (r = rt_remove(app->rt, w->container_id, 1)) != 0 &&
	    r != ERR_NOTFOUND) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		ws_set_state(db, id, w->state, w->error);
		r = err_set(r, "%s", msg);
		goto out;
	}
	db_event(db, actor, "workspace.delete", id, "ok", w->name);
	sup_host_remove(id);
	if ((r = db_begin(db)) != 0)
		goto out;
	ws_gpu_free(db, id);
	db_run(db, "DELETE FROM direct_ports WHERE workspace_id = ?", "s", id);
	if ((r = db_run(db, "DELETE FROM workspaces WHERE id = ?", "s", id))
	    != 0) {
		db_rollback(db);
		goto out;
	}
	r = db_commit(db);
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
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
		/* A new TTL counts from now. */
		r = db_run(db, "UPDATE workspaces SET ttl = ?, expires_at = ? "
		    "WHERE id = ?", "iis", ttl, ttl ? now_s() + ttl : 0, id);
	if (r == 0 && has_idle)
		r = db_run(db, "UPDATE workspaces SET idle_timeout = ? WHERE "
		    "id = ?", "is", idle, id);
	if (r == 0 && name != NULL && strcmp(name, w->name) != 0) {
		r = db_run(db, "UPDATE workspaces SET name = ? WHERE id = ?",
		    "ss", name, id);
		if (r == ERR_CONFLICT)
			r = err_set(ERR_CONFLICT, "you already have a workspace"
			    " named '%s'", name);
	}
	if (r != 0) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		db_rollback(db);
		r = err_set(r, "%s", msg);
		goto out;
	}
	r = db_commit(db);
	db_event(db, actor, "workspace.update", id, r ? "error" : "ok", "");
out:
	pthread_mutex_unlock(lk);
	ws_free(w);
	return r;
}

int
ws_list(struct app *app, struct db *db, const struct principal *who,
    const char *state, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if ((st = db_prep(db, "SELECT " WS_COLS " FROM workspaces WHERE "
	    "(? OR owner = ?) AND (? IS NULL OR state = ?) "
	    "ORDER BY created_at, name")) == NULL) {
		json_decref(arr);
		return ERR_INTERNAL;
	}
	db_bind(st, "isss", (int64_t)who->admin, who->user, state, state);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ws *w = ws_from_row(st);
		json_array_append_new(arr, ws_to_json(app, db, w));
		ws_free(w);
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}
