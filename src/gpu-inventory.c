/* gpu-inventory.c: the device array, profile names, and the static
 * inventory file (parse and print). Pure functions over values; any
 * thread, one owner per inventory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "gpu-inventory.h"
#include "xmalloc.h"

#define INVENTORY_FILE_MAX	(4 * 1024 * 1024)

struct gpu_inventory *
gpu_inventory_new(const char *source)
{
	struct gpu_inventory *inv;

	inv = xcalloc(1, sizeof *inv);
	strlcpy_b(inv->source, source != NULL ? source : "none",
	    sizeof inv->source);
	return inv;
}

void
gpu_inventory_free(struct gpu_inventory *inv)
{
	if (inv == NULL)
		return;
	free(inv->devs);
	free(inv);
}

int
gpu_inventory_add(struct gpu_inventory *inv, const struct gpu_dev *d)
{
	if (inv->n >= GPU_INVENTORY_MAX_DEVICES)
		return err_set(ERR_TOOBIG, "more than %d GPU devices",
		    GPU_INVENTORY_MAX_DEVICES);
	if (inv->n == inv->cap) {
		inv->cap = inv->cap == 0 ? 16 : inv->cap * 2;
		inv->devs = xreallocarray(inv->devs, inv->cap,
		    sizeof *inv->devs);
	}
	inv->devs[inv->n++] = *d;
	return 0;
}

const struct gpu_dev *
gpu_inventory_find(const struct gpu_inventory *inv, const char *uuid)
{
	size_t i;

	for (i = 0; i < inv->n; i++)
		if (strcmp(inv->devs[i].uuid, uuid) == 0)
			return &inv->devs[i];
	return NULL;
}

int
gpu_dev_is_mig(const struct gpu_dev *d)
{
	return strcmp(d->kind, "mig") == 0;
}

/* Reads 1-2 decimal digits (no leading zero) at *sp; -1 when none. */
static int
small_num(const char **sp, int maxdigits)
{
	const char *s = *sp;
	int v = 0, n = 0;

	if (*s < '1' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9' && n < maxdigits) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (*s >= '0' && *s <= '9')
		return -1;
	*sp = s;
	return v;
}

int
gpu_profile_valid(const char *s)
{
	const char *p = s, *q;
	size_t len;

	len = strnlen(s, GPU_PROFILE_MAX);
	if (len == 0 || len >= GPU_PROFILE_MAX)
		return 0;
	if (small_num(&p, 2) < 0)
		return 0;
	if (*p == 'c') {		/* Nc.Ng.… */
		if (*++p != '.')
			return 0;
		p++;
		if (small_num(&p, 2) < 0)
			return 0;
	}
	if (*p++ != 'g' || *p++ != '.')
		return 0;
	if (small_num(&p, 4) < 0)
		return 0;
	if (strncmp(p, "gb", 2) != 0)
		return 0;
	p += 2;
	if (*p == '\0')
		return 1;
	if (*p++ != '+' || *p < 'a' || *p > 'z')
		return 0;
	for (q = p; *q != '\0'; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		    *q == '.' || *q == ','))
			return 0;
	return 1;
}

void
gpu_profile_name(char *out, size_t outsz, unsigned gi_slices,
    unsigned ci_slices, uint64_t mig_memory_mb, uint64_t gpu_memory_bytes,
    const char *suffix)
{
	const uint64_t gib = 1024ULL * 1024 * 1024;
	uint64_t eighths, gpu_gb, gb;

	/*
	 * As NVIDIA's go-nvlib (and so nvidia-smi and the device plugin)
	 * name profiles: the instance's share of the GPU's memory rounded
	 * up to eighths, times the GPU's memory in whole GB (rounded up),
	 * rounded to the nearest GB. 9984 MiB of an 80 GB H100 is "10gb".
	 */
	if (gpu_memory_bytes == 0)
		gb = (mig_memory_mb + 512) / 1024;
	else {
		eighths = (mig_memory_mb * 1024 * 1024 * 8 +
		    gpu_memory_bytes - 1) / gpu_memory_bytes;
		gpu_gb = (gpu_memory_bytes + gib - 1) / gib;
		gb = (eighths * gpu_gb + 4) / 8;
	}
	if (suffix == NULL)
		suffix = "";
	if (ci_slices == 0 || ci_slices == gi_slices)
		snprintf(out, outsz, "%ug.%llugb%s", gi_slices,
		    (unsigned long long)gb, suffix);
	else
		snprintf(out, outsz, "%uc.%ug.%llugb%s", ci_slices, gi_slices,
		    (unsigned long long)gb, suffix);
}

