/* test-gpu-inventory.c: profile names and syntax, the static inventory
 * file parser (good and bad input), and the print/parse round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "gpu-inventory.h"
#include "log.h"
#include "xmalloc.h"

#include "check.h"


static void
test_profile_names(void)
{
	const uint64_t mib = 1024 * 1024;
	char buf[GPU_PROFILE_MAX];
	size_t i;
	static const struct {
		unsigned g, c;
		uint64_t mig_mb, gpu_mb;
		const char *suffix, *want;
	} cases[] = {
		/* H100 80GB HBM3 (81559 MiB) */
		{ 1, 1, 9984, 81559, "", "1g.10gb" },
		{ 1, 1, 9984, 81559, "+me", "1g.10gb+me" },
		{ 1, 1, 20096, 81559, "", "1g.20gb" },
		{ 2, 2, 20096, 81559, "", "2g.20gb" },
		{ 3, 3, 40448, 81559, "", "3g.40gb" },
		{ 4, 4, 40448, 81559, "", "4g.40gb" },
		{ 7, 7, 81152, 81559, "", "7g.80gb" },
		/* A100-SXM4-40GB (40960 MiB, and 40536 as some boards say) */
		{ 1, 1, 4864, 40960, "", "1g.5gb" },
		{ 2, 2, 9856, 40960, "", "2g.10gb" },
		{ 3, 3, 19968, 40960, "", "3g.20gb" },
		{ 7, 7, 40192, 40960, "", "7g.40gb" },
		{ 1, 1, 4864, 40536, "", "1g.5gb" },
		{ 3, 3, 19968, 40536, "", "3g.20gb" },
		/* A100 80GB: compute instances smaller than the GPU instance */
		{ 3, 1, 40192, 81920, "", "1c.3g.40gb" },
		{ 3, 2, 40192, 81920, "", "2c.3g.40gb" },
		{ 1, 1, 9728, 81920, "", "1g.10gb" },
		/* unknown GPU size: plain rounding */
		{ 1, 0, 9984, 0, "", "1g.10gb" },
	};

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gpu_profile_name(buf, sizeof buf, cases[i].g, cases[i].c,
		    cases[i].mig_mb, cases[i].gpu_mb * mib, cases[i].suffix);
		CHECK_EQ_STR(buf, cases[i].want);
		CHECK(gpu_profile_valid(buf));
	}
}

