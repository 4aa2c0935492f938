/* ws.c: workspace records as the API sees them: lookup by reference,
 * JSON, listing, activity. Creation and PATCH are ws-create.c, the state
 * machine ws-life.c, the records themselves the store (db-ws.c). Any
 * thread, each with its own store connection. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "json-util.h"
#include "log.h"
#include "timeutil.h"
#include "valid.h"
#include "ws.h"
#include "ws-int.h"
#include "sup-host.h"
#include "xmalloc.h"

/* Transitions of one workspace are serialised by a striped lock. */
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
ws_lock_of(const char *id)
{
	unsigned h = 5381;

	pthread_once(&ws_locks_once, ws_locks_init);
	for (const char *p = id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	return &ws_locks[h % NLOCKS];
}

pthread_mutex_t *
ws_lock(const char *id)
{
	pthread_mutex_t *lk = ws_lock_of(id);

	pthread_mutex_lock(lk);
	return lk;
}

pthread_mutex_t *
ws_trylock(const char *id)
{
	pthread_mutex_t *lk = ws_lock_of(id);

	return pthread_mutex_trylock(lk) == 0 ? lk : NULL;
}

int
ws_get(struct db *db, const char *id, struct ws **out)
{
	return db_ws_get(db, id, out);
}

static int ws_resolve1(struct db *, const struct principal *, const char *,
    struct ws **);

/* A key limited to some workspaces resolves only those (403 naming
 * them, so an agent sees why). */
int
ws_resolve(struct db *db, const struct principal *who, const char *ref,
    struct ws **out)
{
	int r;

	if ((r = ws_resolve1(db, who, ref, out)) != 0)
		return r;
	if (!auth_ws_ok(who, (*out)->id, (*out)->name)) {
		r = auth_require(who, 0, (*out)->id, (*out)->name);
		ws_free(*out);
		*out = NULL;
		return r;
	}
	return 0;
}

static int
ws_resolve1(struct db *db, const struct principal *who, const char *ref,
    struct ws **out)
{
	struct ws *found = NULL, **v = NULL;
	char cands[512] = "";
	size_t reflen, nv = 0;
	int n = 0, r = 0;

	*out = NULL;
	if (ref == NULL || (reflen = strlen(ref)) == 0 || reflen > 64)
		return err_set(ERR_NOTFOUND, "no workspace '%.64s'",
		    ref ? ref : "");
	/* A name of the caller's own first: names are unique per owner. */
	if ((r = db_ws_by_name(db, who->user, ref, &found)) == 0) {
		*out = found;
		return 0;
	}
	if (r != ERR_NOTFOUND)
		return r;
	r = 0;
	/* Then an id or id prefix (>= 4 chars), among what who may see. */
	for (size_t i = 0; i < reflen; i++)
		if (!((ref[i] >= '0' && ref[i] <= '9') ||
		    (ref[i] >= 'a' && ref[i] <= 'f') || ref[i] == '-'))
			goto byname;
	if (reflen < 4)
		goto byname;
	if ((r = db_ws_by_prefix(db, ref, who->admin, who->user, 11, &v, &nv))
	    != 0)
		return r;
	for (size_t i = 0; i < nv; i++) {
		struct ws *w = v[i];
		size_t l = strlen(cands);
		v[i] = NULL;
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
	for (size_t i = 0; i < nv; i++)
		ws_free(v[i]);
	free(v);
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
		if (db_ws_by_name(db, owner, slash + 1, &found) == 0) {
			*out = found;
			return 0;
		}
	}
	return err_set(ERR_NOTFOUND, "no workspace '%.64s'", ref);
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
	long v;
	char *end;

	v = strtol(colon ? colon + 1 : addr, &end, 10);
	return *end == '\0' && v > 0 && v < 65536 ? (int)v : 0;
}

/* A running workspace that a cluster has yet to place, or whose node is
 * down, shows as "pending" or "unavailable" (error says why). */
static const char *
shown_state(const struct ws *w)
{
	if (strcmp(w->state, "running") != 0)
		return w->state;
	if (strncmp(w->error, "pending: ", 9) == 0)
		return "pending";
	if (strncmp(w->error, "unavailable: ", 13) == 0)
		return "unavailable";
	return w->state;
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

/* activity {last_at, source, open} and idle {timeout, quiet_since,
 * stops_at} into o (SPEC §3 "activity"): the store's record merged with
 * what memory noted since the last flush (activity.h). Returns the last
 * activity moment. */
static int64_t
activity_json(const struct ws *w, json_t *o)
{
	int64_t last = w->last_activity_at, mem, quiet;
	const char *src = *w->activity_source ? w->activity_source : NULL;
	json_t *open = json_array();
	unsigned held;
	int msrc;

	activity_peek(w->id, &mem, &msrc, &held);
	if (mem > last || (mem == last && msrc >= 0 && src == NULL)) {
		last = mem;
		src = activity_source_name(msrc);
	}
	for (int s = 0; s < ACT_NSOURCES; s++)
		if (held & (1u << s))
			json_array_append_new(open, json_string(
			    activity_source_name(s)));
	json_object_set_new(o, "activity", json_pack("{s:o,s:o,s:o}",
	    "last_at", time_json(last), "source", src ? json_string(src) :
	    json_null(), "open", open));
	/* Quiet since the last moment, unless something is open now; it
	 * stops (while running) a timeout later. A busy GPU counts too
	 * (the lifecycle loop looks when the time comes). */
	quiet = held || strcmp(w->state, "running") != 0 ? 0 : last;
	json_object_set_new(o, "idle", json_pack("{s:I,s:o,s:o}", "timeout",
	    (json_int_t)w->idle_timeout, "quiet_since", time_json(quiet),
	    "stops_at", time_json(quiet && w->idle_timeout > 0 ? quiet +
	    w->idle_timeout : 0)));
	return last;
}

json_t *
ws_to_json(struct app *app, struct db *db, const struct ws *w)
{
	json_t *o, *gpu = json_null(), *ssh, *allocs = NULL;
	const char *host = ws_public_host(app);
	char *cmd, *mem, *url;
	int port;

	if (w->gpus != NULL)
		allocs = json_incref(w->gpus);
	else if (db_gpu_allocated(db, w->id, &allocs) != 0)
		allocs = NULL;
	if (json_array_size(allocs) > 0) {
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
		    "user", w->name, "host", host, "port", port, "command",
		    cmd);
	}
	free(cmd);
	mem = size_str(w->memory);
	url = xasprintf("http://%s:%d/#/workspaces/%s", host,
	    listen_port(app->cfg.listen), w->id);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:f,s:s,s:I}",
	    "id", w->id, "name", w->name, "owner", w->owner,
	    "template", w->template, "image", w->image, "state",
	    shown_state(w),
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
	    time_json(activity_json(w, o)));
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
	db_ws_touch(db, id);
}


char *
ws_volume_backend(const char *owner, const char *name, const char *id)
{
	/* Owner names have no '.', so owner.name is unambiguous; the id
	 * keeps two installations on one engine apart. */
	return xasprintf("berth-%s.%s.%.8s", owner, name, id);
}


struct list_ctx {
	struct app		*app;
	struct db		*db;
	const struct principal	*who;
	json_t			*arr;
};

static void
list_one(void *arg, const struct ws *w)
{
	struct list_ctx *c = arg;

	if (!auth_ws_ok(c->who, w->id, w->name))
		return;		/* a key limited to other workspaces */
	json_array_append_new(c->arr, ws_to_json(c->app, c->db, w));
}

int
ws_list(struct app *app, struct db *db, const struct principal *who,
    const char *state, json_t **out)
{
	struct db_ws_filter f = { who->admin, who->user, state, NULL };
	struct list_ctx c = { app, db, who, json_array() };
	int r;

	if ((r = db_ws_each(db, &f, list_one, &c)) != 0) {
		json_decref(c.arr);
		return r;
	}
	*out = c.arr;
	return 0;
}