/* Static inventory file. */

static int
uuid_ok(const char *s, const char *prefix)
{
	size_t len, i;

	len = strlen(s);
	if (len <= strlen(prefix) || len >= GPU_UUID_MAX ||
	    strncmp(s, prefix, strlen(prefix)) != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '/'))
			return 0;
	return 1;
}

static int
model_ok(const char *s)
{
	size_t len, i;

	len = strlen(s);
	if (len == 0 || len >= GPU_MODEL_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* Rejects keys other than those in allowed (NULL-terminated). */
static int
check_keys(json_t *obj, const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return err_set(ERR_INVAL, "%s: unknown field '%.40s'",
			    what, key);
	}
	return 0;
}

/* An optional integer member in [lo, hi]; *v unchanged when absent. */
static int
get_int(json_t *obj, const char *key, int64_t lo, int64_t hi, int64_t *v,
    int required, const char *what)
{
	json_t *j;

	if ((j = json_object_get(obj, key)) == NULL) {
		if (required)
			return err_set(ERR_INVAL, "%s: '%s' is required",
			    what, key);
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi)
		return err_set(ERR_INVAL, "%s: '%s' must be an integer in "
		    "%lld..%lld", what, key, (long long)lo, (long long)hi);
	*v = json_integer_value(j);
	return 0;
}

static int
get_str(json_t *obj, const char *key, const char **v, const char *what)
{
	json_t *j;

	if ((j = json_object_get(obj, key)) == NULL || !json_is_string(j))
		return err_set(ERR_INVAL, "%s: '%s' must be a string",
		    what, key);
	*v = json_string_value(j);
	return 0;
}

static int
parse_mig(struct gpu_inventory *inv, const struct gpu_dev *gpu, json_t *m,
    size_t j)
{
	static const char *const keys[] = { "uuid", "profile", "memory_mb",
	    "gi_id", "ci_id", NULL };
	struct gpu_dev d;
	char what[128];
	const char *s = NULL;
	int64_t v;
	int r;

	snprintf(what, sizeof what, "GPU %d MIG device %zu", gpu->index, j);
	if (!json_is_object(m))
		return err_set(ERR_INVAL, "%s: not an object", what);
	if ((r = check_keys(m, keys, what)) != 0)
		return r;
	memset(&d, 0, sizeof d);
	strlcpy_b(d.kind, "mig", sizeof d.kind);
	strlcpy_b(d.parent_uuid, gpu->uuid, sizeof d.parent_uuid);
	strlcpy_b(d.model, gpu->model, sizeof d.model);
	d.index = gpu->index;
	d.minor = gpu->minor;
	if ((r = get_str(m, "uuid", &s, what)) != 0)
		return r;
	if (!uuid_ok(s, "MIG-"))
		return err_set(ERR_INVAL, "%s: bad uuid (want MIG-…)", what);
	strlcpy_b(d.uuid, s, sizeof d.uuid);
	if ((r = get_str(m, "profile", &s, what)) != 0)
		return r;
	if (!gpu_profile_valid(s))
		return err_set(ERR_INVAL, "%s: bad profile (want e.g. 1g.10gb)",
		    what);
	strlcpy_b(d.profile, s, sizeof d.profile);
	if ((r = get_int(m, "memory_mb", 0, 1LL << 30, &d.memory_mb, 1,
	    what)) != 0)
		return r;
	v = -1;
	if ((r = get_int(m, "gi_id", 0, 65535, &v, 0, what)) != 0)
		return r;
	d.gi_id = (int)v;
	v = -1;
	if ((r = get_int(m, "ci_id", 0, 65535, &v, 0, what)) != 0)
		return r;
	d.ci_id = (int)v;
	if (gpu_inventory_find(inv, d.uuid) != NULL)
		return err_set(ERR_INVAL, "%s: duplicate uuid", what);
	return gpu_inventory_add(inv, &d);
}

static int
parse_gpu(struct gpu_inventory *inv, json_t *g, size_t i)
{
	static const char *const keys[] = { "uuid", "index", "model",
	    "memory_mb", "minor", "mig_enabled", "mig", NULL };
	struct gpu_dev d;
	char what[64];
	json_t *mig, *m, *me;
	const char *s = NULL;
	int64_t v;
	size_t j;
	int r;

	snprintf(what, sizeof what, "GPU entry %zu", i);
	if (!json_is_object(g))
		return err_set(ERR_INVAL, "%s: not an object", what);
	if ((r = check_keys(g, keys, what)) != 0)
		return r;
	memset(&d, 0, sizeof d);
	strlcpy_b(d.kind, "gpu", sizeof d.kind);
	d.gi_id = d.ci_id = -1;
	if ((r = get_str(g, "uuid", &s, what)) != 0)
		return r;
	if (!uuid_ok(s, "GPU-"))
		return err_set(ERR_INVAL, "%s: bad uuid (want GPU-…)", what);
	strlcpy_b(d.uuid, s, sizeof d.uuid);
	v = (int64_t)i;
	if ((r = get_int(g, "index", 0, 4095, &v, 0, what)) != 0)
		return r;
	d.index = (int)v;
	if ((r = get_str(g, "model", &s, what)) != 0)
		return r;
	if (!model_ok(s))
		return err_set(ERR_INVAL, "%s: bad model (1-95 printable "
		    "characters)", what);
	strlcpy_b(d.model, s, sizeof d.model);
	if ((r = get_int(g, "memory_mb", 0, 1LL << 30, &d.memory_mb, 1,
	    what)) != 0)
		return r;
	v = d.index;
	if ((r = get_int(g, "minor", 0, 1 << 20, &v, 0, what)) != 0)
		return r;
	d.minor = (int)v;
	mig = json_object_get(g, "mig");
	if (mig != NULL && !json_is_array(mig))
		return err_set(ERR_INVAL, "%s: 'mig' must be an array", what);
	d.mig_enabled = mig != NULL && json_array_size(mig) > 0;
	if ((me = json_object_get(g, "mig_enabled")) != NULL) {
		if (!json_is_boolean(me))
			return err_set(ERR_INVAL, "%s: 'mig_enabled' must be "
			    "true or false", what);
		if (!json_is_true(me) && d.mig_enabled)
			return err_set(ERR_INVAL, "%s: MIG devices listed but "
			    "mig_enabled is false", what);
		d.mig_enabled = json_is_true(me);
	}
	if (gpu_inventory_find(inv, d.uuid) != NULL)
		return err_set(ERR_INVAL, "%s: duplicate uuid", what);
	if ((r = gpu_inventory_add(inv, &d)) != 0)
		return r;
	json_array_foreach(mig, j, m) {
		if ((r = parse_mig(inv, &d, m, j)) != 0)
			return r;
	}
	return 0;
}

int
gpu_inventory_parse(const char *json, size_t len, struct gpu_inventory **out)
{
	static const char *const keys[] = { "gpus", NULL };
	struct gpu_inventory *inv = NULL;
	json_error_t jerr;
	json_t *root = NULL, *gpus, *g;
	size_t i;
	int r;

	*out = NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		r = err_set(ERR_INVAL, "inventory: %s at line %d column %d",
		    jerr.text, jerr.line, jerr.column);
		goto out;
	}
	if (!json_is_object(root)) {
		r = err_set(ERR_INVAL, "inventory: not a JSON object");
		goto out;
	}
	if ((r = check_keys(root, keys, "inventory")) != 0)
		goto out;
	gpus = json_object_get(root, "gpus");
	if (!json_is_array(gpus)) {
		r = err_set(ERR_INVAL, "inventory: 'gpus' must be an array");
		goto out;
	}
	inv = gpu_inventory_new("file");
	json_array_foreach(gpus, i, g) {
		if ((r = parse_gpu(inv, g, i)) != 0)
			goto out;
	}
	if (inv->n == 0)
		strlcpy_b(inv->note, "the inventory file lists no GPUs",
		    sizeof inv->note);
	*out = inv;
	inv = NULL;
	r = 0;
out:
	gpu_inventory_free(inv);
	json_decref(root);
	return r;
}

