/* db-tasks.c: the tasks table: berthd's record of each task (command,
 * name, last known state and offsets). The live state and the output are
 * the supervisor's, in the workspace (sup-task.c); this record is what is
 * left when the container is gone (state lost). Any thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "xmalloc.h"

#define TASK_COLS "id, workspace_id, name, argv, tty, state, exit_code, " \
	"signal, pid, created_at, started_at, ended_at, out_start, out_end"

void
db_task_clear(struct db_task *t)
{
	if (t == NULL)
		return;
	free(t->ws_id);
	free(t->name);
	free(t->argv);
	memset(t, 0, sizeof *t);
}

static void
row(sqlite3_stmt *st, struct db_task *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "%s", db_col_text(st, 0));
	t->ws_id = db_col_str(st, 1);
	t->name = db_col_str(st, 2);
	t->argv = db_col_str(st, 3);
	t->tty = (int)db_col_int(st, 4);
	snprintf(t->state, sizeof t->state, "%s", db_col_text(st, 5));
	t->exit_code = (int)db_col_int(st, 6);
	t->signal = (int)db_col_int(st, 7);
	t->pid = (int)db_col_int(st, 8);
	t->created_at = db_col_int(st, 9);
	t->started_at = db_col_int(st, 10);
	t->ended_at = db_col_int(st, 11);
	t->out_start = db_col_int(st, 12);
	t->out_end = db_col_int(st, 13);
}

int
db_task_insert(struct db *db, const struct db_task *t)
{
	return db_run(db, "INSERT INTO tasks (" TASK_COLS ") VALUES (?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssisiiiiiiii", t->id,
	    t->ws_id, t->name, t->argv, (int64_t)t->tty, t->state,
	    (int64_t)t->exit_code, (int64_t)t->signal, (int64_t)t->pid,
	    t->created_at, t->started_at, t->ended_at, t->out_start,
	    t->out_end);
}

int
db_task_update(struct db *db, const struct db_task *t)
{
	return db_run(db, "UPDATE tasks SET state = ?, exit_code = ?, "
	    "signal = ?, pid = ?, started_at = ?, ended_at = ?, out_start = ?,"
	    " out_end = ? WHERE id = ?", "siiiiiiis", t->state,
	    (int64_t)t->exit_code, (int64_t)t->signal, (int64_t)t->pid,
	    t->started_at, t->ended_at, t->out_start, t->out_end, t->id);
}

int
db_task_get(struct db *db, const char *ws_id, const char *ref,
    struct db_task *out)
{
	sqlite3_stmt *st;
	int r = 0;

	memset(out, 0, sizeof *out);
	if ((st = db_prep(db, "SELECT " TASK_COLS " FROM tasks WHERE "
	    "workspace_id = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC, "
	    "created_at DESC LIMIT 1")) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	db_bind(st, "ssss", ws_id, ref, ref, ref);
	if (sqlite3_step(st) == SQLITE_ROW)
		row(st, out);
	else
		r = err_set(ERR_NOTFOUND, "no task '%s' in this workspace",
		    ref);
	sqlite3_finalize(st);
	return r;
}

int
db_task_list(struct db *db, const char *ws_id, struct db_task **out,
    size_t *n)
{
	sqlite3_stmt *st;
	struct db_task *v = NULL;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if ((st = db_prep(db, "SELECT " TASK_COLS " FROM tasks WHERE "
	    "workspace_id = ? ORDER BY created_at, id")) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	db_bind(st, "s", ws_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		row(st, &v[(*n)++]);
	}
	sqlite3_finalize(st);
	*out = v;
	return 0;
}

int64_t
db_task_running(struct db *db, const char *ws_id)
{
	return db_int(db, 0, "SELECT count(*) FROM tasks WHERE workspace_id "
	    "= ? AND state = 'running'", "s", ws_id);
}

int
db_task_running_ws(struct db *db, char ***ids, size_t *n)
{
	sqlite3_stmt *st;
	char **v = NULL;
	size_t cap = 0;

	*ids = NULL;
	*n = 0;
	if ((st = db_prep(db, "SELECT DISTINCT workspace_id FROM tasks WHERE "
	    "state = 'running'")) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = db_col_str(st, 0);
	}
	sqlite3_finalize(st);
	*ids = v;
	return 0;
}
