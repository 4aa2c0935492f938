/* db-vol.c: the volumes table and which workspaces use each volume
 * (ws_volumes). The size is the quota's unit. Any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "timeutil.h"
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
		db_bind(st, "s", db_col_text(row, 0));
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(used, json_pack("{s:s,s:s,s:s}",
			    "workspace", db_col_text(st, 0),
			    "workspace_id", db_col_text(st, 1),
			    "mount", db_col_text(st, 2)));
		sqlite3_finalize(st);
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:o}",
	    "id", db_col_text(row, 0),
	    "name", db_col_text(row, 1),
	    "owner", db_col_text(row, 2),
	    "backend_name", db_col_text(row, 3),
	    "size_gib", sqlite3_column_int(row, 4),
	    "created_at", created, "used_by", used);
}

int
db_vol_find(struct db *db, const char *user, int admin, const char *ref,
    char **idp)
{
	sqlite3_stmt *st;
	char like[80];
	int n = 0;

	*idp = NULL;
	if ((st = db_prep(db, "SELECT id FROM volumes WHERE owner = ? AND "
	    "name = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", user, ref);
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
	db_bind(st, "sis", like, (int64_t)admin, user);
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

json_t *
db_vol_json(struct db *db, const char *id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = db_prep(db, "SELECT " VOL_COLS " FROM volumes v WHERE "
	    "v.id = ?")) == NULL)
		return NULL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = vol_json(db, st);
	sqlite3_finalize(st);
	return o;
}

int
db_vol_list(struct db *db, const char *user, int admin, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	*out = NULL;
	if ((st = db_prep(db, "SELECT " VOL_COLS " FROM volumes v WHERE "
	    "(? OR v.owner = ?) ORDER BY v.owner, v.name")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "is", (int64_t)admin, user);
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, vol_json(db, st));
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

int
db_vol_by_name(struct db *db, const char *owner, const char *name,
    char **id, char **backend)
{
	sqlite3_stmt *st;
	int r = 0;

	*id = *backend = NULL;
	if ((st = db_prep(db, "SELECT id, backend_name FROM volumes "
	    "WHERE owner = ? AND name = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", owner, name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = db_col_str(st, 0);
		*backend = db_col_str(st, 1);
	} else
		r = ERR_NOTFOUND;
	sqlite3_finalize(st);
	return r;
}

int
db_vol_usage(struct db *db, const char *owner, const char *except_id,
    int64_t *used, int64_t *quota)
{
	sqlite3_stmt *st;

	*used = 0;
	if ((st = db_prep(db, "SELECT COALESCE((SELECT SUM(size_gib) FROM "
	    "volumes WHERE owner = ? AND (? IS NULL OR id != ?)), 0), "
	    "(SELECT max_volume_gib FROM users WHERE name = ?)")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ssss", owner, except_id, except_id, owner);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*used = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			*quota = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

int
db_vol_owner(struct db *db, const char *id, char **owner)
{
	sqlite3_stmt *st;
	int r = 0;

	*owner = NULL;
	if ((st = db_prep(db, "SELECT owner FROM volumes WHERE id = ?")) ==
	    NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*owner = db_col_str(st, 0);
	else
		r = err_set(ERR_NOTFOUND, "no volume '%.64s'", id);
	sqlite3_finalize(st);
	return r;
}

int
db_vol_add(struct db *db, const char *id, const char *owner,
    const char *name, const char *backend, int64_t gib)
{
	int r;

	r = db_run(db, "INSERT INTO volumes (id, owner, name, backend_name, "
	    "size_gib, created_at) VALUES (?, ?, ?, ?, ?, ?)", "ssssii", id,
	    owner, name, backend, gib, now_s());
	if (r == ERR_CONFLICT)
		r = err_set(ERR_CONFLICT, "you already have a volume named "
		    "'%s'", name);
	return r;
}

int
db_vol_resize(struct db *db, const char *id, int64_t gib)
{
	return db_run(db, "UPDATE volumes SET size_gib = ? WHERE id = ?", "is",
	    gib, id);
}

int
db_vol_users(struct db *db, const char *id, char *buf, size_t size, int *n)
{
	sqlite3_stmt *st;

	*n = 0;
	buf[0] = '\0';
	if ((st = db_prep(db, "SELECT w.name FROM ws_volumes wv JOIN "
	    "workspaces w ON w.id = wv.workspace_id WHERE wv.volume_id = ?"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t l = strlen(buf);
		snprintf(buf + l, size - l, "%s%s", (*n)++ ? ", " : "",
		    db_col_text(st, 0));
	}
	sqlite3_finalize(st);
	return 0;
}

int
db_vol_backend(struct db *db, const char *id, char **backend)
{
	sqlite3_stmt *st;
	int r = 0;

	*backend = NULL;
	if ((st = db_prep(db, "SELECT backend_name FROM volumes WHERE id = ?"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*backend = db_col_str(st, 0);
	else
		r = ERR_NOTFOUND;
	sqlite3_finalize(st);
	return r;
}

int
db_vol_delete(struct db *db, const char *id)
{
	return db_run(db, "DELETE FROM volumes WHERE id = ?", "s", id);
}

int
db_vol_prepared(struct db *db, const char *id)
{
	return (int)db_int(db, 1, "SELECT prepared FROM volumes WHERE id = ?",
	    "s", id);
}

int
db_vol_set_prepared(struct db *db, const char *id)
{
	return db_run(db, "UPDATE volumes SET prepared = 1 WHERE id = ?", "s",
	    id);
}

int64_t
db_vol_size_by_backend(struct db *db, const char *backend)
{
	return db_int(db, 0, "SELECT size_gib FROM volumes WHERE "
	    "backend_name = ?", "s", backend);
}

int
db_vol_backends(struct db *db, char ***out, size_t *np)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	*np = 0;
	if ((st = db_prep(db, "SELECT backend_name FROM volumes")) == NULL)
		return ERR_INTERNAL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = db_col_str(st, 0);
	}
	sqlite3_finalize(st);
	*out = v;
	*np = n;
	return 0;
}
