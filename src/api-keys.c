/* api-keys.c: a user's own API keys. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "timeutil.h"

static int
keys_list(struct req *r)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	json_t *arr = json_array();

	if ((st = db_prep(db, "SELECT id, name, created_at, last_used_at FROM "
	    "api_keys WHERE user = ? ORDER BY created_at, id")) == NULL) {
		json_decref(arr);
		return ERR_INTERNAL;
	}
	db_bind(st, "s", req_who(r)->user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char created[40];
		rfc3339(sqlite3_column_int64(st, 2), created, sizeof created);
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:b}",
		    "id", sqlite3_column_text(st, 0),
		    "name", sqlite3_column_text(st, 1),
		    "user", req_who(r)->user, "created_at", created,
		    "current", strcmp((const char *)sqlite3_column_text(st, 0),
		    req_who(r)->key_id) == 0));
	}
	sqlite3_finalize(st);
	return reply_json(r, 200, arr);
}

static int
keys_create(struct req *r)
{
	return api_key_create(r, req_who(r)->user);
}

static int
keys_delete(struct req *r)
{
	struct db *db = req_db(r);
	sqlite3_stmt *st;
	int n;

	if ((st = db_prep(db, "DELETE FROM api_keys WHERE id = ? AND user = ?"))
	    == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ss", req_param(r, "keyid"), req_who(r)->user);
	sqlite3_step(st);
	n = sqlite3_changes(db_sqlite(db));
	sqlite3_finalize(st);
	if (n == 0)
		return err_set(ERR_NOTFOUND, "no API key '%.64s' of yours",
		    req_param(r, "keyid"));
	db_event(db, req_who(r)->user, "apikey.delete", req_who(r)->user,
	    "ok", req_param(r, "keyid"));
	return reply_empty(r);
}

const struct route api_keys_routes[] = {
	{ "GET", "/v1/api-keys", keys_list, 0, "your API keys (no secrets)" },
	{ "POST", "/v1/api-keys", keys_create, 0, "make an API key {name} "
	    "(shown once)" },
	{ "DELETE", "/v1/api-keys/{keyid}", keys_delete, 0,
	    "revoke one of your keys" },
	{ NULL, NULL, NULL, 0, NULL }
};
