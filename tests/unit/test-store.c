/* test-store.c: the store: migrations (fresh and re-open), WAL, conflict
 * mapping, events; API keys (hashed, checked in constant time, wrong or
 * malformed keys refused); workspace id resolution (name, id, prefix,
 * ambiguity, other users' workspaces invisible). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "check.h"
#include "db.h"
#include "db-int.h"
#include "err.h"
#include "http.h"
#include "ws.h"

static void
add_ws(struct db *db, const char *id, const char *name, const char *owner)
{
	CHECK(db_run(db, "INSERT INTO workspaces (id, name, owner, image, "
	    "state, cpus, memory, pids_limit, created_at) VALUES (?, ?, ?, "
	    "'img', 'running', 1, 1, 1, 1)", "sss", id, name, owner) == 0);
}

/* The engine places GPUs: each request counts as its number. */
static int
units(const char *request, int *u)
{
	*u = (int)strtol(request, NULL, 10);
	return 0;
}

/* A create where the engine places GPUs: gpu asks for that many. */
static int
create_gpu(struct db *db, const char *id, const char *name, const char *gpu)
{
	struct ws rec = { .id = (char *)id, .name = (char *)name,
	    .owner = "carol", .template = "", .image = "img",
	    .ssh_mode = "gateway", .gpu_request = (char *)gpu, .cpus = 1,
	    .memory = 1, .pids_limit = 1, .created_at = 1 };
	struct db_ws_new n = { .rec = &rec, .quota_ws = 10, .quota_gpus = 10,
	    .quota_gib = 10, .gpu_units = units };
	struct ws *out = NULL;
	json_t *gpus = NULL;
	int r;

	rec.spec = json_object();
	r = db_ws_create(db, &n, &out, &gpus);
	json_decref(rec.spec);
	ws_free(out);
	json_decref(gpus);
	return r;
}

