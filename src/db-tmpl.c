/* db-tmpl.c: the templates table: templates made through the API (the
 * config file's own live in tmpl.c). Any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "timeutil.h"

json_t *
db_template_get(struct db *db, const char *name)
{
	sqlite3_stmt *st;
	json_t *t = NULL;

	if ((st = db_prep(db, "SELECT spec FROM templates WHERE name = ?"))
	    == NULL)
		return NULL;
	db_bind(st, "s", name);
	if (sqlite3_step(st) == SQLITE_ROW)
		t = json_loads(db_col_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	return t;
}

int
db_template_list(struct db *db, json_t *arr)
{
	sqlite3_stmt *st;
	json_t *t;

	if ((st = db_prep(db, "SELECT spec FROM templates ORDER BY name")) ==
	    NULL)
		return ERR_INTERNAL;
	while (sqlite3_step(st) == SQLITE_ROW)
		if ((t = json_loads(db_col_text(st, 0), 0, NULL)) != NULL)
			json_array_append_new(arr, t);
	sqlite3_finalize(st);
	return 0;
}

int
db_template_add(struct db *db, const char *name, const char *spec)
{
	int r;

	r = db_run(db, "INSERT INTO templates (name, spec, created_at) "
	    "VALUES (?, ?, ?)", "ssi", name, spec, now_s());
	if (r == ERR_CONFLICT)
		r = err_set(ERR_CONFLICT, "template '%s' exists", name);
	return r;
}

int
db_template_delete(struct db *db, const char *name)
{
	int n = 0, r;

	if ((r = db_run_n(db, &n, "DELETE FROM templates WHERE name = ?", "s",
	    name)) != 0)
		return r;
	return n == 0 ? ERR_NOTFOUND : 0;
}
