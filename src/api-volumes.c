/* api-volumes.c: a user's named persistent volumes (Docker named volumes
 * owned by the user, labelled). The size is the quota's unit; the local
 * volume driver does not enforce it on disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "rt.h"
#include "timeutil.h"
#include "valid.h"
#include "vol-loop.h"
#include "ws.h"
#include "xmalloc.h"

#define VOL_COLS "v.id, v.name, v.owner, v.backend_name, v.size_gib, " \
	"v.created_at"

static json_t *
vol_json(struct db *db, sqlite3_stmt *row)
{
	sqlite3_stmt *st;
	json_t *used = json_array();
	char created[40];

	rfc3339(sqlite3_column_int64(row, 5), created, sizeof created);
	if ((st = db_prep(db, "SELECT w.name, w.id, wv.mount FROM ws_volumes wv"
	    " JOIN workspaces w ON w.id = wv.workspace_id WHERE "
	    "wv.volume_id = ?")) != NULL) {
		db_bind(st, "s", (const char *)sqlite3_column_text(row, 0));
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(used, json_pack("{s:s,s:s,s:s}",
			    "workspace", sqlite3_column_text(st, 0),
			    "workspace_id", sqlite3_column_text(st, 1),
			    "mount", sqlite3_column_text(st, 2)));
		sqlite3_finalize(st);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:o}",
	    "id", sqlite3_column_text(row, 0),
	    "name", sqlite3_column_text(row, 1),
	    "owner", sqlite3_column_text(row, 2),
	    "backend_name", sqlite3_column_text(row, 3),
	    "size_gib", sqlite3_column_int(row, 4),
	    "created_at", created, "used_by", used);
}

/* Finds {id} (id, prefix >= 4, or the caller's volume name). */
static int
vol_find(struct req *r, char **idp)
{
	struct db *db = req_db(r);
	const struct principal *who = req_who(r);
	const char *ref = req_param(r, "id");
	sqlite3_stmt *st;
	char like[80];
	int n = 0;

	*idp = NULL;
	if ((st = db_prep(db, "SELECT id FROM volumes WHERE owner = ? AND "
	    "name = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", who->user, ref);
	if (sqlite3_step(st) == SQLITE_ROW)
		*idp = db_col_str(st, 0);
	sqlite3_finalize(st);
	if (*idp != NULL)
		return 0;
	if (strlen(ref) < 4 || strlen(ref) > 36)
		return err_set(ERR_NOTFOUND, "no volume '%.64s'", ref);
	snprintf(like, sizeof like, "%s%%", ref);
	if ((st = db_prep(db, "SELECT id FROM volumes WHERE id LIKE ? AND "
	    "(? OR owner = ?) LIMIT 2")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "sis", like, (int64_t)who->admin, who->user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ == 0)
			*idp = db_col_str(st, 0);
	}
	sqlite3_finalize(st);
	if (n == 1)
		return 0;
	xfreep(idp);
	if (n > 1)
		return err_set(ERR_CONFLICT, "volume reference '%.64s' is "
		    "ambiguous", ref);
	return err_set(ERR_NOTFOUND, "no volume '%.64s'", ref);
}

static int
vol_reply(struct req *r, int status, const char *id)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = db_prep(db, "SELECT " VOL_COLS " FROM volumes v WHERE "
	    "v.id = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = vol_json(db, st);
	sqlite3_finalize(st);
	if (o == NULL)
		return err_set(ERR_NOTFOUND, "no volume '%.64s'", id);
	return reply_json(r, status, o);
}

static int
vol_list(struct req *r)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if ((st = db_prep(db, "SELECT " VOL_COLS " FROM volumes v WHERE "
	    "(? OR v.owner = ?) ORDER BY v.owner, v.name")) == NULL) {
		json_decref(arr);
		return ERR_INTERNAL;
	}
	db_bind(st, "is", (int64_t)req_who(r)->admin, req_who(r)->user);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, vol_json(db, st));
	sqlite3_finalize(st);
	return reply_json(r, 200, arr);
}

