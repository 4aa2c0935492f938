/* db.c: the SQLite store: open + migrate (every table's schema lives
 * here), one connection per thread, transactions, the prepare/bind
 * helpers of db-int.h and the meta table.
 * A connection is used by one thread only (db_thread()). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

struct db {
	sqlite3	*h;
};

/* Versioned migrations: index i brings the schema to version i + 1.
 * Append only; never edit a released step. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('admin','user')),"
	"  max_workspaces INTEGER NOT NULL,"
	"  max_gpus INTEGER NOT NULL,"
	"  max_volume_gib INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE api_keys ("
	"  id TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  hash BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX api_keys_user ON api_keys(user);"
	"CREATE TABLE ssh_keys ("
	"  id TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  public_key TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (user, name));"
	"CREATE TABLE templates ("
	"  name TEXT PRIMARY KEY,"
	"  spec TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE volumes ("
	"  id TEXT PRIMARY KEY,"
	"  owner TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  backend_name TEXT NOT NULL UNIQUE,"
	"  size_gib INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (owner, name));"
	"CREATE TABLE workspaces ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  template TEXT NOT NULL DEFAULT '',"
	"  image TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  error TEXT NOT NULL DEFAULT '',"
	"  container_id TEXT NOT NULL DEFAULT '',"
	"  ssh_mode TEXT NOT NULL DEFAULT 'gateway',"
	"  gpu_request TEXT NOT NULL DEFAULT '',"
	"  spec TEXT NOT NULL DEFAULT '{}',"
	"  cpus REAL NOT NULL,"
	"  memory INTEGER NOT NULL,"
	"  pids_limit INTEGER NOT NULL,"
	"  ttl INTEGER NOT NULL DEFAULT 0,"
	"  expires_at INTEGER NOT NULL DEFAULT 0,"
	"  idle_timeout INTEGER NOT NULL DEFAULT 0,"
	"  last_activity_at INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  stopped_at INTEGER NOT NULL DEFAULT 0,"
	"  ssh_port INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (owner, name));"
	"CREATE TABLE ws_volumes ("
	"  workspace_id TEXT NOT NULL REFERENCES workspaces(id)"
	"    ON DELETE CASCADE,"
	"  volume_id TEXT NOT NULL REFERENCES volumes(id),"
	"  mount TEXT NOT NULL,"
	"  PRIMARY KEY (workspace_id, volume_id));"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  result TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX events_target ON events(target);"
	"CREATE TABLE direct_ports ("
	"  port INTEGER PRIMARY KEY,"
	"  workspace_id TEXT NOT NULL UNIQUE);",
	/* 2: facts about this installation (instance id). */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	/* 3: a volume's root is handed to the workspace user on first use. */
	"ALTER TABLE volumes ADD COLUMN prepared INTEGER NOT NULL DEFAULT 0;",
	/* 4: the workspace state machine: the operation in flight (its
	 * intent, recorded before the engine is touched) and a version that
	 * every transition bumps (compare-and-set); acked: a create answered
	 * before it finished, to be finished after a crash. */
	"ALTER TABLE workspaces ADD COLUMN op TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE workspaces ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE workspaces ADD COLUMN acked INTEGER NOT NULL DEFAULT 0;",
	/* 5: scoped API keys (scope names, workspace names/ids, expiry;
	 * "" = the user's full power); an SSH key added with a scoped API
	 * key is held to that key's limits at the gateway; what the last
	 * activity was, and when each kind of activity last happened. */
	"ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE api_keys ADD COLUMN workspaces TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE api_keys ADD COLUMN expires_at INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE ssh_keys ADD COLUMN api_key_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE workspaces ADD COLUMN activity_source TEXT NOT NULL "
	"  DEFAULT '';"
	"CREATE TABLE ws_activity ("
	"  workspace_id TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  last_at INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace_id, source));",
	/* 6: tasks (db-tasks.c): what berthd knows of each; the supervisor
	 * in the workspace holds the live state and the output. */
	"CREATE TABLE tasks ("
	"  id TEXT PRIMARY KEY,"
	"  workspace_id TEXT NOT NULL REFERENCES workspaces(id)"
	"    ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  argv TEXT NOT NULL,"
	"  tty INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL,"
	"  exit_code INTEGER NOT NULL DEFAULT -1,"
	"  signal INTEGER NOT NULL DEFAULT 0,"
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  started_at INTEGER NOT NULL DEFAULT 0,"
	"  ended_at INTEGER NOT NULL DEFAULT 0,"
	"  out_start INTEGER NOT NULL DEFAULT 0,"
	"  out_end INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX tasks_ws ON tasks(workspace_id, created_at);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* The GPU tables predate versioned migrations: made idempotently at every
 * open (db_gpu_migrate). */
