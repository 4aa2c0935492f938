/* test-gpu-nvml.c: NVML discovery through the real dlopen path against the
 * stand-in library (build/libnvml-standin.so) and each machine file in
 * tests/nvml/: the enumeration must match the file. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "err.h"
#include "db.h"
#include "db-int.h"
#include "gpu-inventory.h"
#include "gpu-nvml.h"
#include "log.h"
#include "xmalloc.h"

#include "check.h"


static char *standin_path;
static const char *src_dir;

static json_t *
profile_of(json_t *machine, json_t *gpu, const char *name)
{
	json_t *profs, *p;
	size_t i;

	if ((profs = json_object_get(gpu, "gi_profiles")) == NULL)
		profs = json_object_get(machine, "gi_profiles");
	json_array_foreach(profs, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    name) == 0)
			return p;
	}
	return NULL;
}

/* Sorts a machine's MIG devices by slot, as NVML enumerates them. */
static int
by_slot(const void *a, const void *b)
{
	json_int_t x, y;

	x = json_integer_value(json_object_get(*(json_t *const *)a, "slot"));
	y = json_integer_value(json_object_get(*(json_t *const *)b, "slot"));
	return x < y ? -1 : x > y;
}

static void
check_machine(const char *file, size_t want_devices)
{
	struct gpu_inventory *inv = NULL;
	struct gpu_nvml *nv;
	struct gpu_stats st;
	const struct gpu_dev *d;
	json_error_t jerr;
	json_t *m, *g, *mig, *mp, *prof, *migs[16];
	const char *want_profile;
	char *path;
	size_t gi, k, nm, at = 0;

	path = xasprintf("%s/tests/nvml/%s", src_dir, file);
	m = json_load_file(path, 0, &jerr);
	CHECK(m != NULL);
	if (m == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		free(path);
		return;
	}
	setenv("NVML_STANDIN_MACHINE", path, 1);
	nv = gpu_nvml_open(standin_path);
	CHECK(gpu_nvml_loaded(nv));
	CHECK_EQ_STR(gpu_nvml_note(nv), "");
	CHECK_EQ_INT(gpu_nvml_scan(nv, &inv), 0);
	CHECK(inv != NULL);
	if (inv == NULL || !gpu_nvml_loaded(nv))
		goto out;
	CHECK_EQ_STR(inv->source, "nvml");
	CHECK_EQ_INT(inv->n, want_devices);

	json_array_foreach(json_object_get(m, "gpus"), gi, g) {
		if (at >= inv->n) {
			CHECK(!"fewer devices than the machine file");
			break;
		}
		d = &inv->devs[at++];
		CHECK_EQ_STR(d->kind, "gpu");
		CHECK_EQ_STR(d->uuid, json_string_value(json_object_get(g,
		    "uuid")));
		CHECK_EQ_STR(d->parent_uuid, "");
		CHECK_EQ_STR(d->profile, "");
		CHECK_EQ_STR(d->model, json_string_value(json_object_get(g,
		    "name")));
		CHECK_EQ_INT(d->index, gi);
		CHECK_EQ_INT(d->memory_mb, json_integer_value(json_object_get(g,
		    "memory_mb")));
		CHECK_EQ_INT(d->minor, json_integer_value(json_object_get(g,
		    "minor")));
		CHECK_EQ_INT(d->mig_enabled, json_object_get(g, "mig") != NULL &&
		    strcmp(json_string_value(json_object_get(g, "mig")),
		    "on") == 0);
		CHECK_EQ_INT(d->gi_id, -1);

		/* Live stats of a whole GPU come from the file. */
		CHECK_EQ_INT(gpu_nvml_stats(nv, d->uuid, &st), 0);
		CHECK_EQ_INT(st.temperature_c, json_integer_value(
		    json_object_get(g, "temperature")));
		CHECK_EQ_INT(st.utilization_pct, json_integer_value(
		    json_object_get(g, "utilization")));
		CHECK_EQ_INT(st.memory_used_mb, json_integer_value(
		    json_object_get(g, "memory_used_mb")));
		CHECK_EQ_INT(st.memory_total_mb, d->memory_mb);

		nm = 0;
		json_array_foreach(json_object_get(g, "mig_devices"), k, mp) {
			if (nm < 16)
				migs[nm++] = mp;
		}
		qsort(migs, nm, sizeof migs[0], by_slot);
		for (k = 0; k < nm; k++) {
			mig = migs[k];
			if (at >= inv->n) {
				CHECK(!"fewer MIG devices than the file");
				break;
			}
			d = &inv->devs[at++];
			want_profile = json_string_value(json_object_get(mig,
			    "expect_profile"));
			if (want_profile == NULL)
				want_profile = json_string_value(
				    json_object_get(mig, "profile"));
			prof = profile_of(m, g, json_string_value(
			    json_object_get(mig, "profile")));
			CHECK(prof != NULL);
			CHECK_EQ_STR(d->kind, "mig");
			CHECK_EQ_STR(d->uuid, json_string_value(json_object_get(
			    mig, "uuid")));
			CHECK_EQ_STR(d->parent_uuid, json_string_value(
			    json_object_get(g, "uuid")));
			CHECK_EQ_STR(d->profile, want_profile);
			CHECK_EQ_STR(d->model, json_string_value(json_object_get(g,
			    "name")));
			CHECK_EQ_INT(d->index, gi);
			CHECK_EQ_INT(d->minor, json_integer_value(json_object_get(
			    g, "minor")));
			CHECK_EQ_INT(d->gi_id, json_integer_value(json_object_get(
			    mig, "gi_id")));
			CHECK_EQ_INT(d->ci_id, json_integer_value(json_object_get(
			    mig, "ci_id")));
			if (prof != NULL)
				CHECK_EQ_INT(d->memory_mb, json_integer_value(
				    json_object_get(prof, "memory_mb")));
			/* MIG devices have no utilization or temperature. */
			CHECK_EQ_INT(gpu_nvml_stats(nv, d->uuid, &st), 0);
			CHECK_EQ_INT(st.utilization_pct, -1);
			CHECK_EQ_INT(st.temperature_c, -1);
			CHECK_EQ_INT(st.memory_total_mb, d->memory_mb);
		}
	}
	CHECK_EQ_INT(at, inv->n);
	CHECK(gpu_nvml_stats(nv, "GPU-not-there", &st) == ERR_NOTFOUND);
out:
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);
	json_decref(m);
	free(path);
}

