/* api-sessions.c: Sandman's session API, so its clients work unchanged:
 * a session is a direct-SSH workspace named after user_id and owned by a
 * user of that name (created when missing), with a fresh ed25519 key pair
 * whose private half is returned once and never stored. Admin key only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "timeutil.h"
#include "valid.h"
#include "ws-direct.h"
#include "ws.h"
#include "xmalloc.h"

static json_t *
session_json(struct app *app, struct db *db, const struct ws *w)
{
	json_t *full = ws_to_json(app, db, w), *o;
	json_t *gpu = json_object_get(full, "gpu");

	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:s}",
	    "session_id", w->id, "user_id", w->owner,
	    "container_id", w->container_id, "ssh_user", "dev",
	    "ssh_host", app->cfg.direct_ssh_address,
	    "ssh_port", json_object_get(json_object_get(full, "ssh"), "port"),
	    "gpu_uuid", json_is_object(gpu) ? json_object_get(gpu, "uuid") :
	    json_null(),
	    "created_at", json_object_get(full, "created_at"),
	    "expires_at", json_object_get(full, "expires_at"),
	    "state", w->state);
	json_decref(full);
	return o;
}

static int
ensure_user(struct app *app, struct db *db, const char *name)
{
	int r = db_run(db, "INSERT OR IGNORE INTO users (name, role, "
	    "max_workspaces, max_gpus, max_volume_gib, created_at) VALUES "
	    "(?, 'user', ?, ?, ?, ?)", "siiii", name,
	    (int64_t)app->cfg.quota_workspaces, (int64_t)app->cfg.quota_gpus,
	    (int64_t)app->cfg.quota_volume_gib, now_s());
	return r;
}

static int
sessions_create(struct req *r)
{
	static const char *const fields[] = { "user_id", "ttl_minutes",
	    "mig_profile", "mig_instance_uuid", "image", NULL };
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	const char *user, *profile, *uuid, *image;
	struct principal who;
	json_t *body = NULL, *create = NULL, *o;
	char *priv = NULL, *pub = NULL, *comment = NULL;
	struct ws *w = NULL;
	int64_t ttl = 0;
	int rc, has_ttl;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_req_str(body, "user_id", &user)) != 0 ||
	    (rc = valid_user_name("user_id", user)) != 0 ||
	    (rc = valid_dns_label("user_id", user)) != 0 ||
	    (rc = json_opt_int(body, "ttl_minutes", &ttl, &has_ttl)) != 0 ||
	    (rc = json_opt_str(body, "mig_profile", &profile)) != 0 ||
	    (rc = json_opt_str(body, "mig_instance_uuid", &uuid)) != 0 ||
	    (rc = json_opt_str(body, "image", &image)) != 0)
		goto out;
	if (profile != NULL && uuid != NULL) {
		rc = err_set(ERR_INVAL, "give mig_profile or mig_instance_uuid, "
		    "not both");
		goto out;
	}
	if (has_ttl && (ttl < 0 || ttl > 10LL * 366 * 24 * 60)) {
		rc = err_set(ERR_INVAL, "ttl_minutes must be 0 or more");
		goto out;
	}
	if ((rc = ensure_user(app, db, user)) != 0)
		goto out;
	create = json_pack("{s:s,s:s,s:b,s:I}", "name", user, "ssh", "direct",
	    "wait", 1, "ttl", (json_int_t)(ttl * 60));
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

/* The direct-mode workspaces, as sessions; ids only when idsp. */
static json_t *
sessions_all(struct req *r)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if ((st = db_prep(db, "SELECT id FROM workspaces WHERE ssh_mode = "
	    "'direct' ORDER BY created_at")) == NULL)
		return arr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ws *w = NULL;
		if (ws_get(db, (const char *)sqlite3_column_text(st, 0), &w)
		    == 0)
			json_array_append_new(arr, session_json(req_app(r), db,
			    w));
		ws_free(w);
	}
	sqlite3_finalize(st);
	return arr;
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

const struct route api_sessions_routes[] = {
	{ "POST", "/sessions", sessions_create, ROUTE_ADMIN, "Sandman: create "
	    "a direct-SSH session {user_id, ttl_minutes, mig_profile | "
	    "mig_instance_uuid, image}; the private key is returned once" },
	{ "GET", "/sessions", sessions_list, ROUTE_ADMIN, "Sandman: sessions" },
	{ "GET", "/sessions/{id}", sessions_get, ROUTE_ADMIN,
	    "Sandman: one session" },
	{ "DELETE", "/sessions/{id}", sessions_delete, ROUTE_ADMIN,
	    "Sandman: delete a session" },
	{ "DELETE", "/sessions", sessions_delete_all, ROUTE_ADMIN,
	    "Sandman: delete every session" },
	{ NULL, NULL, NULL, 0, NULL }
};