static const char gpu_schema[] =
    "CREATE TABLE IF NOT EXISTS gpu_devices ("
    "  uuid TEXT PRIMARY KEY,"
    "  parent_uuid TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL CHECK (kind IN ('gpu', 'mig')),"
    "  idx INTEGER NOT NULL,"
    "  model TEXT NOT NULL,"
    "  profile TEXT NOT NULL DEFAULT '',"
    "  memory_mb INTEGER NOT NULL,"
    "  minor INTEGER NOT NULL,"
    "  gi_id INTEGER NOT NULL DEFAULT -1,"
    "  ci_id INTEGER NOT NULL DEFAULT -1,"
    "  mig_enabled INTEGER NOT NULL DEFAULT 0,"
    "  present INTEGER NOT NULL DEFAULT 1,"
    "  last_seen INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS gpu_devices_parent "
    "  ON gpu_devices (parent_uuid);"
    "CREATE TABLE IF NOT EXISTS gpu_allocs ("
    "  uuid TEXT PRIMARY KEY,"
    "  workspace_id TEXT NOT NULL,"
    "  owner TEXT NOT NULL DEFAULT '',"
    "  allocated_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS gpu_allocs_ws ON gpu_allocs (workspace_id);"
    "CREATE INDEX IF NOT EXISTS gpu_allocs_owner ON gpu_allocs (owner);"
    /* A MIG instance and its parent GPU exclude each other. */
    "CREATE TRIGGER IF NOT EXISTS gpu_allocs_exclusive "
    "BEFORE INSERT ON gpu_allocs "
    "WHEN EXISTS (SELECT 1 FROM gpu_devices c JOIN gpu_allocs a "
    "    ON a.uuid = c.uuid WHERE c.parent_uuid = NEW.uuid) "
    "  OR EXISTS (SELECT 1 FROM gpu_devices n JOIN gpu_allocs a "
    "    ON a.uuid = n.parent_uuid WHERE n.uuid = NEW.uuid) "
    "BEGIN SELECT RAISE(ABORT, 'GPU device overlaps an allocated one'); "
    "END;";

int
db_gpu_migrate(struct db *db)
{
	return sqlite3_exec(db->h, gpu_schema, NULL, NULL, NULL);
}


static int
db_migrate(struct db *db)
{
	sqlite3_stmt *st;
	int ver = 0, r = 0;

	if ((st = db_prep(db, "PRAGMA user_version")) == NULL)
		return ERR_INTERNAL;
	if (sqlite3_step(st) == SQLITE_ROW)
		ver = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (ver > NMIGRATIONS)
		return err_set(ERR_INTERNAL, "store schema version %d is newer "
		    "than this berthd knows (%d)", ver, NMIGRATIONS);
	if ((r = db_begin(db)) != 0)
		return r;
	for (int v = ver; v < NMIGRATIONS; v++) {
		char pragma[64];
		if ((r = db_exec(db, migrations[v])) != 0)
			goto fail;
		snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
		    v + 1);
		if ((r = db_exec(db, pragma)) != 0)
			goto fail;
		log_info("store migrated to schema version %d", v + 1);
	}
	/* The GPU tables are made idempotently (they predate versions). */
	if (db_gpu_migrate(db) != 0) {
		r = err_set(ERR_INTERNAL, "gpu tables: %s",
		    sqlite3_errmsg(db->h));
		goto fail;
	}
	return db_commit(db);
fail:
	db_rollback(db);
	return r;
}

/* Bumped after each commit that changed workspaces or their GPUs, so
 * readers can cache what they derive from them (db_generation()). */
static atomic_ullong generation = 1;
static __thread int tl_dirty;

static void
update_hook(void *arg, int op, const char *dbname, const char *table,
    sqlite3_int64 rowid)
{
	if (strcmp(table, "workspaces") == 0 || strcmp(table, "gpu_allocs")
	    == 0 || strcmp(table, "ws_volumes") == 0)
		tl_dirty = 1;
}

/* Runs after a commit is visible to other connections (WAL mode). It
 * replaces SQLite's auto-checkpoint hook, so it checkpoints too. */
static int
wal_hook(void *arg, sqlite3 *h, const char *dbname, int pages)
{
	if (tl_dirty) {
		tl_dirty = 0;
		atomic_fetch_add(&generation, 1);
	}
	if (pages >= 1000)
		sqlite3_wal_checkpoint_v2(h, dbname, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
	return SQLITE_OK;
}

uint64_t
db_generation(void)
{
	return atomic_load(&generation);
}

void
db_file_private(const char *path)
{
	int fd;

	if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) >= 0) {
		if (fchmod(fd, 0600) != 0)
			log_warn("store %s: chmod: %s", path, strerror(errno));
		close(fd);
	}
	for (int i = 0; i < 2; i++) {
		char side[4096];
		snprintf(side, sizeof side, "%s%s", path, i ? "-shm" : "-wal");
		if (chmod(side, 0600) != 0 && errno != ENOENT)
			log_warn("store %s: chmod: %s", side, strerror(errno));
	}
}