static void
test_absent(void)
{
	struct gpu_inventory *inv = NULL;
	struct gpu_nvml *nv;
	struct gpu_stats st;

	/* No such library. */
	nv = gpu_nvml_open("/nonexistent/libnvidia-ml.so.1");
	CHECK(!gpu_nvml_loaded(nv));
	CHECK(strstr(gpu_nvml_note(nv), "NVML not loaded") != NULL);
	CHECK_EQ_INT(gpu_nvml_scan(nv, &inv), 0);
	CHECK(inv != NULL && inv->n == 0);
	CHECK(inv != NULL && inv->note[0] != '\0');
	CHECK(gpu_nvml_stats(nv, "GPU-x", &st) == ERR_NOTFOUND);
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);

	/* A library that is not NVML. */
	nv = gpu_nvml_open("libc.so.6");
	CHECK(!gpu_nvml_loaded(nv));
	CHECK(strstr(gpu_nvml_note(nv), "lacks nvmlInit_v2") != NULL);
	CHECK_EQ_INT(gpu_nvml_scan(nv, &inv), 0);
	CHECK(inv != NULL && inv->n == 0);
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);

	/* NVML present but init fails (no driver: no machine file). */
	unsetenv("NVML_STANDIN_MACHINE");
	nv = gpu_nvml_open(standin_path);
	CHECK(!gpu_nvml_loaded(nv));
	CHECK(strstr(gpu_nvml_note(nv), "Driver Not Loaded") != NULL);
	CHECK_EQ_INT(gpu_nvml_scan(nv, &inv), 0);
	CHECK(inv != NULL && inv->n == 0);
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);

	/* A NULL object is "absent" too. */
	CHECK(!gpu_nvml_loaded(NULL));
	CHECK_EQ_INT(gpu_nvml_scan(NULL, &inv), 0);
	CHECK(inv != NULL && inv->n == 0);
	gpu_inventory_free(inv);
}

