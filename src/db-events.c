/* db-events.c: the events table, the audit and lifecycle record: written
 * by every transition, read by /v1/events. Any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "log.h"
#include "timeutil.h"

void
db_event(struct db *db, const char *actor, const char *action,
    const char *target, const char *result, const char *detail)
{
	char owner[64] = "";
	sqlite3_stmt *st;

	/* The owner of a workspace target, so users can read their own. */
	if ((st = db_prep(db, "SELECT owner FROM workspaces WHERE id = ?"))
	    != NULL) {
		db_bind(st, "s", target);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(owner, sizeof owner, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (db_run(db, "INSERT INTO events (ts, actor, action, target, owner,"
	    " result, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", "isssss"
	    "s", now_s(), actor ? actor : "", action, target ? target : "",
	    owner, result ? result : "ok", detail ? detail : "") != 0)
		log_warn("could not record event %s: %s", action, err_msg());
}

int
db_events_list(struct db *db, int64_t since, const char *target, int all,
    const char *user, long limit, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	*out = NULL;
	if ((st = db_prep(db, "SELECT seq, ts, actor, action, target, owner, "
	    "result, detail FROM (SELECT * FROM events WHERE ts >= ? AND "
	    "(? IS NULL OR target = ?) AND (? OR owner = ? OR actor = ?) "
	    "ORDER BY seq DESC LIMIT ?) ORDER BY seq")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "ississi", since, target, target, (int64_t)all, user, user,
	    (int64_t)limit);
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char ts[40];
		rfc3339(sqlite3_column_int64(st, 1), ts, sizeof ts);
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s,s:s,"
		    "s:s,s:s,s:s}", "seq", (json_int_t)sqlite3_column_int64(st,
		    0), "time", ts, "actor", db_col_text(st, 2),
		    "action", db_col_text(st, 3),
		    "target", db_col_text(st, 4),
		    "owner", db_col_text(st, 5),
		    "result", db_col_text(st, 6),
		    "detail", db_col_text(st, 7)));
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}
