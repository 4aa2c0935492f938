/* db-int.h: the store's own helpers, for db.c and db-*.c only (and the
 * store's unit tests): nothing else prepares, binds or steps SQL. */
#ifndef BERTH_DB_INT_H
#define BERTH_DB_INT_H

#include <stdint.h>

#include <sqlite3.h>

struct db;

sqlite3		*db_sqlite(struct db *);
/* Wraps an open handle (unit tests with a bare schema); db_close closes
 * it. */
struct db	*db_wrap(sqlite3 *);
/* Runs SQL with no result rows; ERR_INTERNAL with the message set. */
int		 db_exec(struct db *, const char *sql);
/* Prepares sql; the caller sqlite3_finalize()s. NULL on error (logged). */
sqlite3_stmt	*db_prep(struct db *, const char *sql);
/* Binds each argument in order: format chars s (const char *, NULL binds
 * NULL), i (int64_t), d (double). */
int		 db_bind(sqlite3_stmt *, const char *fmt, ...);
/* Runs a statement that returns no rows: prep + bind + step + finalize.
 * ERR_CONFLICT on a UNIQUE/PK violation. */
int		 db_run(struct db *, const char *sql, const char *fmt, ...);
/* db_run, and the number of rows it changed into *n. */
int		 db_run_n(struct db *, int *n, const char *sql,
		    const char *fmt, ...);
/* The first column of the first row as an integer (def when no row). */
int64_t		 db_int(struct db *, int64_t def, const char *sql,
		    const char *fmt, ...);
/* Column text as a malloc'ed string ("" for NULL) / int64. */
char		*db_col_str(sqlite3_stmt *, int col);
int64_t		 db_col_int(sqlite3_stmt *, int col);
/* Column text, "" for NULL, valid until the next step. */
const char	*db_col_text(sqlite3_stmt *, int col);

#endif
