/* compat-sandman.c: Sandman's API, so its clients work unchanged: its
 * /gpus, /gpus/profiles and /gpus/available shapes, and its sessions:
 * a session is a direct-SSH workspace named after user_id and owned by a
 * user of that name (created when missing; a user_id that is not a valid
 * berth name, like "test_user_1", maps to one deterministically and is
 * kept to answer with), with the user's volume "workspace" at /workspace
 * as its working directory and a fresh ed25519 key pair whose private
 * half is returned once and never stored. Admin key only. docs/sandman.md
 * lists where this differs from Sandman. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "http.h"
#include "json-util.h"
#include "rt.h"
#include "timeutil.h"
#include "valid.h"
#include "ssh-direct.h"
#include "ws.h"
#include "xmalloc.h"

#define SESSION_WORKSPACE	"/workspace"

/* The container's address on the workspace network ("" when none). */
static json_t *
container_ip(struct app *app, const struct ws *w)
{
	json_t *insp = NULL, *nets, *n, *ip = NULL;
	const char *k;

	if (*w->container_id == '\0' ||
	    rt_inspect_json(app->rt, w->container_id, &insp) != 0)
		return json_string("");
	nets = json_object_get(json_object_get(insp, "NetworkSettings"),
	    "Networks");
	if ((n = json_object_get(nets, app->cfg.network)) == NULL)
		json_object_foreach(nets, k, n)
			break;
	if (json_is_string(json_object_get(n, "IPAddress")))
		ip = json_copy(json_object_get(n, "IPAddress"));
	json_decref(insp);
	return ip != NULL ? ip : json_string("");
}

/* Sandman's session: its CreateResponse fields and its stored Session's
 * (id, container_ip, status, ttl_minutes, metadata). */
static json_t *
session_json(struct app *app, struct db *db, const struct ws *w)
{
	json_t *full = ws_to_json(app, db, w), *o;
	json_t *gpu = json_object_get(full, "gpu");
	json_t *port = json_object_get(json_object_get(full, "ssh"), "port");
	const char *uid = json_string_value(json_object_get(w->spec,
	    "sandman_user_id"));
	char portstr[16];

	snprintf(portstr, sizeof portstr, "%lld",
	    (long long)json_integer_value(port));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:s,s:s,"
	    "s:I,s:o,s:{s:s,s:s,s:s,s:s}}",
	    "session_id", w->id, "id", w->id, "user_id", uid ? uid : w->owner,
	    "container_id", w->container_id, "ssh_user", "dev",
	    "ssh_host", app->cfg.direct_ssh_address, "ssh_port", port,
	    "gpu_uuid", json_is_object(gpu) ? json_object_get(gpu, "uuid") :
	    json_null(),
	    "created_at", json_object_get(full, "created_at"),
	    "expires_at", json_object_get(full, "expires_at"),
	    "state", w->state, "status", w->state,
	    "ttl_minutes", (json_int_t)(w->ttl / 60),
	    "container_ip", container_ip(app, w),
	    "metadata", "ssh_port", portstr, "ssh_user", "dev",
	    "workspace", SESSION_WORKSPACE, "image", w->image);
	json_decref(full);
	return o;
}

/* Sandman's user_id as a berth user name: itself when valid, else a
 * deterministic valid name (lowercase, other characters as '-') with a
 * hash of the original, so "test_user_1" and "test-user-1" stay apart. */