/* The stand-in must act like NVML before nvmlInit and after shutdown. */
static void
test_standin_uninitialized(void)
{
	int (*count)(unsigned *), (*init)(void), (*shutdown)(void);
	unsigned n = 0;
	char *path;
	void *dl;

	dl = dlopen(standin_path, RTLD_NOW | RTLD_LOCAL);
	CHECK(dl != NULL);
	if (dl == NULL)
		return;
	*(void **)&count = dlsym(dl, "nvmlDeviceGetCount_v2");
	*(void **)&init = dlsym(dl, "nvmlInit_v2");
	*(void **)&shutdown = dlsym(dl, "nvmlShutdown");
	CHECK(count != NULL && init != NULL && shutdown != NULL);
	CHECK_EQ_INT(count(&n), 1);		/* UNINITIALIZED */
	CHECK_EQ_INT(shutdown(), 1);
	path = xasprintf("%s/tests/nvml/plain-2gpu.json", src_dir);
	setenv("NVML_STANDIN_MACHINE", path, 1);
	CHECK_EQ_INT(init(), 0);
	CHECK_EQ_INT(count(&n), 0);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(shutdown(), 0);
	CHECK_EQ_INT(count(&n), 1);
	free(path);
	dlclose(dl);
}

/* /v1/gpus carries the live figures of what the last scan found. */
static void
test_view_stats(void)
{
	struct gpu_inventory *inv = NULL;
	struct gpu_nvml *nv;
	sqlite3 *h = NULL;
	struct db *db = NULL;
	json_t *v, *d;
	char *path;

	path = xasprintf("%s/tests/nvml/h100-7x1g.json", src_dir);
	setenv("NVML_STANDIN_MACHINE", path, 1);
	nv = gpu_nvml_open(standin_path);
	CHECK_EQ_INT(gpu_nvml_scan(nv, &inv), 0);
	CHECK(sqlite3_open(":memory:", &h) == SQLITE_OK);
	db = db_wrap(h);
	CHECK_EQ_INT(db_gpu_migrate(db), SQLITE_OK);
	CHECK_EQ_INT(db_gpu_sync(db, inv, NULL), 0);
	v = db_gpu_view_devices(db, nv, "admin", 1);
	CHECK_EQ_INT(json_array_size(v), 8);
	d = json_array_get(v, 0);		/* the H100 */
	CHECK_EQ_INT(json_integer_value(json_object_get(d, "temperature")), 34);
	CHECK_EQ_INT(json_integer_value(json_object_get(d, "utilization")), 0);
	CHECK(json_is_integer(json_object_get(d, "utilization")));
	CHECK_EQ_INT(json_integer_value(json_object_get(d, "memory_used_mb")),
	    512);
	d = json_array_get(v, 2);		/* MIG slot 1 */
	CHECK(json_is_null(json_object_get(d, "utilization")));
	CHECK(json_is_null(json_object_get(d, "temperature")));
	CHECK_EQ_INT(json_integer_value(json_object_get(d, "memory_used_mb")),
	    13);
	json_decref(v);
	/* Without NVML the figures are null. */
	v = db_gpu_view_devices(db, NULL, "admin", 1);
	CHECK(json_is_null(json_object_get(json_array_get(v, 0),
	    "temperature")));
	json_decref(v);
	db_close(db);
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);
	free(path);
}

int
main(void)
{
	const char *bd;
	FILE *f;

	log_init(LOG_ERROR, 0);
	if ((bd = getenv("BUILD_DIR")) == NULL ||
	    (src_dir = getenv("SRC_DIR")) == NULL) {
		fprintf(stderr, "FAIL: BUILD_DIR and SRC_DIR must be set\n");
		return 1;
	}
	standin_path = xasprintf("%s/libnvml-standin.so", bd);
	if ((f = fopen(standin_path, "r")) == NULL) {
		fprintf(stderr, "FAIL: %s missing (build the nvml-standin "
		    "target)\n", standin_path);
		return 1;
	}
	fclose(f);

	check_machine("h100-7x1g.json", 8);
	check_machine("dgx-a100.json", 8 + 4 + 1);
	check_machine("h100-mig-empty.json", 2);
	check_machine("plain-2gpu.json", 2);
	check_machine("a100-80gb-ci.json", 5);
	test_view_stats();
	test_absent();
	test_standin_uninitialized();
	/* After everything, a machine loads again (re-read at nvmlInit). */
	check_machine("h100-7x1g.json", 8);

	free(standin_path);
	if (check_failures != 0) {
		fprintf(stderr, "%d failure(s)\n", check_failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
