/* test-gpu-alloc.c: the allocator against an in-memory store: every
 * request kind, parent/instance exclusion, quota, prefer, free, vanished
 * devices, the views; and 50 threads with their own connections to one
 * WAL file racing for seven 1g.10gb slices. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "err.h"
#include "db.h"
#include "db-int.h"
#include "gpu-inventory.h"
#include "log.h"
#include "xmalloc.h"

#include "check.h"


/* 1 when o[k] is the string want. */
static int
jstr_is(json_t *o, const char *k, const char *want)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL && strcmp(v, want) == 0;
}

/* 1 when o[k] is the integer want. */
static int
jint_is(json_t *o, const char *k, long long want)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) == want;
}

static void
add_gpu(struct gpu_inventory *inv, const char *uuid, int idx,
    const char *model, int64_t mem, int mig)
{
	struct gpu_dev d;

	memset(&d, 0, sizeof d);
	strlcpy_b(d.uuid, uuid, sizeof d.uuid);
	strlcpy_b(d.kind, "gpu", sizeof d.kind);
	strlcpy_b(d.model, model, sizeof d.model);
	d.index = d.minor = idx;
	d.memory_mb = mem;
	d.gi_id = d.ci_id = -1;
	d.mig_enabled = mig;
	gpu_inventory_add(inv, &d);
}

static void
add_mig(struct gpu_inventory *inv, const char *uuid, const char *parent,
    const char *profile, int64_t mem, int gi)
{
	const struct gpu_dev *p = gpu_inventory_find(inv, parent);
	struct gpu_dev d;

	memset(&d, 0, sizeof d);
	strlcpy_b(d.uuid, uuid, sizeof d.uuid);
	strlcpy_b(d.kind, "mig", sizeof d.kind);
	strlcpy_b(d.parent_uuid, parent, sizeof d.parent_uuid);
	strlcpy_b(d.model, p->model, sizeof d.model);
	strlcpy_b(d.profile, profile, sizeof d.profile);
	d.index = p->index;
	d.minor = p->minor;
	d.memory_mb = mem;
	d.gi_id = gi;
	d.ci_id = 0;
	gpu_inventory_add(inv, &d);
}

/* The DGX A100 of tests/nvml/dgx-a100.json, with short uuids, plus an
 * H100 with MIG on and no instances. */
static struct gpu_inventory *
dgx(void)
{
	struct gpu_inventory *inv = gpu_inventory_new("test");
	char u[32];
	int i;

	add_gpu(inv, "GPU-0", 0, "NVIDIA A100-SXM4-40GB", 40960, 1);
	add_mig(inv, "MIG-0-3g", "GPU-0", "3g.20gb", 19968, 2);
	add_mig(inv, "MIG-0-2g", "GPU-0", "2g.10gb", 9856, 5);
	add_mig(inv, "MIG-0-1a", "GPU-0", "1g.5gb", 4864, 13);
	add_mig(inv, "MIG-0-1b", "GPU-0", "1g.5gb", 4864, 14);
	add_gpu(inv, "GPU-1", 1, "NVIDIA A100-SXM4-40GB", 40960, 1);
	add_mig(inv, "MIG-1-7g", "GPU-1", "7g.40gb", 40192, 0);
	for (i = 2; i < 8; i++) {
		snprintf(u, sizeof u, "GPU-%d", i);
		add_gpu(inv, u, i, "NVIDIA A100-SXM4-40GB", 40960, 0);
	}
	add_gpu(inv, "GPU-8", 8, "NVIDIA H100 80GB HBM3", 81559, 1);
	return inv;
}

static struct gpu_inventory *
h100(void)
{
	struct gpu_inventory *inv = gpu_inventory_new("test");
	char u[32];
	int i;

	add_gpu(inv, "GPU-h100", 0, "NVIDIA H100 80GB HBM3", 81559, 1);
	for (i = 0; i < 7; i++) {
		snprintf(u, sizeof u, "MIG-h100-%d", i);
		add_mig(inv, u, "GPU-h100", "1g.10gb", 9984, 7 + i);
	}
	return inv;
}

static struct db *
mem_db(const struct gpu_inventory *inv)
{
	sqlite3 *h = NULL;
	struct db *db = NULL;

	if (sqlite3_open(":memory:", &h) != SQLITE_OK)
		abort();
	db = db_wrap(h);
	CHECK_EQ_INT(db_gpu_migrate(db), SQLITE_OK);
	CHECK_EQ_INT(db_gpu_migrate(db), SQLITE_OK);	/* idempotent */
	CHECK_EQ_INT(db_gpu_sync(db, inv, NULL), 0);
	return db;
}