static int
scalar(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_prep(db, sql);
	int v = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
main(void)
{
	char dir[] = "/tmp/test-store.XXXXXX", path[256], *key, *id;
	struct principal alice = { .user = "alice" }, bob = { .user = "bob" };
	struct principal admin = { .user = "root", .admin = 1 }, who;
	struct db *db;
	struct ws *w;
	sqlite3_stmt *st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/berth.db", dir);
	CHECK(db_open(path, &db) == 0);
	CHECK(scalar(db, "PRAGMA user_version") >= 2);
	st = db_prep(db, "PRAGMA journal_mode");
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0);
	sqlite3_finalize(st);
	db_close(db);
	/* Re-open: migrations don't run twice, data stays. */
	CHECK(db_open(path, &db) == 0);
	CHECK(db_run(db, "INSERT INTO users (name, role, max_workspaces, "
	    "max_gpus, max_volume_gib, created_at) VALUES ('alice', 'user', 1,"
	    " 1, 1, 1)", NULL) == 0);
	CHECK(db_run(db, "INSERT INTO users (name, role, max_workspaces, "
	    "max_gpus, max_volume_gib, created_at) VALUES ('alice', 'user', 1,"
	    " 1, 1, 1)", NULL) == ERR_CONFLICT);
	CHECK(db_run(db, "INSERT INTO users (name, role, max_workspaces, "
	    "max_gpus, max_volume_gib, created_at) VALUES ('bob', 'user', 1,"
	    " 1, 1, 1)", NULL) == 0);

	/* API keys: only the hash is stored. */
	CHECK(auth_key_new(db, "alice", "k1", NULL, &key, &id) == 0);
	CHECK(strncmp(key, "berth_", 6) == 0 && strlen(key) == 6 + 12 + 1 + 64);
	CHECK(scalar(db, "SELECT COUNT(*) FROM api_keys WHERE "
	    "instr(hash, 'berth_') > 0") == 0);
	st = db_prep(db, "SELECT length(hash) FROM api_keys");
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_int(st, 0) == 32);
	sqlite3_finalize(st);
	CHECK(auth_check(db, key, &who) == 0);
	CHECK_EQ_STR(who.user, "alice");
	CHECK(!who.admin);
	CHECK_EQ_STR(who.key_id, id);
	key[strlen(key) - 1] ^= 1;
	CHECK(auth_check(db, key, &who) == ERR_UNAUTH);
	key[strlen(key) - 1] ^= 1;
	key[8] = key[8] == 'a' ? 'b' : 'a';	/* another key id */
	CHECK(auth_check(db, key, &who) == ERR_UNAUTH);
	CHECK(auth_check(db, "berth_short", &who) == ERR_UNAUTH);
	CHECK(auth_check(db, NULL, &who) == ERR_UNAUTH);
	CHECK(auth_check(db, "", &who) == ERR_UNAUTH);
	free(key);
	free(id);

	/* Resolution. */
	add_ws(db, "aaaa1111-0000-4000-8000-000000000001", "train", "alice");
	add_ws(db, "aaaa2222-0000-4000-8000-000000000002", "eval", "alice");
	add_ws(db, "bbbb1111-0000-4000-8000-000000000003", "train", "bob");
	CHECK(ws_resolve(db, &alice, "train", &w) == 0);
	CHECK(w != NULL && strcmp(w->owner, "alice") == 0 &&
	    strncmp(w->id, "aaaa1111", 8) == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &bob, "train", &w) == 0);
	CHECK(w != NULL && strcmp(w->owner, "bob") == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &alice, "aaaa2", &w) == 0);
	CHECK(w != NULL && strcmp(w->name, "eval") == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &alice, "aaaa1111-0000-4000-8000-000000000001",
	    &w) == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &alice, "aaaa", &w) == ERR_CONFLICT);
	CHECK(strstr(err_msg(), "aaaa1111") && strstr(err_msg(), "aaaa2222"));
	CHECK(ws_resolve(db, &alice, "aaa", &w) == ERR_NOTFOUND);
	/* Another user's workspace is not found, by id, prefix or name. */
	CHECK(ws_resolve(db, &alice, "bbbb", &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &alice, "bbbb1111-0000-4000-8000-000000000003",
	    &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &bob, "eval", &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &bob, "aaaa2", &w) == ERR_NOTFOUND);
	/* An admin sees all, by id and by owner/name. */
	CHECK(ws_resolve(db, &admin, "bbbb", &w) == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &admin, "bob/train", &w) == 0);
	CHECK(w != NULL && strcmp(w->owner, "bob") == 0);
	ws_free(w);
	CHECK(ws_resolve(db, &alice, "bob/train", &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &alice, "", &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &alice, "%", &w) == ERR_NOTFOUND);
	CHECK(ws_resolve(db, &alice, "aaaa_", &w) == ERR_NOTFOUND);

	/* GPUs the engine places: the quota counts the owner's requests,
	 * the new one once. */
	CHECK(db_run(db, "INSERT INTO users (name, role, max_workspaces, "
	    "max_gpus, max_volume_gib, created_at) VALUES ('carol', 'user', "
	    "5, 3, 1, 1)", NULL) == 0);
	CHECK(create_gpu(db, "cccc0001-0000-4000-8000-000000000001", "g1",
	    "2") == 0);
	CHECK(create_gpu(db, "cccc0002-0000-4000-8000-000000000002", "g2",
	    "2") == ERR_QUOTA);
	CHECK(strstr(err_msg(), "2 held, 2 asked, 3 allowed") != NULL);
	CHECK(create_gpu(db, "cccc0003-0000-4000-8000-000000000003", "g3",
	    "1") == 0);
	CHECK(create_gpu(db, "cccc0004-0000-4000-8000-000000000004", "g4",
	    "1") == ERR_QUOTA);
	CHECK(scalar(db, "SELECT COUNT(*) FROM workspaces WHERE owner = "
	    "'carol'") == 2);

	/* Events carry the workspace owner so users can read their own. */
	db_event(db, "alice", "workspace.stop", "aaaa1111-0000-4000-8000-"
	    "000000000001", "ok", "");
	CHECK(scalar(db, "SELECT COUNT(*) FROM events WHERE owner = 'alice'")
	    == 1);
	st = db_prep(db, "PRAGMA integrity_check");
	CHECK(st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0);
	sqlite3_finalize(st);
	db_close(db);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	CHECK_DONE();
}