static int
session_user(const char *uid, char *out, size_t outsz)
{
	uint32_t h = 2166136261u;
	size_t n = strlen(uid), o = 0;

	if (n == 0)
		return err_set(ERR_INVAL, "user_id is required");
	if (n > 64)
		return err_set(ERR_INVAL, "user_id is longer than 64 "
		    "characters");
	for (size_t i = 0; i < n; i++) {
		char c = uid[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '.' || c == '@'))
			return err_set(ERR_INVAL, "user_id '%.64s' has a "
			    "character other than letters, digits, '_', '-', "
			    "'.' and '@'", uid);
	}
	if (valid_user_name("user_id", uid) == 0 &&
	    valid_dns_label("user_id", uid) == 0) {
		snprintf(out, outsz, "%s", uid);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)uid[i]) * 16777619u;
	if (!(uid[0] >= 'a' && uid[0] <= 'z') &&
	    !(uid[0] >= 'A' && uid[0] <= 'Z'))
		out[o++] = 'u';
	for (size_t i = 0; i < n && o < 22; i++) {
		char c = uid[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && o > 0 && out[o - 1] == '-')
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	snprintf(out + o, outsz - o, "-%08x", h);
	return 0;
}

static int
ensure_user(struct app *app, struct db *db, const char *name)
{
	return db_user_add(db, name, "user", app->cfg.quota_workspaces,
	    app->cfg.quota_gpus, app->cfg.quota_volume_gib, 1);
}

static int
sessions_create(struct req *r)
{
	static const char *const fields[] = { "user_id", "ttl_minutes",
	    "mig_profile", "mig_instance_uuid", "image", NULL };
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	const char *uid, *profile, *uuid, *image;
	char user[40];
	struct principal who;
	json_t *body = NULL, *create = NULL, *o;
	char *priv = NULL, *pub = NULL, *comment = NULL;
	struct ws *w = NULL;
	int64_t ttl = 0;
	int rc, has_ttl;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_req_str(body, "user_id", &uid)) != 0 ||
	    (rc = session_user(uid, user, sizeof user)) != 0 ||
	    (rc = json_opt_int(body, "ttl_minutes", &ttl, &has_ttl)) != 0 ||
	    (rc = json_opt_str(body, "mig_profile", &profile)) != 0 ||
	    (rc = json_opt_str(body, "mig_instance_uuid", &uuid)) != 0 ||
	    (rc = json_opt_str(body, "image", &image)) != 0)
		goto out;
	if (profile != NULL && uuid != NULL) {
		rc = err_set(ERR_INVAL, "give mig_profile or "
		    "mig_instance_uuid, not both");
		goto out;
	}
	if (has_ttl && (ttl < 0 || ttl > 10LL * 366 * 24 * 60)) {
		rc = err_set(ERR_INVAL, "ttl_minutes must be 0 or more");
		goto out;
	}
	if ((rc = ensure_user(app, db, user)) != 0)
		goto out;
	/* Sandman's /workspace: the user's volume "workspace" (kept across
	 * sessions, as Sandman keeps its per-user directory), the working
	 * directory. */
	create = json_pack("{s:s,s:s,s:b,s:I,s:s,s:[{s:s,s:s}]}", "name", user,
	    "ssh", "direct", "wait", 1, "ttl", (json_int_t)(ttl * 60),
	    "workdir", SESSION_WORKSPACE, "volumes", "name", "workspace",
	    "mount", SESSION_WORKSPACE);
	if (profile != NULL || uuid != NULL)
		json_object_set_new(create, "gpu", json_string(profile ?
		    profile : uuid));
	if (image != NULL)
		json_object_set_new(create, "image", json_string(image));
	comment = xasprintf("berth-session-%s", user);
	if ((rc = direct_keypair(comment, &priv, &pub)) != 0)
		goto out;
	memset(&who, 0, sizeof who);
	snprintf(who.user, sizeof who.user, "%s", user);
	if ((rc = ws_create_ex(app, db, &who, create, pub, &w)) != 0)
		goto out;
	if (strcmp(uid, user) != 0) {
		/* Keep Sandman's user_id to answer with. */
		db_ws_spec_str(db, w->id, "sandman_user_id", uid);
		json_object_set_new(w->spec, "sandman_user_id",
		    json_string(uid));
	}
	db_event(db, req_who(r)->user, "session.create", w->id, "ok", user);
	o = session_json(app, db, w);
	json_object_set_new(o, "ssh_private_key", json_string(priv));
	rc = reply_json(r, 201, o);
