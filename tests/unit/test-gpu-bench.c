/* test-gpu-bench.c: figures for the GPU allocator and discovery; prints
 * them, asserts only correctness. Allocation decision time with 56
 * devices (7 H100s × (1 + 7 × 1g.10gb)) and 1,000 workspaces recorded
 * (median of BEGIN IMMEDIATE + gpu_alloc + ROLLBACK on a WAL file), and
 * enumeration time through the NVML stand-in (dgx-a100.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "err.h"
#include "db.h"
#include "db-int.h"
#include "gpu-inventory.h"
#include "gpu-nvml.h"
#include "log.h"
#include "xmalloc.h"

#define ROUNDS	2000

#include "check.h"


static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct gpu_inventory *
inventory56(void)
{
	struct gpu_inventory *inv = gpu_inventory_new("bench");
	struct gpu_dev d;
	int g, m;

	for (g = 0; g < 7; g++) {
		memset(&d, 0, sizeof d);
		snprintf(d.uuid, sizeof d.uuid, "GPU-bench-%d", g);
		strlcpy_b(d.kind, "gpu", sizeof d.kind);
		strlcpy_b(d.model, "NVIDIA H100 80GB HBM3", sizeof d.model);
		d.index = d.minor = g;
		d.memory_mb = 81559;
		d.gi_id = d.ci_id = -1;
		d.mig_enabled = 1;
		gpu_inventory_add(inv, &d);
		for (m = 0; m < 7; m++) {
			memset(&d, 0, sizeof d);
			snprintf(d.uuid, sizeof d.uuid, "MIG-bench-%d-%d", g, m);
			snprintf(d.parent_uuid, sizeof d.parent_uuid,
			    "GPU-bench-%d", g);
			strlcpy_b(d.kind, "mig", sizeof d.kind);
			strlcpy_b(d.model, "NVIDIA H100 80GB HBM3",
			    sizeof d.model);
			strlcpy_b(d.profile, "1g.10gb", sizeof d.profile);
			d.index = d.minor = g;
			d.memory_mb = 9984;
			d.gi_id = 7 + m;
			d.ci_id = 0;
			gpu_inventory_add(inv, &d);
		}
	}
	return inv;
}

static void
bench_alloc(void)
{
	struct gpu_inventory *inv = inventory56();
	char path[] = "/tmp/berth-gpu-bench-XXXXXX", sql[256], ws[32];
	double *t;
	sqlite3 *h = NULL;
	struct db *db = NULL;
	json_t *out;
	int fd, i, held = 0, r;

	if ((fd = mkstemp(path)) == -1)
		return;
	close(fd);
	CHECK(sqlite3_open(path, &h) == SQLITE_OK);
	db = db_wrap(h);
	sqlite3_busy_timeout(db_sqlite(db), 10000);
	sqlite3_exec(db_sqlite(db), "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	CHECK(db_gpu_migrate(db) == SQLITE_OK);
	CHECK(db_gpu_sync(db, inv, NULL) == 0);
	CHECK(inv->n == 56);
	/* 1,000 workspaces recorded: a workspaces table as the store has
	 * one, 40 of them holding a 1g.10gb (9 slices stay free). */
	sqlite3_exec(db_sqlite(db), "CREATE TABLE workspaces (id TEXT PRIMARY KEY, "
	    "name TEXT, owner TEXT, state TEXT)", NULL, NULL, NULL);
	sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (i = 0; i < 1000; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO workspaces VALUES "
		    "('ws-%d', 'w%d', 'user-%d', 'stopped')", i, i, i % 50);
		sqlite3_exec(db_sqlite(db), sql, NULL, NULL, NULL);
		if (i % 25 == 0 && held < 40) {
			snprintf(ws, sizeof ws, "ws-%d", i);
			snprintf(sql, sizeof sql, "user-%d", i % 50);
			CHECK(db_gpu_alloc(db, ws, sql, "1g.10gb", -1, NULL,
			    &out) == 0);
			json_decref(out);
			held++;
		}
	}
	sqlite3_exec(db_sqlite(db), "COMMIT", NULL, NULL, NULL);

	t = xcalloc(ROUNDS, sizeof *t);
	for (i = 0; i < ROUNDS; i++) {
		double t0 = now_us();
		sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
		r = db_gpu_alloc(db, "ws-new", "user-7", "1g.10gb", 8, NULL, &out);
		sqlite3_exec(db_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
		t[i] = now_us() - t0;
		CHECK(r == 0 && json_array_size(out) == 1);
		json_decref(out);
	}
	qsort(t, ROUNDS, sizeof *t, cmp_d);
	printf("gpu_alloc decision (56 devices, 1000 workspaces, 40 held; "
	    "BEGIN IMMEDIATE + gpu_alloc + ROLLBACK): median %.1f us, p99 "
	    "%.1f us over %d rounds\n", t[ROUNDS / 2], t[ROUNDS * 99 / 100],
	    ROUNDS);
	/* An unsatisfiable request (builds the "free:" list). */
	for (i = 0; i < ROUNDS; i++) {
		double t0 = now_us();
		sqlite3_exec(db_sqlite(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
		r = db_gpu_alloc(db, "ws-new", "user-7", "3g.40gb", 8, NULL, &out);
		sqlite3_exec(db_sqlite(db), "ROLLBACK", NULL, NULL, NULL);
		t[i] = now_us() - t0;
		CHECK(r == ERR_UNSAT);
	}
	qsort(t, ROUNDS, sizeof *t, cmp_d);
	printf("gpu_alloc refusal (ERR_UNSAT with free list): median %.1f us\n",
	    t[ROUNDS / 2]);
	free(t);
	db_close(db);
	unlink(path);
	snprintf(sql, sizeof sql, "%s-wal", path);
	unlink(sql);
	snprintf(sql, sizeof sql, "%s-shm", path);
	unlink(sql);
	gpu_inventory_free(inv);
}

static void
bench_enumerate(void)
{
	struct gpu_inventory *inv;
	struct gpu_nvml *nv;
	const char *bd = getenv("BUILD_DIR"), *sd = getenv("SRC_DIR");
	char *lib, *machine;
	double t0, t[200];
	int i;

	if (bd == NULL || sd == NULL) {
		CHECK(!"BUILD_DIR and SRC_DIR must be set");
		return;
	}
	lib = xasprintf("%s/libnvml-standin.so", bd);
	machine = xasprintf("%s/tests/nvml/dgx-a100.json", sd);
	setenv("NVML_STANDIN_MACHINE", machine, 1);
	t0 = now_us();
	nv = gpu_nvml_open(lib);
	printf("NVML open (dlopen + nvmlInit, stand-in reads dgx-a100.json): "
	    "%.1f us\n", now_us() - t0);
	CHECK(gpu_nvml_loaded(nv));
	for (i = 0; i < 200; i++) {
		t0 = now_us();
		inv = NULL;
		CHECK(gpu_nvml_scan(nv, &inv) == 0);
		t[i] = now_us() - t0;
		CHECK(inv != NULL && inv->n == 13);
		gpu_inventory_free(inv);
	}
	qsort(t, 200, sizeof *t, cmp_d);
	printf("enumeration through the stand-in (8 GPUs, 5 MIG devices): "
	    "median %.1f us\n", t[100]);
	gpu_nvml_close(nv);
	free(lib);
	free(machine);
}

int
main(void)
{
	log_init(LOG_ERROR, 0);
	bench_alloc();
	bench_enumerate();
	if (check_failures != 0) {
		fprintf(stderr, "%d failure(s)\n", check_failures);
		return 1;
	}
	return 0;
}
