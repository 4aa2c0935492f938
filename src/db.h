/* db.h: the store, SQLite in WAL mode, the single source of truth. One
 * connection per thread (db_thread() hands each thread its own); writes
 * that read first use db_begin() (BEGIN IMMEDIATE) with a busy timeout.
 * Schema migrations are versioned (PRAGMA user_version) in db.c. */
#ifndef BERTH_DB_H
#define BERTH_DB_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

struct db;

/* Opens (creating and migrating) the store at path. One per thread. */
int		 db_open(const char *path, struct db **out);
void		 db_close(struct db *);
/* This thread's connection to the store at the path given to
 * db_set_path(); opened on first use, closed at thread exit. */
void		 db_set_path(const char *path);
struct db	*db_thread(void);
sqlite3		*db_sqlite(struct db *);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int		 db_begin(struct db *);
int		 db_commit(struct db *);
void		 db_rollback(struct db *);
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
/* Column text as a malloc'ed string ("" for NULL) / int64. */
char		*db_col_str(sqlite3_stmt *, int col);
int64_t		 db_col_int(sqlite3_stmt *, int col);

/* A number that grows after every commit that changed workspaces, their
 * GPUs or volumes (from any connection): what was derived from them at
 * generation g is still valid while db_generation() == g. */
uint64_t	 db_generation(void);

/* Records an audit event (never fails the caller; errors are logged). */
void		 db_event(struct db *, const char *actor, const char *action,
		    const char *target, const char *result, const char *detail);

#endif