out:
	if (priv != NULL)
		explicit_bzero(priv, strlen(priv));
	free(priv);
	free(pub);
	free(comment);
	ws_free(w);
	json_decref(create);
	json_decref(body);
	return rc;
}

struct sess_ctx {
	struct app	*app;
	struct db	*db;
	json_t		*arr;
};

static void
session_one(void *arg, const struct ws *w)
{
	struct sess_ctx *c = arg;

	json_array_append_new(c->arr, session_json(c->app, c->db, w));
}

/* The direct-mode workspaces, as sessions. */
static json_t *
sessions_all(struct req *r)
{
	struct db_ws_filter f = { 1, NULL, NULL, "direct" };
	struct sess_ctx c = { req_app(r), req_db(r), json_array() };

	db_ws_each(req_db(r), &f, session_one, &c);
	return c.arr;
}

static int
sessions_list(struct req *r)
{
	return reply_json(r, 200, sessions_all(r));
}

static int
session_find(struct req *r, struct ws **out)
{
	int rc;

	if ((rc = ws_resolve(req_db(r), req_who(r), req_param(r, "id"), out))
	    != 0)
		return rc;
	if (strcmp((*out)->ssh_mode, "direct") != 0) {
		ws_free(*out);
		*out = NULL;
		return err_set(ERR_NOTFOUND, "no session '%.64s'",
		    req_param(r, "id"));
	}
	return 0;
}

static int
sessions_get(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = session_find(r, &w)) != 0)
		return rc;
	rc = reply_json(r, 200, session_json(req_app(r), req_db(r), w));
	ws_free(w);
	return rc;
}

static int
sessions_delete(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = session_find(r, &w)) != 0)
		return rc;
	rc = ws_delete(req_app(r), req_db(r), w->id, req_who(r)->user);
	ws_free(w);
	if (rc != 0)
		return rc;
	return reply_json(r, 200, json_pack("{s:s}", "message",
	    "session deleted"));
}

static int
sessions_delete_all(struct req *r)
{
	json_t *all = sessions_all(r), *s;
	size_t i;
	int n = 0, failed = 0;

	json_array_foreach(all, i, s) {
		if (ws_delete(req_app(r), req_db(r), json_string_value(
		    json_object_get(s, "session_id")), req_who(r)->user) == 0)
			n++;
		else
			failed++;
	}
	json_decref(all);
	if (failed)
		return err_set(ERR_BACKEND, "deleted %d sessions, %d failed",
		    n, failed);
	return reply_json(r, 200, json_pack("{s:s,s:i}", "message",
	    "all sessions deleted", "deleted", n));
}

/* Sandman's profile object {name, compute_size, memory_size} from
 * "3g.20gb" (compute_size 3, memory_size 20). */
static json_t *
sandman_profile(const char *name)
{
	const char *g, *p;
	long gs = 0, gb = 0;

	if ((g = strstr(name, "g.")) != NULL) {
		for (p = g; p > name && p[-1] >= '0' && p[-1] <= '9'; p--)
			;
		gs = strtol(p, NULL, 10);
		gb = strtol(g + 2, NULL, 10);
	}
	return json_pack("{s:s, s:i, s:i}", "name", name, "compute_size",
	    (int)gs, "memory_size", (int)gb);
}

static json_t *
sandman_instance(json_t *d)
{
	return json_pack("{s:O, s:o, s:b, s:O}", "uuid",
	    json_object_get(d, "uuid"), "profile", sandman_profile(
	    json_string_value(json_object_get(d, "profile"))), "in_use",
	    json_is_true(json_object_get(d, "allocated")), "device_index",
	    json_object_get(d, "index"));
}

/* GET /gpus: {"gpus": [{index, uuid, name, mig_enabled, instances}],
 * "count"}. */