/* "size": "20g" or "size_gib": 20 -> GiB. */
static int
vol_size(const json_t *body, int64_t *gib, int *present)
{
	const char *s;
	int64_t bytes;
	int r, p;

	*present = 0;
	if ((r = json_opt_int(body, "size_gib", gib, &p)) != 0)
		return r;
	if (p)
		*present = 1;
	if ((r = json_opt_str(body, "size", &s)) != 0)
		return r;
	if (s != NULL) {
		if (size_parse(s, &bytes) != 0)
			return err_set(ERR_INVAL, "size must look like \"20g\"");
		*gib = (bytes + (1LL << 30) - 1) >> 30;
		*present = 1;
	}
	if (*present && (*gib < 1 || *gib > 100000))
		return err_set(ERR_INVAL, "size must be 1-100000 GiB");
	return 0;
}

static int
vol_create(struct req *r)
{
	static const char *const fields[] = { "name", "size", "size_gib", NULL };
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	const char *user = req_who(r)->user, *name, *labels[4];
	json_t *body = NULL;
	int64_t gib = 10, used = 0, quota = app->cfg.quota_volume_gib;
	char id[40], *backend = NULL, *l1 = NULL, *l2 = NULL, *l3 = NULL;
	sqlite3_stmt *st;
	int rc, present;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_req_str(body, "name", &name)) != 0 ||
	    (rc = valid_dns_label("name", name)) != 0 ||
	    (rc = vol_size(body, &gib, &present)) != 0)
		goto out;
	if ((rc = db_begin(db)) != 0)
		goto out;
	if ((st = db_prep(db, "SELECT COALESCE((SELECT SUM(size_gib) FROM "
	    "volumes WHERE owner = ?), 0), (SELECT max_volume_gib FROM users "
	    "WHERE name = ?)")) != NULL) {
		db_bind(st, "ss", user, user);
		if (sqlite3_step(st) == SQLITE_ROW) {
			used = sqlite3_column_int64(st, 0);
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				quota = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	if (used + gib > quota) {
		db_rollback(db);
		rc = err_set(ERR_QUOTA, "volume quota exceeded: %lld of %lld GiB "
		    "used, asked for %lld", (long long)used, (long long)quota,
		    (long long)gib);
		goto out;
	}
	auth_uuid(id);
	backend = ws_volume_backend(user, name, id);
	rc = db_run(db, "INSERT INTO volumes (id, owner, name, backend_name, "
	    "size_gib, created_at) VALUES (?, ?, ?, ?, ?, ?)", "ssssii", id,
	    user, name, backend, gib, now_s());
	if (rc != 0) {
		db_rollback(db);
		if (rc == ERR_CONFLICT)
			rc = err_set(ERR_CONFLICT, "you already have a volume "
			    "named '%s'", name);
		goto out;
	}
	l1 = xasprintf("berth.volume=%s", id);
	l2 = xasprintf("berth.owner=%s", user);
	l3 = xasprintf("berth.instance=%s", req_app(r)->instance);
	labels[0] = l1;
	labels[1] = l2;
	labels[2] = l3;
	labels[3] = NULL;
	if ((rc = vol_ensure(app, db, backend, labels)) != 0) {
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		vol_destroy(app, backend);
		db_rollback(db);
		rc = err_set(rc, "%s", msg);
		goto out;
	}
	if ((rc = db_commit(db)) != 0) {
		vol_destroy(app, backend);
		goto out;
	}
	db_event(db, user, "volume.create", id, "ok", name);
	rc = vol_reply(r, 201, id);
out:
	free(backend);
	free(l1);
	free(l2);
	free(l3);
	json_decref(body);
	return rc;
}

static int
vol_get(struct req *r)
{
	char *id;
	int rc;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	rc = vol_reply(r, 200, id);
	free(id);
	return rc;
}

static int
vol_patch(struct req *r)
{
	static const char *const fields[] = { "size", "size_gib", NULL };
	json_t *body = NULL;
	int64_t gib = 0;
	char *id = NULL, *backend = NULL;
	int rc, present;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	if ((rc = req_json_body(r, &body)) != 0 ||
	    (rc = json_only_fields(body, fields)) != 0 ||
	    (rc = vol_size(body, &gib, &present)) != 0)
		goto out;
	if (present) {
		struct db *db = req_db(r);
		sqlite3_stmt *st;
		int64_t others = 0, quota = req_app(r)->cfg.quota_volume_gib;
		if ((rc = db_begin(db)) != 0)
			goto out;
		if ((st = db_prep(db, "SELECT COALESCE(SUM(v.size_gib),0), "
		    "(SELECT max_volume_gib FROM users WHERE name = o.owner) "
		    "FROM volumes o LEFT JOIN volumes v ON v.owner = o.owner "
		    "AND v.id != o.id WHERE o.id = ?")) != NULL) {
			db_bind(st, "s", id);
			if (sqlite3_step(st) == SQLITE_ROW) {
				others = sqlite3_column_int64(st, 0);
				if (sqlite3_column_type(st, 1) != SQLITE_NULL)
					quota = sqlite3_column_int64(st, 1);
			}
			sqlite3_finalize(st);
		}
		if (others + gib > quota) {
			db_rollback(db);
			rc = err_set(ERR_QUOTA, "volume quota exceeded: %lld "
			    "GiB in other volumes, quota %lld", (long long)
			    others, (long long)quota);
			goto out;
		}
		if ((st = db_prep(db, "SELECT backend_name FROM volumes "
		    "WHERE id = ?")) != NULL) {
			db_bind(st, "s", id);
			if (sqlite3_step(st) == SQLITE_ROW)
				backend = db_col_str(st, 0);
			sqlite3_finalize(st);
		}
		/* The filesystem first: a refused grow changes nothing. */
		if (backend != NULL && (rc = vol_resize(req_app(r), backend,
		    gib)) != 0) {
			db_rollback(db);
			goto out;
		}
		if ((rc = db_run(db, "UPDATE volumes SET size_gib = ? WHERE "
		    "id = ?", "is", gib, id)) != 0 ||
		    (rc = db_commit(db)) != 0) {
			db_rollback(db);
			goto out;
		}
		db_event(db, req_who(r)->user, "volume.resize", id, "ok", "");
	}
	rc = vol_reply(r, 200, id);
out:
	free(id);
	free(backend);
	json_decref(body);
	return rc;
}

static int
vol_delete(struct req *r)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	char *id = NULL, *backend = NULL, users[256] = "";
	int rc, n = 0;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	if ((st = db_prep(db, "SELECT w.name FROM ws_volumes wv JOIN "
	    "workspaces w ON w.id = wv.workspace_id WHERE wv.volume_id = ?"))
	    == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	db_bind(st, "s", id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t l = strlen(users);
		snprintf(users + l, sizeof users - l, "%s%s", n++ ? ", " : "",
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (n > 0) {
		rc = err_set(ERR_CONFLICT, "volume is in use by workspace(s): "
		    "%s", users);
		goto out;
	}
	if ((st = db_prep(db, "SELECT backend_name FROM volumes WHERE id = ?"))
	    == NULL) {
		rc = ERR_INTERNAL;
		goto out;
	}
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		backend = db_col_str(st, 0);
	sqlite3_finalize(st);
	if (backend != NULL && (rc = vol_destroy(req_app(r), backend)) != 0)
		goto out;
	db_event(db, req_who(r)->user, "volume.delete", id, "ok", "");
	if ((rc = db_run(db, "DELETE FROM volumes WHERE id = ?", "s", id)) != 0)
		goto out;
	rc = reply_empty(r);
out:
	free(id);
	free(backend);
	return rc;
}

const struct route api_volumes_routes[] = {
	{ "GET", "/v1/volumes", vol_list, 0, "your volumes (admin: all)" },
	{ "POST", "/v1/volumes", vol_create, 0, "create a volume {name, size}" },
	{ "GET", "/v1/volumes/{id}", vol_get, 0, "one volume" },
	{ "PATCH", "/v1/volumes/{id}", vol_patch, 0, "resize {size}" },
	{ "DELETE", "/v1/volumes/{id}", vol_delete, 0,
	    "delete a volume no workspace uses" },
	{ NULL, NULL, NULL, 0, NULL }
};