static void
test_profile_valid(void)
{
	static const char *const good[] = { "1g.5gb", "1g.10gb", "7g.80gb",
	    "1c.3g.40gb", "1g.10gb+me", "1g.24gb+me.all", "4g.40gb", NULL };
	static const char *const bad[] = { "", "1g", "g.5gb", "0g.5gb",
	    "1g.5", "1g.5gbx", "1g.5GB", "1G.5gb", "01g.5gb", "1g.05gb",
	    "1x.1g.5gb", "1c1g.5gb", "1g.5gb+", "1g.5gb+ME", "1g.5gb+me me",
	    "H100", "GPU-1234", "123g.5gb", "1g.12345gb",
	    "1g.5gb+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL };
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		if (!gpu_profile_valid(good[i])) {
			fprintf(stderr, "rejected good profile '%s'\n",
			    good[i]);
			check_failures++;
		}
	for (i = 0; bad[i] != NULL; i++)
		if (gpu_profile_valid(bad[i])) {
			fprintf(stderr, "accepted bad profile '%s'\n", bad[i]);
			check_failures++;
		}
}

static const char good_file[] =
    "{\"gpus\": ["
    " {\"uuid\": \"GPU-aaaa-0\", \"index\": 0, \"model\": \"NVIDIA A100-"
    "SXM4-40GB\", \"memory_mb\": 40960, \"minor\": 2, \"mig_enabled\": true,"
    "  \"mig\": ["
    "   {\"uuid\": \"MIG-bbbb-1\", \"profile\": \"3g.20gb\", \"memory_mb\":"
    " 19968, \"gi_id\": 2, \"ci_id\": 0},"
    "   {\"uuid\": \"MIG-bbbb-2\", \"profile\": \"1g.5gb\", \"memory_mb\":"
    " 4864}]},"
    " {\"uuid\": \"GPU-aaaa-1\", \"model\": \"NVIDIA L40S\","
    " \"memory_mb\": 46068}"
    "]}";

static void
test_parse_good(void)
{
	struct gpu_inventory *inv = NULL, *inv2 = NULL;
	const struct gpu_dev *d;
	json_t *j;
	char *s;

	CHECK(gpu_inventory_parse(good_file, strlen(good_file), &inv) == 0);
	if (inv == NULL) {
		fprintf(stderr, "parse: %s\n", err_msg());
		check_failures++;
		return;
	}
	CHECK_EQ_STR(inv->source, "file");
	CHECK(inv->n == 4);
	d = gpu_inventory_find(inv, "GPU-aaaa-0");
	CHECK(d != NULL && d->mig_enabled && d->minor == 2 &&
	    d->memory_mb == 40960 && d->gi_id == -1);
	d = gpu_inventory_find(inv, "MIG-bbbb-1");
	CHECK(d != NULL && gpu_dev_is_mig(d));
	if (d != NULL) {
		CHECK_EQ_STR(d->parent_uuid, "GPU-aaaa-0");
		CHECK_EQ_STR(d->profile, "3g.20gb");
		CHECK_EQ_STR(d->model, "NVIDIA A100-SXM4-40GB");
		CHECK(d->minor == 2 && d->index == 0 && d->gi_id == 2 &&
		    d->ci_id == 0 && d->memory_mb == 19968);
	}
	d = gpu_inventory_find(inv, "MIG-bbbb-2");
	CHECK(d != NULL && d->gi_id == -1 && d->ci_id == -1);
	d = gpu_inventory_find(inv, "GPU-aaaa-1");
	CHECK(d != NULL && !d->mig_enabled && d->index == 1 &&
	    d->minor == 1);
	CHECK(gpu_inventory_find(inv, "GPU-nope") == NULL);

	/* Printing and parsing again gives the same devices. */
	j = gpu_inventory_to_json(inv);
	s = json_dumps(j, JSON_COMPACT);
	CHECK(gpu_inventory_parse(s, strlen(s), &inv2) == 0);
	CHECK(inv2 != NULL && inv2->n == inv->n);
	if (inv2 != NULL && inv2->n == inv->n)
		CHECK(memcmp(inv->devs, inv2->devs,
		    inv->n * sizeof inv->devs[0]) == 0);
	free(s);
	json_decref(j);
	gpu_inventory_free(inv2);
	gpu_inventory_free(inv);

	/* An empty list is fine and says so. */
	CHECK(gpu_inventory_parse("{\"gpus\":[]}", 11, &inv) == 0);
	CHECK(inv != NULL && inv->n == 0 && inv->note[0] != '\0');
	gpu_inventory_free(inv);
}

static void
test_parse_bad(void)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "", "inventory:" },
		{ "[]", "not a JSON object" },
		{ "{\"gpus\": {}}", "'gpus' must be an array" },
		{ "{\"gpu\": []}", "unknown field 'gpu'" },
		{ "{\"gpus\": [1]}", "GPU entry 0: not an object" },
		{ "{\"gpus\": [{\"uuid\": \"MIG-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1}]}", "bad uuid" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x y\", \"model\": \"m\", "
		    "\"memory_mb\": 1}]}", "bad uuid" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"\", "
		    "\"memory_mb\": 1}]}", "bad model" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\"}]}",
		    "'memory_mb' is required" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": -1}]}", "'memory_mb' must be" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1, \"colour\": 1}]}", "unknown field" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1}, {\"uuid\": \"GPU-x\", \"model\": "
		    "\"m\", \"memory_mb\": 1}]}", "duplicate uuid" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1, \"mig_enabled\": false, \"mig\": "
		    "[{\"uuid\": \"MIG-y\", \"profile\": \"1g.5gb\", "
		    "\"memory_mb\": 1}]}]}", "mig_enabled is false" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1, \"mig\": [{\"uuid\": \"MIG-y\", "
		    "\"profile\": \"big\", \"memory_mb\": 1}]}]}",
		    "bad profile" },
		{ "{\"gpus\": [{\"uuid\": \"GPU-x\", \"model\": \"m\", "
		    "\"memory_mb\": 1, \"mig\": [{\"uuid\": \"GPU-y\", "
		    "\"profile\": \"1g.5gb\", \"memory_mb\": 1}]}]}",
		    "bad uuid" },
		{ "{\"gpus\": [], \"gpus\": []}", "duplicate" },
	};
	struct gpu_inventory *inv;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		inv = (struct gpu_inventory *)1;
		if (gpu_inventory_parse(cases[i].json, strlen(cases[i].json),
		    &inv) != ERR_INVAL || inv != NULL ||
		    strstr(err_msg(), cases[i].msg) == NULL) {
			fprintf(stderr, "bad input %zu: got '%s', want '%s'\n",
			    i, err_msg(), cases[i].msg);
			check_failures++;
		}
	}
}

static void
test_load_file(void)
{
	struct gpu_inventory *inv = NULL;
	char path[] = "/tmp/berth-gpu-inv-XXXXXX";
	int fd;

	CHECK(gpu_inventory_load_file("/nonexistent/inv.json", &inv) ==
	    ERR_IO);
	CHECK(inv == NULL);
	fd = mkstemp(path);
	CHECK(fd != -1);
	if (fd == -1)
		return;
	CHECK(write(fd, good_file, strlen(good_file)) ==
	    (ssize_t)strlen(good_file));
	close(fd);
	CHECK(gpu_inventory_load_file(path, &inv) == 0);
	CHECK(inv != NULL && inv->n == 4);
	gpu_inventory_free(inv);
	unlink(path);
}

int
main(void)
{
	log_init(LOG_ERROR, 0);
	test_profile_names();
	test_profile_valid();
	test_parse_good();
	test_parse_bad();
	test_load_file();
	if (check_failures != 0) {
		fprintf(stderr, "%d failure(s)\n", check_failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