static int
sandman_gpus(struct req *r)
{
	json_t *devs, *gpus, *d, *g = NULL;
	size_t i;

	devs = db_gpu_view_devices(req_db(r), gpu_host_nvml(),
	    req_who(r)->user, 1);
	gpus = json_array();
	json_array_foreach(devs, i, d) {
		if (!json_is_true(json_object_get(d, "present")))
			continue;
		if (strcmp(json_string_value(json_object_get(d, "kind")),
		    "gpu") == 0) {
			g = json_pack("{s:O, s:O, s:O, s:O, s:[]}", "index",
			    json_object_get(d, "index"), "uuid",
			    json_object_get(d, "uuid"), "name",
			    json_object_get(d, "model"), "mig_enabled",
			    json_object_get(d, "mig_enabled"), "instances");
			json_array_append_new(gpus, g);
		} else if (g != NULL && strcmp(json_string_value(
		    json_object_get(g, "uuid")), json_string_value(
		    json_object_get(d, "parent_uuid"))) == 0)
			json_array_append_new(json_object_get(g, "instances"),
			    sandman_instance(d));
	}
	json_decref(devs);
	return reply_json(r, 200, json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(gpus), "gpus", gpus));
}

/* GET /gpus/profiles: {"profiles": ["1g.10gb", …]}, the MIG profiles
 * present on this host. */
static int
sandman_profiles(struct req *r)
{
	json_t *types, *t, *out;
	size_t i;

	types = db_gpu_view_types(req_db(r));
	out = json_array();
	json_array_foreach(types, i, t) {
		if (json_is_string(json_object_get(t, "profile")))
			json_array_append(out, json_object_get(t, "profile"));
	}
	json_decref(types);
	return reply_json(r, 200, json_pack("{s:o}", "profiles", out));
}

/* GET /gpus/available: {"available_instances": [...], "count"}: free MIG
 * instances. */
static int
sandman_available(struct req *r)
{
	json_t *avail, *d, *out, *o;
	size_t i;

	avail = db_gpu_view_available(req_db(r));
	out = json_array();
	json_array_foreach(avail, i, d) {
		if (!json_is_string(json_object_get(d, "profile")))
			continue;
		o = sandman_instance(d);
		json_object_set_new(o, "in_use", json_false());
		json_array_append_new(out, o);
	}
	json_decref(avail);
	return reply_json(r, 200, json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(out), "available_instances", out));
}

const struct route compat_sandman_routes[] = {
	{ "POST", "/sessions", sessions_create, ROUTE_ADMIN | ROUTE_FULL,
	    "Sandman: create a direct-SSH session {user_id, ttl_minutes, "
	    "mig_profile | mig_instance_uuid, image}; the private key is "
	    "returned once" },
	{ "GET", "/sessions", sessions_list, ROUTE_ADMIN | ROUTE_FULL,
	    "Sandman: sessions" },
	{ "GET", "/sessions/{id}", sessions_get, ROUTE_ADMIN | ROUTE_FULL,
	    "Sandman: one session" },
	{ "DELETE", "/sessions/{id}", sessions_delete, ROUTE_ADMIN | ROUTE_FULL,
	    "Sandman: delete a session" },
	{ "DELETE", "/sessions", sessions_delete_all, ROUTE_ADMIN | ROUTE_FULL,
	    "Sandman: delete every session" },
	{ "GET", "/gpus", sandman_gpus, ROUTE_ADMIN | ROUTE_READ, "Sandman: "
	    "GPUs with their MIG instances" },
	{ "GET", "/gpus/profiles", sandman_profiles, ROUTE_ADMIN | ROUTE_READ,
	    "Sandman: MIG profiles on this host" },
	{ "GET", "/gpus/available", sandman_available, ROUTE_ADMIN | ROUTE_READ,
	    "Sandman: free MIG instances" },
	{ NULL, NULL, NULL, 0, NULL }
};
