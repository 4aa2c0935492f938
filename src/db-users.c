/* db-users.c: the users and api_keys tables: accounts with their quotas
 * and usage, and the hashed API keys that authenticate them. Any thread,
 * each with its own connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

int
db_user_count(struct db *db, int *n)
{
	*n = (int)db_int(db, -1, "SELECT COUNT(*) FROM users", "");
	return *n < 0 ? ERR_INTERNAL : 0;
}

int
db_user_add(struct db *db, const char *name, const char *role, int64_t mw,
    int64_t mg, int64_t mv, int if_missing)
{
	int r;

	r = db_run(db, if_missing ? "INSERT OR IGNORE INTO users (name, role, "
	    "max_workspaces, max_gpus, max_volume_gib, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)" : "INSERT INTO users (name, role, "
	    "max_workspaces, max_gpus, max_volume_gib, created_at) VALUES "
	    "(?, ?, ?, ?, ?, ?)", "ssiiii", name, role, mw, mg, mv, now_s());
	if (r == ERR_CONFLICT)
		r = err_set(ERR_CONFLICT, "user '%s' exists", name);
	return r;
}

int
db_user_quotas(struct db *db, const char *name, int *ws, int *gpus,
    int *gib)
{
	sqlite3_stmt *st;
	int r = ERR_NOTFOUND;

	if ((st = db_prep(db, "SELECT max_workspaces, max_gpus, "
	    "max_volume_gib FROM users WHERE name = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ws = sqlite3_column_int(st, 0);
		*gpus = sqlite3_column_int(st, 1);
		*gib = sqlite3_column_int(st, 2);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

json_t *
db_user_json(struct db *db, const char *name)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = db_prep(db, "SELECT name, role, max_workspaces, max_gpus, "
	    "max_volume_gib, created_at, (SELECT COUNT(*) FROM workspaces "
	    "WHERE owner = u.name AND state IN ('creating','running')), "
	    "(SELECT COUNT(*) FROM workspaces WHERE owner = u.name), "
	    "(SELECT COALESCE(SUM(size_gib),0) FROM volumes WHERE owner = "
	    "u.name) FROM users u WHERE name = ?")) == NULL)
		return NULL;
	db_bind(st, "s", name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char created[40];
		rfc3339(sqlite3_column_int64(st, 5), created, sizeof created);
		o = json_pack("{s:s,s:s,s:{s:i,s:i,s:i},s:{s:i,s:i,s:i},s:s}",
		    "name", db_col_text(st, 0),
		    "role", db_col_text(st, 1),
		    "quotas", "max_workspaces", sqlite3_column_int(st, 2),
		    "max_gpus", sqlite3_column_int(st, 3),
		    "max_volume_gib", sqlite3_column_int(st, 4),
		    "usage", "running_workspaces", sqlite3_column_int(st, 6),
		    "workspaces", sqlite3_column_int(st, 7),
		    "volume_gib", sqlite3_column_int(st, 8),
		    "created_at", created);
	}
	sqlite3_finalize(st);
	if (o != NULL)
		json_object_set_new(json_object_get(o, "usage"), "gpus",
		    json_integer(db_int(db, 0, "SELECT COUNT(*) FROM "
		    "gpu_allocs a JOIN workspaces w ON w.id = a.workspace_id "
		    "WHERE w.owner = ?", "s", name)));
	return o;
}

int
db_user_list(struct db *db, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	*out = NULL;
	if ((st = db_prep(db, "SELECT name FROM users ORDER BY name")) == NULL)
		return ERR_INTERNAL;
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *u = db_user_json(db, db_col_text(st, 0));
		if (u != NULL)
			json_array_append_new(arr, u);
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

int
db_user_delete(struct db *db, const char *name)
{
	int n, r;

	n = (int)db_int(db, 0, "SELECT COUNT(*) FROM workspaces WHERE "
	    "owner = ?", "s", name);
	if (n > 0)
		return err_set(ERR_CONFLICT, "user '%.64s' still has %d "
		    "workspace(s); delete them first", name, n);
	if ((r = db_begin(db)) != 0)
		return r;
	if ((r = db_run_n(db, &n, "DELETE FROM users WHERE name = ?", "s",
	    name)) != 0) {
		db_rollback(db);
		return r;
	}
	if (n == 0) {
		db_rollback(db);
		return err_set(ERR_NOTFOUND, "no user '%.64s'", name);
	}
	return db_commit(db);
}

int
db_apikey_add(struct db *db, const char *id, const char *user,
    const char *name, const unsigned char *hash, size_t hashlen,
    const struct db_keylim *lim)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prep(db, "INSERT INTO api_keys (id, user, name, hash, "
	    "created_at, scopes, workspaces, expires_at) VALUES (?, ?, ?, ?, "
	    "?, ?, ?, ?)")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "sss", id, user, name ? name : "");
	sqlite3_bind_blob(st, 4, hash, (int)hashlen, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now_s());
	sqlite3_bind_text(st, 6, lim ? lim->scopes : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, lim ? lim->workspaces : "", -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, lim ? lim->expires_at : 0);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return err_set(ERR_INTERNAL, "could not store api key");
	return 0;
}

int
db_apikey_get(struct db *db, const char *id, unsigned char *hash,
    size_t hashlen, char *user, size_t usersz, int *admin,
    struct db_keylim *lim)
{
	sqlite3_stmt *st;
	int r = ERR_NOTFOUND;

	memset(lim, 0, sizeof *lim);
	if ((st = db_prep(db, "SELECT k.hash, u.name, u.role, k.scopes, "
	    "k.workspaces, k.expires_at FROM api_keys k JOIN users u ON "
	    "u.name = k.user WHERE k.id = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == hashlen) {
		memcpy(hash, sqlite3_column_blob(st, 0), hashlen);
		snprintf(user, usersz, "%s", db_col_text(st, 1));
		*admin = strcmp(db_col_text(st, 2), "admin") == 0;
		snprintf(lim->scopes, sizeof lim->scopes, "%s",
		    db_col_text(st, 3));
		snprintf(lim->workspaces, sizeof lim->workspaces, "%s",
		    db_col_text(st, 4));
		lim->expires_at = sqlite3_column_int64(st, 5);
		r = 0;
	}
	sqlite3_finalize(st);
	return r;
}

int
db_apikey_list(struct db *db, const char *user, const char *current,
    json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	*out = NULL;
	if ((st = db_prep(db, "SELECT id, name, created_at, last_used_at, "
	    "scopes, workspaces, expires_at FROM api_keys WHERE user = ? "
	    "ORDER BY created_at, id")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", user);
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char created[40];
		rfc3339(sqlite3_column_int64(st, 2), created, sizeof created);
		/* scopes and workspaces as stored (comma lists); the
		 * caller turns them into the API's arrays. */
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:b,"
		    "s:s,s:s,s:I}",
		    "id", db_col_text(st, 0),
		    "name", db_col_text(st, 1),
		    "user", user, "created_at", created,
		    "current", strcmp(db_col_text(st, 0), current) == 0,
		    "scopes", db_col_text(st, 4),
		    "workspaces", db_col_text(st, 5),
		    "expires_at", (json_int_t)sqlite3_column_int64(st, 6)));
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

int
db_apikey_delete(struct db *db, const char *id, const char *user)
{
	int n = 0, r;

	if ((r = db_run_n(db, &n, "DELETE FROM api_keys WHERE id = ? AND "
	    "user = ?", "ss", id, user)) != 0)
		return r;
	if (n == 0)
		return err_set(ERR_NOTFOUND, "no API key '%.64s' of yours", id);
	return 0;
}