/* gpu_alloc in its own transaction: commit on success. Returns the code;
 * *uuids (may be NULL) gets "u1,u2". */
static int
alloc(struct db *db, const char *ws, const char *owner, const char *req,
    int quota, const char *prefer, char **uuids)
{
	json_t *out = NULL;
	int r;

	if (uuids != NULL)
		*uuids = NULL;
	if (sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		abort();
	r = db_gpu_alloc(db, ws, owner, req, quota, prefer, &out);
	sqlite3_exec(db_sqlite(db), r == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (r == 0 && uuids != NULL)
		*uuids = gpu_uuids_csv(out);
	if (r != 0 && out != NULL) {
		fprintf(stderr, "gpu_alloc failed but set *out\n");
		check_failures++;
	}
	json_decref(out);
	return r;
}

static int
count_allocs(struct db *db)
{
	sqlite3_stmt *st;
	int n = -1;

	sqlite3_prepare_v2(db_sqlite(db), "SELECT COUNT(*) FROM gpu_allocs",
	    -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

#define EXPECT_UUIDS(db, ws, req, want) do {				\
	char *u_ = NULL;						\
	CHECK_EQ_INT(alloc(db, ws, "alice", req, -1, NULL, &u_), 0);	\
	CHECK_HAS(u_, want);						\
	if (u_ != NULL && strcmp(u_, want) != 0) {			\
		fprintf(stderr, "%s:%d: got %s want %s\n", __FILE__,	\
		    __LINE__, u_, want);				\
		check_failures++;						\
	}								\
	free(u_);							\
} while (0)

static void
test_request_kinds(void)
{
	struct gpu_inventory *inv = dgx();
	struct db *db = mem_db(inv);
	json_t *out = NULL, *d;

	/* Nothing. */
	EXPECT_UUIDS(db, "w-none", "none", "");
	EXPECT_UUIDS(db, "w-none", "", "");
	EXPECT_UUIDS(db, "w-none", "0", "");
	CHECK_EQ_INT(count_allocs(db), 0);

	/* Whole GPUs: never one with MIG on. */
	EXPECT_UUIDS(db, "w-1", "1", "GPU-2");
	EXPECT_UUIDS(db, "w-2", "2", "GPU-3,GPU-4");
	/* A model: whole GPU, MIG off, any case, substring. */
	EXPECT_UUIDS(db, "w-model", "a100", "GPU-5");
	CHECK_EQ_INT(alloc(db, "w-h100", "alice", "H100", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "no free whole GPU (MIG mode off) of model 'H100'");
	CHECK_EQ_INT(alloc(db, "w-v100", "alice", "V100", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "no GPU on this host matches model 'V100'");
	/* Two left (GPU-6, GPU-7): three is too many, with what is free. */
	CHECK_EQ_INT(alloc(db, "w-3", "alice", "3", -1, NULL, NULL), ERR_UNSAT);
	CHECK_HAS(err_msg(), "3 whole GPUs wanted, 2 free");
	CHECK_HAS(err_msg(), "2 × NVIDIA A100-SXM4-40GB");
	CHECK_HAS(err_msg(), "2 × 1g.5gb");

	/* Profiles. */
	EXPECT_UUIDS(db, "w-p1", "1g.5gb", "MIG-0-1a");
	EXPECT_UUIDS(db, "w-p2", "1G.5GB", "MIG-0-1b");
	CHECK_EQ_INT(alloc(db, "w-p3", "alice", "1g.5gb", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "no free 1g.5gb; free: 1 × 3g.20gb, 1 × 2g.10gb, "
	    "1 × 7g.40gb, 2 × NVIDIA A100-SXM4-40GB");
	CHECK_EQ_INT(alloc(db, "w-p4", "alice", "4g.40gb", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "no free 4g.40gb");

	/* By uuid. */
	EXPECT_UUIDS(db, "w-u1", "MIG-0-3g", "MIG-0-3g");
	CHECK_EQ_INT(alloc(db, "w-u2", "alice", "MIG-0-3g", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "'MIG-0-3g' is allocated");
	CHECK_EQ_INT(alloc(db, "w-u3", "alice", "GPU-nope", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "no GPU device 'GPU-nope'");

	/* Bad syntax. */
	CHECK_EQ_INT(alloc(db, "w-bad", "alice", "1g.5gb;drop", -1, NULL, NULL),
	    ERR_INVAL);
	CHECK_EQ_INT(alloc(db, "w-bad", "alice", "65", -1, NULL, NULL),
	    ERR_INVAL);
	CHECK_EQ_INT(alloc(db, "w-bad", "alice", "-1", -1, NULL, NULL),
	    ERR_INVAL);
	CHECK_EQ_INT(alloc(db, "w-bad", "alice", "GPU-a b", -1, NULL, NULL),
	    ERR_INVAL);
	CHECK_EQ_INT(alloc(db, "w-bad", "alice", "H100'--", -1, NULL, NULL),
	    ERR_INVAL);

	/* Outside a transaction: refused. */
	CHECK_EQ_INT(db_gpu_alloc(db, "w-tx", "alice", "1", -1, NULL, &out),
	    ERR_INTERNAL);
	CHECK(out == NULL);

	/* Already holding: the same devices come back. */
	EXPECT_UUIDS(db, "w-2", "2", "GPU-3,GPU-4");
	EXPECT_UUIDS(db, "w-2", "1g.5gb", "GPU-3,GPU-4");

	/* Allocation objects. */
	CHECK_EQ_INT(db_gpu_allocated(db, "w-p1", &out), 0);
	CHECK_EQ_INT(json_array_size(out), 1);
	d = json_array_get(out, 0);
	CHECK(jstr_is(d, "uuid", "MIG-0-1a") && jstr_is(d, "kind", "mig") &&
	    jstr_is(d, "model", "NVIDIA A100-SXM4-40GB") &&
	    jstr_is(d, "profile", "1g.5gb") && jint_is(d, "memory_mb", 4864) &&
	    jint_is(d, "index", 0) && jstr_is(d, "parent_uuid", "GPU-0") &&
	    jint_is(d, "gi_id", 13));
	json_decref(out);
	CHECK_EQ_INT(db_gpu_allocated(db, "w-2", &out), 0);
	d = json_array_get(out, 0);
	CHECK(jstr_is(d, "kind", "gpu") && jstr_is(d, "uuid", "GPU-3") &&
	    json_is_null(json_object_get(d, "profile")) &&
	    json_is_null(json_object_get(d, "parent_uuid")));
	json_decref(out);

	/* Free, then allocated again. */
	CHECK_EQ_INT(db_gpu_free(db, "w-p1"), 0);
	CHECK_EQ_INT(db_gpu_free(db, "w-p1"), 0);
	CHECK_EQ_INT(db_gpu_allocated(db, "w-p1", &out), 0);
	CHECK_EQ_INT(json_array_size(out), 0);
	json_decref(out);
	EXPECT_UUIDS(db, "w-p5", "1g.5gb", "MIG-0-1a");

	gpu_inventory_free(inv);
	db_close(db);
}

static void
test_exclusion(void)
{
	struct gpu_inventory *inv = dgx();
	struct db *db = mem_db(inv);

	/* A whole GPU with MIG on: by uuid only, while no instance held. */
	EXPECT_UUIDS(db, "w-a", "GPU-1", "GPU-1");
	CHECK_EQ_INT(alloc(db, "w-b", "alice", "7g.40gb", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_EQ_INT(alloc(db, "w-b", "alice", "MIG-1-7g", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "overlaps an allocated MIG instance or its "
	    "parent");
	CHECK_EQ_INT(db_gpu_free(db, "w-a"), 0);
	EXPECT_UUIDS(db, "w-b", "7g.40gb", "MIG-1-7g");
	CHECK_EQ_INT(alloc(db, "w-c", "alice", "GPU-1", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "overlaps");

	/* The store refuses overlap and double holding by itself too. */
	CHECK(sqlite3_exec(db_sqlite(db), "INSERT INTO gpu_allocs (uuid, workspace_id, "
	    "owner, allocated_at) VALUES ('GPU-1', 'x', 'x', 0)", NULL, NULL,
	    NULL) != SQLITE_OK);
	CHECK(sqlite3_exec(db_sqlite(db), "INSERT INTO gpu_allocs (uuid, workspace_id, "
	    "owner, allocated_at) VALUES ('MIG-1-7g', 'x', 'x', 0)", NULL, NULL,
	    NULL) != SQLITE_OK);
	EXPECT_UUIDS(db, "w-d", "MIG-0-2g", "MIG-0-2g");
	CHECK(sqlite3_exec(db_sqlite(db), "INSERT INTO gpu_allocs (uuid, workspace_id, "
	    "owner, allocated_at) VALUES ('GPU-0', 'x', 'x', 0)", NULL, NULL,
	    NULL) != SQLITE_OK);
	CHECK_EQ_INT(count_allocs(db), 2);

	/* MIG on, no instances: "1" never takes it, its uuid does. */
	CHECK_EQ_INT(alloc(db, "w-e", "alice", "7", -1, NULL, NULL), ERR_UNSAT);
	CHECK_HAS(err_msg(), "7 whole GPUs wanted, 6 free");
	EXPECT_UUIDS(db, "w-e", "GPU-8", "GPU-8");

	gpu_inventory_free(inv);
	db_close(db);
}

static void
test_quota_prefer(void)
{
	struct gpu_inventory *inv = dgx();
	struct db *db = mem_db(inv);
	char *u = NULL;

	CHECK_EQ_INT(alloc(db, "w-1", "bob", "1g.5gb", 2, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-2", "bob", "2", 2, NULL, NULL), ERR_QUOTA);
	CHECK_HAS(err_msg(), "bob holds 1 of at most 2 GPUs and this needs 2");
	CHECK_EQ_INT(alloc(db, "w-2", "bob", "1", 2, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "1g.5gb", 2, NULL, NULL), ERR_QUOTA);
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "1g.5gb", 0, NULL, NULL), ERR_QUOTA);
	/* Quota is per owner; another user is not counted against bob. */
	CHECK_EQ_INT(alloc(db, "w-4", "carol", "1g.5gb", 1, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-5", "carol", "1", 1, NULL, NULL), ERR_QUOTA);
	/* Quota is checked before availability. */
	CHECK_EQ_INT(alloc(db, "w-5", "carol", "1g.5gb", 1, NULL, NULL),
	    ERR_QUOTA);
	/* A bad request is a bad request whatever the quota. */
	CHECK_EQ_INT(alloc(db, "w-5", "carol", "1g.5g", 0, NULL, NULL),
	    ERR_INVAL);

	/* prefer: the same device again when free ... */
	CHECK_EQ_INT(db_gpu_free(db, "w-1"), 0);
	CHECK_EQ_INT(db_gpu_free(db, "w-4"), 0);
	CHECK_EQ_INT(alloc(db, "w-1", "bob", "1g.5gb", -1, "MIG-0-1b", &u), 0);
	CHECK_HAS(u, "MIG-0-1b");
	free(u);
	/* ... else another of the same kind. */
	CHECK_EQ_INT(alloc(db, "w-6", "dave", "1g.5gb", -1, "MIG-0-1b", &u), 0);
	CHECK_HAS(u, "MIG-0-1a");
	free(u);
	/* A preferred device that does not fit the request is not taken. */
	CHECK_EQ_INT(db_gpu_free(db, "w-2"), 0);
	CHECK_EQ_INT(alloc(db, "w-2", "bob", "1", -1, "MIG-0-3g,GPU-7", &u), 0);
	CHECK_HAS(u, "GPU-7");
	free(u);
	/* Two preferred of a count, in order. */
	CHECK_EQ_INT(db_gpu_free(db, "w-2"), 0);
	CHECK_EQ_INT(alloc(db, "w-2", "bob", "2", -1, "GPU-6,GPU-7", &u), 0);
	CHECK(u != NULL && strcmp(u, "GPU-6,GPU-7") == 0);
	free(u);

	gpu_inventory_free(inv);
	db_close(db);
}

static json_t *
find_type(json_t *types, const char *profile_or_model)
{
	json_t *t;
	size_t i;

	json_array_foreach(types, i, t) {
		const char *p = json_string_value(json_object_get(t,
		    "profile"));
		const char *m = json_string_value(json_object_get(t, "model"));
		if ((p != NULL && strcmp(p, profile_or_model) == 0) ||
		    (p == NULL && strcmp(m, profile_or_model) == 0))
			return t;
	}
	return NULL;
}

static void
test_sync_and_views(void)
{
	struct gpu_inventory *inv = dgx(), *inv2;
	struct db *db = mem_db(inv);
	json_t *v, *d, *out = NULL;
	size_t i;
	int vanished = -1, seen = 0;

	CHECK_EQ_INT(alloc(db, "w-1", "bob", "1g.5gb", -1, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-2", "bob", "GPU-2", -1, NULL, NULL), 0);

	v = db_gpu_view_types(db);
	d = find_type(v, "1g.5gb");
	CHECK(jint_is(d, "total", 2) && jint_is(d, "free", 1) &&
	    jint_is(d, "memory_mb", 4864) && jstr_is(d, "kind", "mig"));
	d = find_type(v, "7g.40gb");
	CHECK(jint_is(d, "total", 1) && jint_is(d, "free", 1));
	/* Whole GPUs: MIG-on ones are represented by their instances. */
	d = find_type(v, "NVIDIA A100-SXM4-40GB");
	CHECK(jint_is(d, "total", 6) && jint_is(d, "free", 5));
	CHECK(find_type(v, "NVIDIA H100 80GB HBM3") == NULL);
	json_decref(v);

	/* Available: 14 devices minus GPU-2, MIG-0-1a, and GPU-0 (an
	 * instance of it is held). */
	v = db_gpu_view_available(db);
	CHECK_EQ_INT(json_array_size(v), 14 - 3);
	json_decref(v);

	/* Devices: holder shown to admins and to the holder only. */
	v = db_gpu_view_devices(db, NULL, "eve", 0);
	CHECK_EQ_INT(json_array_size(v), 14);
	json_array_foreach(v, i, d) {
		if (strcmp(json_string_value(json_object_get(d, "uuid")),
		    "MIG-0-1a") != 0)
			continue;
		seen = 1;
		CHECK(json_is_true(json_object_get(d, "allocated")));
		CHECK(json_is_null(json_object_get(d, "allocated_to")));
	}
	CHECK(seen);
	json_decref(v);
	v = db_gpu_view_devices(db, NULL, "bob", 0);
	json_array_foreach(v, i, d) {
		if (strcmp(json_string_value(json_object_get(d, "uuid")),
		    "MIG-0-1a") == 0)
			CHECK(jstr_is(json_object_get(d, "allocated_to"),
			    "workspace_id", "w-1") && jstr_is(
			    json_object_get(d, "allocated_to"), "owner",
			    "bob"));
		if (strcmp(json_string_value(json_object_get(d, "uuid")),
		    "GPU-0") == 0)
			CHECK(json_is_false(json_object_get(d, "available")));
	}
	json_decref(v);

	/* An admin re-partitions GPU 0: the held 1g.5gb vanishes. It stays
	 * held and is reported; new devices appear. */
	inv2 = gpu_inventory_new("test");
	for (i = 0; i < inv->n; i++)
		if (strcmp(inv->devs[i].parent_uuid, "GPU-0") != 0)
			gpu_inventory_add(inv2, &inv->devs[i]);
	add_mig(inv2, "MIG-0-7g", "GPU-0", "7g.40gb", 40192, 0);
	CHECK_EQ_INT(db_gpu_sync(db, inv2, &vanished), 0);
	CHECK_EQ_INT(vanished, 1);
	CHECK_EQ_INT(db_gpu_allocated(db, "w-1", &out), 0);
	CHECK_EQ_INT(json_array_size(out), 1);
	json_decref(out);
	v = db_gpu_view_devices(db, NULL, "admin", 1);
	json_array_foreach(v, i, d) {
		if (strcmp(json_string_value(json_object_get(d, "uuid")),
		    "MIG-0-1a") == 0)
			CHECK(json_is_false(json_object_get(d, "present")) &&
			    json_is_true(json_object_get(d, "allocated")));
	}
	json_decref(v);
	/* Gone devices are not handed out; the vanished instance still
	 * blocks its whole GPU until freed, not its new sibling. */
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "1g.5gb", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "MIG-0-1b", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_HAS(err_msg(), "'MIG-0-1b' is not present");
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "GPU-0", -1, NULL, NULL), ERR_UNSAT);
	CHECK_EQ_INT(alloc(db, "w-3", "bob", "7g.40gb", -1, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-4", "bob", "7g.40gb", -1, NULL, NULL), 0);
	CHECK_EQ_INT(alloc(db, "w-5", "bob", "7g.40gb", -1, NULL, NULL),
	    ERR_UNSAT);
	CHECK_EQ_INT(db_gpu_free(db, "w-1"), 0);
	CHECK_EQ_INT(db_gpu_free(db, "w-3"), 0);
	CHECK_EQ_INT(alloc(db, "w-5", "bob", "GPU-0", -1, NULL, NULL), 0);
	/* Sync inside a caller's transaction joins it. */
	sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
	CHECK_EQ_INT(db_gpu_sync(db, inv, &vanished), 0);
	CHECK(!sqlite3_get_autocommit(db_sqlite(db)));
	sqlite3_exec(db_sqlite(db), "ROLLBACK", NULL, NULL, NULL);

	gpu_inventory_free(inv2);
	gpu_inventory_free(inv);
	db_close(db);
}

/* 50 threads, each its own connection to one WAL file. */

#define NTHREADS 50

struct racer {
	const char	*path;
	int		 n;
	int		 rc;
	char		 uuid[GPU_UUID_MAX];
};

static pthread_barrier_t barrier;

static void *
race(void *arg)
{
	struct racer *rc = arg;
	sqlite3 *h = NULL;
	struct db *db = NULL;
	json_t *out = NULL;
	char ws[32], owner[32];

	rc->rc = ERR_INTERNAL;
	if (sqlite3_open(rc->path, &h) != SQLITE_OK) {
		pthread_barrier_wait(&barrier);
		return NULL;
	}
	db = db_wrap(h);
	sqlite3_busy_timeout(db_sqlite(db), 10000);
	snprintf(ws, sizeof ws, "ws-%d", rc->n);
	snprintf(owner, sizeof owner, "user-%d", rc->n);
	pthread_barrier_wait(&barrier);
	if (sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "thread %d: BEGIN: %s\n", rc->n,
		    sqlite3_errmsg(db_sqlite(db)));
		db_close(db);
		return NULL;
	}
	rc->rc = db_gpu_alloc(db, ws, owner, "1g.10gb", 1, NULL, &out);
	if (rc->rc == 0) {
		strlcpy_b(rc->uuid, json_string_value(json_object_get(
		    json_array_get(out, 0), "uuid")), sizeof rc->uuid);
		if (sqlite3_exec(db_sqlite(db), "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK)
			rc->rc = ERR_INTERNAL;
	} else
		sqlite3_exec(db_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
	json_decref(out);
	db_close(db);
	return NULL;
}

static void
test_concurrent(void)
{
	struct gpu_inventory *inv = h100();
	struct racer rs[NTHREADS];
	pthread_t t[NTHREADS];
	char path[] = "/tmp/berth-gpu-race-XXXXXX";
	char *dbpath, *wal, *shm;
	sqlite3 *h = NULL;
	struct db *db = NULL;
	int fd, i, j, ok = 0, unsat = 0, dup = 0;

	if ((fd = mkstemp(path)) == -1) {
		CHECK(!"mkstemp");
		return;
	}
	close(fd);
	dbpath = xasprintf("%s", path);
	wal = xasprintf("%s-wal", path);
	shm = xasprintf("%s-shm", path);
	CHECK(sqlite3_open(dbpath, &h) == SQLITE_OK);
	db = db_wrap(h);
	CHECK(sqlite3_exec(db_sqlite(db), "PRAGMA journal_mode=WAL", NULL, NULL, NULL) ==
	    SQLITE_OK);
	CHECK_EQ_INT(db_gpu_migrate(db), SQLITE_OK);
	CHECK_EQ_INT(db_gpu_sync(db, inv, NULL), 0);

	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		memset(&rs[i], 0, sizeof rs[i]);
		rs[i].path = dbpath;
		rs[i].n = i;
		pthread_create(&t[i], NULL, race, &rs[i]);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);

	for (i = 0; i < NTHREADS; i++) {
		if (rs[i].rc == 0)
			ok++;
		else if (rs[i].rc == ERR_UNSAT)
			unsat++;
		else
			fprintf(stderr, "thread %d: rc %d\n", i, rs[i].rc);
		for (j = 0; j < i; j++)
			if (rs[i].rc == 0 && rs[j].rc == 0 &&
			    strcmp(rs[i].uuid, rs[j].uuid) == 0)
				dup++;
	}
	CHECK_EQ_INT(ok, 7);
	CHECK_EQ_INT(unsat, NTHREADS - 7);
	CHECK_EQ_INT(dup, 0);
	CHECK_EQ_INT(count_allocs(db), 7);
	db_close(db);
	unlink(dbpath);
	unlink(wal);
	unlink(shm);
	free(dbpath);
	free(wal);
	free(shm);
	gpu_inventory_free(inv);
}

int
main(void)
{
	log_init(LOG_ERROR, 0);
	test_request_kinds();
	test_exclusion();
	test_quota_prefer();
	test_sync_and_views();
	test_concurrent();
	if (check_failures != 0) {
		fprintf(stderr, "%d failure(s)\n", check_failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