int
gpu_inventory_load_file(const char *path, struct gpu_inventory **out)
{
	char *data = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		r = err_set(ERR_IO, "inventory file '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	data = xmalloc(INVENTORY_FILE_MAX + 1);
	for (;;) {
		n = read(fd, data + len, INVENTORY_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = err_set(ERR_IO, "inventory file '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > INVENTORY_FILE_MAX) {
			r = err_set(ERR_TOOBIG, "inventory file '%s' is over "
			    "%d bytes", path, INVENTORY_FILE_MAX);
			goto out;
		}
	}
	r = gpu_inventory_parse(data, len, out);
out:
	if (fd != -1)
		close(fd);
	free(data);
	return r;
}

json_t *
gpu_inventory_to_json(const struct gpu_inventory *inv)
{
	const struct gpu_dev *d;
	json_t *gpus, *g = NULL, *mig = NULL, *m;
	size_t i;

	gpus = json_array();
	for (i = 0; i < inv->n; i++) {
		d = &inv->devs[i];
		if (!gpu_dev_is_mig(d)) {
			g = json_pack("{s:s, s:i, s:s, s:I, s:i, s:b, s:[]}",
			    "uuid", d->uuid, "index", d->index, "model",
			    d->model, "memory_mb", (json_int_t)d->memory_mb,
			    "minor", d->minor, "mig_enabled", d->mig_enabled,
			    "mig");
			mig = json_object_get(g, "mig");
			json_array_append_new(gpus, g);
			continue;
		}
		if (g == NULL || strcmp(d->parent_uuid,
		    json_string_value(json_object_get(g, "uuid"))) != 0)
			continue;	/* orphan: not representable */
		m = json_pack("{s:s, s:s, s:I}", "uuid", d->uuid, "profile",
		    d->profile, "memory_mb", (json_int_t)d->memory_mb);
		if (d->gi_id >= 0)
			json_object_set_new(m, "gi_id",
			    json_integer(d->gi_id));
		if (d->ci_id >= 0)
			json_object_set_new(m, "ci_id",
			    json_integer(d->ci_id));
		json_array_append_new(mig, m);
	}
	return json_pack("{s:o}", "gpus", gpus);
}

json_t *
gpu_dev_to_json(const struct gpu_dev *d)
{
	json_t *o;
	int mig = gpu_dev_is_mig(d);

	o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i}", "uuid", d->uuid,
	    "kind", d->kind, "model", d->model, "memory_mb",
	    (json_int_t)d->memory_mb, "index", d->index, "minor", d->minor);
	json_object_set_new(o, "profile", mig ? json_string(d->profile) :
	    json_null());
	json_object_set_new(o, "parent_uuid", mig ?
	    json_string(d->parent_uuid) : json_null());
	if (mig) {
		json_object_set_new(o, "gi_id", json_integer(d->gi_id));
		json_object_set_new(o, "ci_id", json_integer(d->ci_id));
	} else
		json_object_set_new(o, "mig_enabled",
		    json_boolean(d->mig_enabled));
	return o;
}
