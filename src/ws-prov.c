/* ws-prov.c: the engine side of a workspace record: its network,
 * volumes (a new volume's root handed to the workspace user), container
 * built from the record and started. Called by the transitions in
 * ws-life.c under the workspace's lock. Any thread. */
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "json-util.h"
#include "log.h"
#include "rt.h"
#include "ssh-keydb.h"
#include "sup-host.h"
#include "timeutil.h"
#include "vol-loop.h"
#include "ws.h"
#include "ssh-direct.h"
#include "ws-int.h"
#include "xmalloc.h"

char *
ws_container_name(const char *id)
{
	return xasprintf("berth-%s", id);
}

static int network_ready;

int
ws_network_ensure(struct app *app)
{
	int r;

	if (__atomic_load_n(&network_ready, __ATOMIC_ACQUIRE))
		return 0;
	if ((r = rt_network_ensure(app->rt, app->cfg.network)) == 0)
		__atomic_store_n(&network_ready, 1, __ATOMIC_RELEASE);
	return r;
}

/* berth-sup goes into the container (docs/exec.md): its binary and run
 * directory bound in, in front of the image's command, its key in the
 * environment (it drops it before starting anything). Without it the
 * workspace runs processes through the engine's exec. */
static void
sup_attach(const struct ws *w, struct rt_spec *spec, struct rt_bind *binds,
    const char **env, size_t *nenv, char **owned, int *nowned)
{
	static const char *const entry[] = { SUP_MOUNT_BIN, "--", NULL };
	const char *bin = sup_host_binary();
	char secret[65], *dir = NULL;

	if (bin == NULL)
		return;
	if (sup_host_prepare(w->id, spec->user, &dir, secret) != 0) {
		log_warn("workspace %s: no supervisor: %s", w->id, err_msg());
		return;
	}
	binds[0] = (struct rt_bind){ bin, SUP_MOUNT_BIN, 1, 0 };
	binds[1] = (struct rt_bind){ dir, SUP_MOUNT_RUN, 0, 1 };
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
int
ws_gpu_resource(const char *req, char *kind, size_t ksize, int *count)
{
	char *end;
	long n;

	*count = 0;
	if (req == NULL || *req == '\0')
		return 0;
	if (strcmp(req, "any") == 0)
		req = "1";
	n = strtol(req, &end, 10);
	if (*end == '\0' && n > 0 && n <= 16) {
		snprintf(kind, ksize, "%s", RT_GPU_RESOURCE);
		*count = (int)n;
		return 0;
	}
	/* A MIG profile, "1g.10gb": node resource MIG_1g_10gb (the engine
	 * hands it to the container as DOCKER_RESOURCE_MIG_1G_10GB; shells
	 * drop names with '-' or '.'). */
	if (strchr(req, 'g') != NULL && strchr(req, '.') != NULL &&
	    strlen(req) < 24 && strspn(req, "0123456789gb.") ==
	    strlen(req)) {
		snprintf(kind, ksize, "MIG_%s", req);
		for (char *p = kind; *p; p++)
			if (*p == '.')
				*p = '_';
		*count = 1;
		return 0;
	}
	return err_set(ERR_UNSAT, "gpu '%s': on a cluster ask for a count "
	    "(\"1\", \"2\") or a MIG profile (\"1g.10gb\"); the engine "
	    "picks the device", req);
}

static int
ws_container_create(struct app *app, struct db *db, struct ws *w,
    json_t *gpus, char **cidp)
{
	char gkind[32];
	int gcount = 0;

	struct rt_spec spec;
	struct rt_mount mounts[16];
	struct rt_bind binds[2];
	struct rt_port direct_port;
	const char *env[80], *cmd[130], *gpu_uuids[17];
	char *owned[120];
	int nowned = 0, r;
	size_t nenv = 0, nmounts = 0, ncmd = 0, ngpu = 0, i;
	json_t *v, *vols, *command;
	const char *k;

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
		if (u != NULL && ngpu < 16)
			gpu_uuids[ngpu++] = u;
	}
	gpu_uuids[ngpu] = NULL;
	if (ngpu > 0) {
		spec.gpu_uuids = gpu_uuids;
		spec.gpu_attach = strcmp(app->cfg.gpu_attach, "nvidia") == 0 ?
		    RT_GPU_RUNTIME : RT_GPU_ENV;
	}
	/* A scheduling backend places GPUs itself: ask for kind and count. */
	if (*w->gpu_request != '\0' &&
	    (rt_caps(app->rt) & RT_CAP_SCHEDULES_GPUS) &&
	    (r = ws_gpu_resource(w->gpu_request, gkind, sizeof gkind,
	    &gcount)) != 0)
		return r;
	if (gcount > 0) {
		spec.gpu_resource = gkind;
		spec.gpu_count = gcount;
	}
	env[nenv] = NULL;
	spec.installation = app->instance;
	spec.workspace_id = w->id;
	spec.owner = w->owner;
	spec.ws_name = w->name;
	spec.log_max_size = app->cfg.log_max_size;
	spec.log_max_files = app->cfg.log_max_files;
	spec.disk = app->cfg.container_disk;
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
	owned[nowned] = ws_container_name(w->id);
	spec.name = owned[nowned++];
	spec.image = w->image;
	spec.env = env;
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

/* A new volume's root belongs to root (0755), and the workspace runs as
 * its user without CAP_CHOWN, so on first use the backend hands the root
 * of the volume to the workspace user. Failure is logged, not fatal: the
 * workspace still starts. */
static void
ws_volume_prepare(struct app *app, struct db *db, struct ws *w, json_t *v)
{
	const char *volid = json_string_value(json_object_get(v, "volume_id"));
	const char *user = json_string_value(json_object_get(w->spec, "user"));
	const char *backend = json_string_value(json_object_get(v,
	    "backend"));
	int r;

	if (db_vol_prepared(db, volid) || user == NULL ||
	    strcmp(user, "0") == 0 ||
	    strncmp(user, "0:", 2) == 0)
		return;
	/* A loop-mounted volume is a directory here: no helper needed. */
	if ((r = vol_chown_root(app, backend, user)) == 1)
		r = rt_volume_chown(app->rt, backend, user, w->image,
		    app->instance, w->id);
	if (r == 0)
		db_vol_set_prepared(db, volid);
	else
		log_warn("volume %s: could not give its root to %s: %s", volid,
		    user, err_msg());
}

int
ws_provision(struct app *app, struct db *db, struct ws *w, json_t *held,
    int record)
{
	char *cid = NULL;
	json_t *gpus = NULL, *v;
	size_t i;
	int r;

	if ((r = ws_network_ensure(app)) != 0)
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
	if (held != NULL)
		gpus = json_incref(held);
	else
		db_gpu_allocated(db, w->id, &gpus);
	r = ws_container_create(app, db, w, gpus, &cid);
	json_decref(gpus);
	if (r != 0)
		return r;
	if ((record && (r = db_ws_set_container(db, w->id, cid)) != 0) ||
	    (strcmp(w->ssh_mode, "direct") == 0 &&
	    (r = direct_prepare(app, db, w->owner, w->spec, cid)) != 0) ||
	    (r = rt_start(app->rt, cid)) != 0) {
		struct err_saved msg;
		err_save(&msg);
		rt_remove(app->rt, cid, 1);
		if (record)
			db_ws_set_container(db, w->id, "");
		free(cid);
		return err_restore(r, &msg);
	}
	free(w->container_id);
	w->container_id = cid;
	return 0;
}

