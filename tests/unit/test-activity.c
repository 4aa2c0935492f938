/* test-activity.c: the activity API (activity.h: a moment, a hold and
 * its release, an unknown source ignored; what memory shows before the
 * store has it; the lifecycle thread's flush into the record and the
 * per-source times; due times of db_ws_expired) and scoped keys' limits
 * (auth.h: parsing, scope and workspace checks, the reasons given). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "activity.h"
#include "auth.h"
#include "check.h"
#include "db.h"
#include "db-int.h"
#include "err.h"
#include "timeutil.h"

static int64_t
scalar(struct db *db, const char *sql)
{
	return db_int(db, -1, sql, "");
}

static void
limits(void)
{
	struct auth_limits lim;
	struct principal who;
	json_t *b;

	b = json_pack("{s:[s,s],s:[s,s],s:s}", "scopes", "exec", "files",
	    "workspaces", "train", "0b1c2d3e-0000-4000-8000-000000000001",
	    "expires_in", "8h");
	CHECK(auth_limits_parse(b, &lim) == 0);
	json_decref(b);
	CHECK_EQ_INT(lim.scopes, AUTH_EXEC | AUTH_FILES);
	CHECK_EQ_INT(lim.nws, 2);
	CHECK(lim.expires_at >= now_s() + 8 * 3600 - 2);
	CHECK_EQ_STR(auth_scope_str(lim.scopes), "exec,files");
	memset(&who, 0, sizeof who);
	CHECK(!auth_limited(&who));
	CHECK(auth_require(&who, AUTH_LIFECYCLE, "x", "y") == 0);
	who.lim = lim;
	CHECK(auth_limited(&who));
	CHECK(auth_scope_ok(&who, AUTH_EXEC));
	CHECK(!auth_scope_ok(&who, AUTH_READ));
	CHECK(auth_ws_ok(&who, NULL, "train"));
	CHECK(auth_ws_ok(&who, "0b1c2d3e-0000-4000-8000-000000000001",
	    "other"));
	CHECK(!auth_ws_ok(&who, "0b1c2d3e-0000-4000-8000-000000000002",
	    "other"));
	CHECK(auth_require(&who, AUTH_EXEC, NULL, "train") == 0);
	CHECK(auth_require(&who, AUTH_LIFECYCLE, NULL, "train") ==
	    ERR_FORBIDDEN);
	CHECK(strstr(err_msg(), "do not include lifecycle") != NULL);
	CHECK(auth_require(&who, AUTH_EXEC, NULL, "other") == ERR_FORBIDDEN);
	CHECK(strstr(err_msg(), "limited to the workspaces train") != NULL);
	/* Refused: unknown scope, not an array, a bad name, no expiry. */
	b = json_pack("{s:[s]}", "scopes", "root");
	CHECK(auth_limits_parse(b, &lim) == ERR_INVAL);
	json_decref(b);
	b = json_pack("{s:s}", "scopes", "exec");
	CHECK(auth_limits_parse(b, &lim) == ERR_INVAL);
	json_decref(b);
	b = json_pack("{s:[s]}", "workspaces", "../etc");
	CHECK(auth_limits_parse(b, &lim) == ERR_INVAL);
	json_decref(b);
	b = json_pack("{s:i}", "expires_in", 0);
	CHECK(auth_limits_parse(b, &lim) == ERR_INVAL);
	json_decref(b);
	b = json_object();
	CHECK(auth_limits_parse(b, &lim) == 0 && lim.scopes == 0 &&
	    lim.nws == 0 && lim.expires_at == 0);
	json_decref(b);
}

int
main(void)
{
	char dir[] = "/tmp/test-activity.XXXXXX", path[256];
	int64_t last, now = now_s(), *due = NULL;
	char **ids = NULL, **why = NULL;
	unsigned held;
	struct db *db;
	size_t n = 0;
	int src;

	limits();
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/berth.db", dir);
	CHECK(db_open(path, &db) == 0);
	CHECK(db_run(db, "INSERT INTO workspaces (id, name, owner, image, "
	    "state, cpus, memory, pids_limit, created_at, idle_timeout, "
	    "last_activity_at) VALUES ('w1', 'a', 'u', 'img', 'running', 1, "
	    "1, 1, 1, 60, ?)", "i", now - 3600) == 0);

	/* Nothing noted: memory knows nothing. */
	activity_peek("w1", &last, &src, &held);
	CHECK(last == 0 && src == -1 && held == 0);
	/* A moment, and a source that is not one (ignored). */
	ws_activity("w1", "exec");
	ws_activity("w1", "bogus");
	activity_peek("w1", &last, &src, &held);
	CHECK(last >= now && src == ACT_EXEC && held == 0);
	/* The store has it only after the flush. */
	CHECK(scalar(db, "SELECT last_activity_at FROM workspaces") ==
	    now - 3600);
	activity_flush(db);
	CHECK(scalar(db, "SELECT last_activity_at FROM workspaces") >= now);
	CHECK(scalar(db, "SELECT COUNT(*) FROM ws_activity WHERE source = "
	    "'exec'") == 1);
	CHECK(scalar(db, "SELECT COUNT(*) FROM workspaces WHERE "
	    "activity_source = 'exec'") == 1);
	/* Written and nothing open: memory lets go of it. */
	activity_peek("w1", &last, &src, &held);
	CHECK(last == 0 && held == 0);

	/* A hold is activity at every flush until released. */
	ws_activity_hold("w1", "ssh");
	ws_activity_hold("w1", "ssh");
	activity_peek("w1", &last, &src, &held);
	CHECK(held == 1u << ACT_SSH);
	CHECK(db_run(db, "UPDATE workspaces SET last_activity_at = ?", "i",
	    now - 100) == 0);
	activity_flush(db);
	CHECK(scalar(db, "SELECT last_activity_at FROM workspaces") >= now);
	CHECK(scalar(db, "SELECT COUNT(*) FROM workspaces WHERE "
	    "activity_source = 'ssh'") == 1);
	ws_activity_release("w1", "ssh");
	activity_peek("w1", &last, &src, &held);
	CHECK(held == 1u << ACT_SSH);	/* one of two still open */
	ws_activity_release("w1", "ssh");
	activity_peek("w1", &last, &src, &held);
	CHECK(held == 0);
	activity_flush(db);
	CHECK(scalar(db, "SELECT COUNT(*) FROM ws_activity") == 2);

	/* Due times: idle 60 s after the last activity. */
	CHECK(db_run(db, "UPDATE workspaces SET last_activity_at = ?", "i",
	    now - 100) == 0);
	CHECK(db_ws_expired(db, now, &ids, &why, &due, &n) == 0);
	CHECK_EQ_INT(n, 1);
	if (n == 1) {
		CHECK_EQ_STR(why[0], "idle");
		CHECK_EQ_INT(due[0], now - 40);
		free(ids[0]);
		free(why[0]);
	}
	free(ids);
	free(why);
	free(due);
	CHECK_EQ_INT(db_ws_next_due(db), now - 40);
	/* Removing the workspace removes its activity. */
	CHECK(db_ws_remove(db, "w1") == 0);
	CHECK(scalar(db, "SELECT COUNT(*) FROM ws_activity") == 0);
	db_close(db);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	CHECK(system(path) == 0);
	CHECK_DONE();
}