int
db_open(const char *path, struct db **out)
{
	struct db *db = xcalloc(1, sizeof *db);
	int r;

	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = err_set(ERR_INTERNAL, "cannot open store %s: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "out of memory");
		db_close(db);
		return r;
	}
	sqlite3_busy_timeout(db->h, 10000);
	sqlite3_update_hook(db->h, update_hook, NULL);
	sqlite3_wal_hook(db->h, wal_hook, NULL);
	/* A small page cache per connection: there is one per thread. */
	if ((r = db_exec(db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
	    "PRAGMA cache_size=-512;")) != 0 ||
	    (r = db_migrate(db)) != 0) {
		db_close(db);
		return r;
	}
	*out = db;
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close(db->h);
	free(db);
}

static char *db_path;
static pthread_key_t db_key;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

static void
db_thread_free(void *p)
{
	db_close(p);
}

static void
db_key_init(void)
{
	pthread_key_create(&db_key, db_thread_free);
}

void
db_set_path(const char *path)
{
	free(db_path);
	db_path = xstrdup(path);
}

struct db *
db_thread(void)
{
	struct db *db;

	pthread_once(&db_once, db_key_init);
	if ((db = pthread_getspecific(db_key)) != NULL)
		return db;
	if (db_path == NULL)
		fatal("db_thread before db_set_path");
	if (db_open(db_path, &db) != 0) {
		log_error("%s", err_msg());
		return NULL;
	}
	pthread_setspecific(db_key, db);
	return db;
}

sqlite3 *
db_sqlite(struct db *db)
{
	return db->h;
}

struct db *
db_wrap(sqlite3 *h)
{
	struct db *db = xcalloc(1, sizeof *db);

	db->h = h;
	return db;
}

int
db_ping(struct db *db)
{
	return db_int(db, 0, "SELECT 1", "") == 1 ? 0 :
	    err_set(ERR_INTERNAL, "store: not answering");
}

int
db_exec(struct db *db, const char *sql)
{
	char *msg = NULL;
	int rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		int code = (rc == SQLITE_CONSTRAINT) ? ERR_CONFLICT :
		    (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
		    ERR_BACKEND : ERR_INTERNAL;
		err_set(code, "store: %s", msg ? msg : sqlite3_errstr(rc));
		log_error("store: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

int
db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	int r;

	if ((r = db_exec(db, "COMMIT")) != 0)
		db_rollback(db);
	return r;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *
db_prep(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("store: prepare: %s", sqlite3_errmsg(db->h));
		err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	return st;
}

static int
db_vbind(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int i = 1;

	for (const char *f = fmt; f != NULL && *f; f++, i++) {
		const char *s;
		switch (*f) {
		case 's':
			s = va_arg(ap, const char *);
			if (s == NULL)
				sqlite3_bind_null(st, i);
			else
				sqlite3_bind_text(st, i, s, -1,
				    SQLITE_TRANSIENT);
			break;
		case 'i':
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			sqlite3_bind_double(st, i, va_arg(ap, double));
			break;
		default:
			fatal("db_bind: bad format char '%c'", *f);
		}
	}
	return 0;
}

int
db_bind(sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = db_vbind(st, fmt, ap);
	va_end(ap);
	return r;
}

static int
db_vrun(struct db *db, int *n, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prep(db, sql)) == NULL)
		return ERR_INTERNAL;
	db_vbind(st, fmt, ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (n != NULL)
		*n = sqlite3_changes(db->h);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		return err_set(ERR_CONFLICT, "store: %s",
		    sqlite3_errmsg(db->h));
	/* Held by another process past the busy timeout: 503, not 500. */
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return err_set(ERR_BACKEND, "store: %s", sqlite3_errmsg(db->h));
	log_error("store: %s", sqlite3_errmsg(db->h));
	return err_set(ERR_INTERNAL, "store: %s", sqlite3_errmsg(db->h));
}

int
db_run(struct db *db, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = db_vrun(db, NULL, sql, fmt, ap);
	va_end(ap);
	return r;
}

int
db_run_n(struct db *db, int *n, const char *sql, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = db_vrun(db, n, sql, fmt, ap);
	va_end(ap);
	return r;
}

int64_t
db_int(struct db *db, int64_t def, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int64_t v = def;

	if ((st = db_prep(db, sql)) == NULL)
		return def;
	va_start(ap, fmt);
	db_vbind(st, fmt, ap);
	va_end(ap);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

const char *
db_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? (const char *)s : "";
}

char *
db_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return xstrdup(s ? (const char *)s : "");
}

int64_t
db_col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_int64(st, col);
}

int
db_meta_get(struct db *db, const char *key, char **out)
{
	sqlite3_stmt *st;
	int r = 0;

	*out = NULL;
	if ((st = db_prep(db, "SELECT value FROM meta WHERE key = ?")) == NULL)
		return ERR_INTERNAL;
	db_bind(st, "s", key);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = db_col_str(st, 0);
	else
		r = err_set(ERR_NOTFOUND, "no meta '%s'", key);
	sqlite3_finalize(st);
	return r;
}

int
db_meta_set(struct db *db, const char *key, const char *value)
{
	return db_run(db, "INSERT INTO meta (key, value) VALUES (?, ?) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", "ss",
	    key, value);
}
