/* standin.c: a stand-in NVML for tests (build/libnvml-standin.so). It
 * exports the NVML C symbols berth uses and answers them from a machine
 * described in the JSON file named by NVML_STANDIN_MACHINE (format in
 * docs/gpus.md), read at the first nvmlInit. It behaves like the real
 * library where that matters: UNINITIALIZED before nvmlInit, NOT_SUPPORTED
 * for MIG calls on GPUs without MIG, NOT_FOUND for empty MIG slots, no
 * utilization or temperature on MIG devices. Calls that would change MIG
 * layout, clocks or modes abort the process, so a test catches them.
 * Any thread; init and shutdown are serialized. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef int nvmlReturn_t;

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NOT_FOUND = 6,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_UNKNOWN = 999,
};

#define PROFILE_INDEX_MAX	17
#define DEFAULT_MAX_MIG		7

struct sprof {
	unsigned		index;		/* NVML_GPU_INSTANCE_PROFILE_* */
	unsigned		id;
	unsigned		slices;
	unsigned long long	memory_mb;
	char			name[32];
};

struct sgpu;
struct smig;

/* What an nvmlDevice_t points at. */
struct sdev {
	int		 is_mig;
	struct sgpu	*gpu;
	struct smig	*mig;
};

struct smig {
	struct sdev		 h;
	char			 uuid[96];
	unsigned		 slot;
	unsigned		 gi, ci, ci_slices;
	unsigned		 placement;
	unsigned long long	 used_mb;
	const struct sprof	*prof;
};

struct sgpu {
	struct sdev		 h;
	char			 uuid[96];
	char			 name[96];
	unsigned long long	 memory_mb, used_mb;
	unsigned		 minor;
	int			 mig_capable, mig_on;
	unsigned		 max_mig;
	int			 util, mem_util, temp;
	struct sprof		*profs;
	size_t			 nprofs;
	struct smig		*migs;
	size_t			 nmigs;
};

typedef struct sdev *nvmlDevice_t;
typedef struct smig *nvmlGpuInstance_t;

typedef struct {
	unsigned long long	total, free, used;
} nvmlMemory_t;

typedef struct {
	unsigned int	gpu, memory;
} nvmlUtilization_t;

typedef struct {
	unsigned int		multiprocessorCount;
	unsigned int		sharedCopyEngineCount;
	unsigned int		sharedDecoderCount;
	unsigned int		sharedEncoderCount;
	unsigned int		sharedJpegCount;
	unsigned int		sharedOfaCount;
	unsigned int		gpuInstanceSliceCount;
	unsigned int		computeInstanceSliceCount;
	unsigned long long	memorySizeMB;
} nvmlDeviceAttributes_t;

typedef struct {
	nvmlDevice_t	device;
	unsigned int	id;
	unsigned int	profileId;
	unsigned int	placementStart, placementSize;
} nvmlGpuInstanceInfo_t;

typedef struct {
	unsigned int		id;
	unsigned int		isP2pSupported;
	unsigned int		sliceCount;
	unsigned int		instanceCount;
	unsigned int		multiprocessorCount;
	unsigned int		copyEngineCount;
	unsigned int		decoderCount;
	unsigned int		encoderCount;
	unsigned int		jpegCount;
	unsigned int		ofaCount;
	unsigned long long	memorySizeMB;
} nvmlGpuInstanceProfileInfo_t;

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static int		 refs;
static struct sgpu	*gpus;
static size_t		 ngpus;

#define NEED_INIT() do {						\
	if (refs == 0)							\
		return NVML_ERROR_UNINITIALIZED;			\
} while (0)

static void
machine_free(void)
{
	size_t i;

	for (i = 0; i < ngpus; i++) {
		free(gpus[i].profs);
		free(gpus[i].migs);
	}
	free(gpus);
	gpus = NULL;
	ngpus = 0;
}

static long long
iget(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? json_integer_value(v) : def;
}

static void
sget(json_t *o, const char *k, char *out, size_t outsz)
{
	const char *s = json_string_value(json_object_get(o, k));

	snprintf(out, outsz, "%s", s != NULL ? s : "");
}

static int
load_profiles(json_t *arr, struct sprof **out, size_t *n)
{
	json_t *p;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return 0;
	*out = calloc(json_array_size(arr) + 1, sizeof **out);
	if (*out == NULL)
		return -1;
	json_array_foreach(arr, i, p) {
		(*out)[i].index = (unsigned)iget(p, "index", 0);
		(*out)[i].id = (unsigned)iget(p, "id", 0);
		(*out)[i].slices = (unsigned)iget(p, "slices", 1);
		(*out)[i].memory_mb = (unsigned long long)iget(p, "memory_mb",
		    0);
		sget(p, "name", (*out)[i].name, sizeof (*out)[i].name);
	}
	*n = json_array_size(arr);
	return 0;
}

static const struct sprof *
profile_by_name(const struct sgpu *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->nprofs; i++)
		if (strcmp(g->profs[i].name, name) == 0)
			return &g->profs[i];
	return NULL;
}

static int
load_gpu(struct sgpu *g, json_t *jg, json_t *default_profs)
{
	json_t *jm, *m, *profs;
	const char *mode;
	char pname[32];
	size_t i;

	g->h.is_mig = 0;
	g->h.gpu = g;
	sget(jg, "uuid", g->uuid, sizeof g->uuid);
	sget(jg, "name", g->name, sizeof g->name);
	g->memory_mb = (unsigned long long)iget(jg, "memory_mb", 0);
	g->used_mb = (unsigned long long)iget(jg, "memory_used_mb", 0);
	g->minor = (unsigned)iget(jg, "minor", (long long)(g - gpus));
	g->util = (int)iget(jg, "utilization", 0);
	g->mem_util = (int)iget(jg, "memory_utilization", 0);
	g->temp = (int)iget(jg, "temperature", 40);
	g->max_mig = (unsigned)iget(jg, "max_mig_devices", DEFAULT_MAX_MIG);
	mode = json_string_value(json_object_get(jg, "mig"));
	if (mode == NULL || strcmp(mode, "unsupported") == 0)
		g->mig_capable = g->mig_on = 0;
	else {
		g->mig_capable = 1;
		g->mig_on = strcmp(mode, "on") == 0;
	}
	profs = json_object_get(jg, "gi_profiles");
	if (profs == NULL)
		profs = default_profs;
	if (load_profiles(profs, &g->profs, &g->nprofs) != 0)
		return -1;
	jm = json_object_get(jg, "mig_devices");
	if (!json_is_array(jm) || json_array_size(jm) == 0)
		return 0;
	g->migs = calloc(json_array_size(jm), sizeof *g->migs);
	if (g->migs == NULL)
		return -1;
	json_array_foreach(jm, i, m) {
		struct smig *x = &g->migs[i];

		x->h.is_mig = 1;
		x->h.gpu = g;
		x->h.mig = x;
		sget(m, "uuid", x->uuid, sizeof x->uuid);
		x->slot = (unsigned)iget(m, "slot", (long long)i);
		x->gi = (unsigned)iget(m, "gi_id", 0);
		x->ci = (unsigned)iget(m, "ci_id", 0);
		x->placement = (unsigned)iget(m, "placement", 0);
		x->used_mb = (unsigned long long)iget(m, "memory_used_mb", 0);
		sget(m, "profile", pname, sizeof pname);
		if ((x->prof = profile_by_name(g, pname)) == NULL) {
			fprintf(stderr, "nvml-standin: GPU %s: MIG profile "
			    "'%s' not in gi_profiles\n", g->uuid, pname);
			return -1;
		}
		x->ci_slices = (unsigned)iget(m, "ci_slices",
		    x->prof->slices);
	}
	g->nmigs = json_array_size(jm);
	return 0;
}

static nvmlReturn_t
machine_load(void)
{
	json_error_t jerr;
	json_t *root, *jgpus, *jg;
	const char *path;
	size_t i;

	if ((path = getenv("NVML_STANDIN_MACHINE")) == NULL || *path == '\0') {
		fprintf(stderr, "nvml-standin: NVML_STANDIN_MACHINE not set\n");
		return NVML_ERROR_DRIVER_NOT_LOADED;
	}
	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "nvml-standin: %s: %s (line %d)\n", path,
		    jerr.text, jerr.line);
		return NVML_ERROR_UNKNOWN;
	}
	jgpus = json_object_get(root, "gpus");
	ngpus = json_array_size(jgpus);
	gpus = calloc(ngpus + 1, sizeof *gpus);
	if (gpus == NULL)
		goto fail;
	json_array_foreach(jgpus, i, jg) {
		if (load_gpu(&gpus[i], jg, json_object_get(root,
		    "gi_profiles")) != 0)
			goto fail;
	}
	json_decref(root);
	return NVML_SUCCESS;
fail:
	json_decref(root);
	machine_free();
	return NVML_ERROR_UNKNOWN;
}

nvmlReturn_t
nvmlInit_v2(void)
{
	nvmlReturn_t r = NVML_SUCCESS;

	pthread_mutex_lock(&lock);
	if (refs == 0)
		r = machine_load();
	if (r == NVML_SUCCESS)
		refs++;
	pthread_mutex_unlock(&lock);
	return r;
}

nvmlReturn_t
nvmlInit(void)
{
	return nvmlInit_v2();
}

nvmlReturn_t
nvmlShutdown(void)
{
	nvmlReturn_t r = NVML_SUCCESS;

	pthread_mutex_lock(&lock);
	if (refs == 0)
		r = NVML_ERROR_UNINITIALIZED;
	else if (--refs == 0)
		machine_free();
	pthread_mutex_unlock(&lock);
	return r;
}

const char *
nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS:			return "Success";
	case NVML_ERROR_UNINITIALIZED:		return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT:	return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED:		return "Not Supported";
	case NVML_ERROR_NOT_FOUND:		return "Not Found";
	case NVML_ERROR_INSUFFICIENT_SIZE:	return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED:	return "Driver Not Loaded";
	default:				return "Unknown Error";
	}
}

nvmlReturn_t
nvmlDeviceGetCount_v2(unsigned int *n)
{
	NEED_INIT();
	if (n == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	*n = (unsigned)ngpus;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d)
{
	NEED_INIT();
	if (d == NULL || i >= ngpus)
		return NVML_ERROR_INVALID_ARGUMENT;
	*d = &gpus[i].h;
	return NVML_SUCCESS;
}

static nvmlReturn_t
copy_str(char *buf, unsigned len, const char *s)
{
	if (buf == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (strlen(s) + 1 > len)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(buf, s, strlen(s) + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetUUID(nvmlDevice_t d, char *buf, unsigned int len)
{
	NEED_INIT();
	if (d == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	return copy_str(buf, len, d->is_mig ? d->mig->uuid : d->gpu->uuid);
}

nvmlReturn_t
nvmlDeviceGetName(nvmlDevice_t d, char *buf, unsigned int len)
{
	char name[160];

	NEED_INIT();
	if (d == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->is_mig)
		return copy_str(buf, len, d->gpu->name);
	snprintf(name, sizeof name, "%s MIG %s", d->gpu->name,
	    d->mig->prof->name);
	return copy_str(buf, len, name);
}

nvmlReturn_t
nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m)
{
	unsigned long long total, used;

	NEED_INIT();
	if (d == NULL || m == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (d->is_mig) {
		total = d->mig->prof->memory_mb;
		used = d->mig->used_mb;
	} else {
		total = d->gpu->memory_mb;
		used = d->gpu->used_mb;
	}
	if (used > total)
		used = total;
	m->total = total << 20;
	m->used = used << 20;
	m->free = m->total - m->used;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetMinorNumber(nvmlDevice_t d, unsigned int *minor)
{
	NEED_INIT();
	if (d == NULL || minor == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	*minor = d->gpu->minor;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *cur, unsigned int *pend)
{
	NEED_INIT();
	if (d == NULL || cur == NULL || pend == NULL || d->is_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->gpu->mig_capable)
		return NVML_ERROR_NOT_SUPPORTED;
	*cur = *pend = d->gpu->mig_on ? 1 : 0;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t d, unsigned int *n)
{
	NEED_INIT();
	if (d == NULL || n == NULL || d->is_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->gpu->mig_capable)
		return NVML_ERROR_NOT_SUPPORTED;
	*n = d->gpu->max_mig;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t d, unsigned int i,
    nvmlDevice_t *out)
{
	size_t k;

	NEED_INIT();
	if (d == NULL || out == NULL || d->is_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->gpu->mig_capable)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!d->gpu->mig_on || i >= d->gpu->max_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (k = 0; k < d->gpu->nmigs; k++)
		if (d->gpu->migs[k].slot == i) {
			*out = &d->gpu->migs[k].h;
			return NVML_SUCCESS;
		}
	return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t
nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t d,
    nvmlDevice_t *out)
{
	NEED_INIT();
	if (d == NULL || out == NULL || !d->is_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	*out = &d->gpu->h;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceIsMigDeviceHandle(nvmlDevice_t d, unsigned int *is_mig)
{
	NEED_INIT();
	if (d == NULL || is_mig == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	*is_mig = d->is_mig ? 1 : 0;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetGpuInstanceId(nvmlDevice_t d, unsigned int *id)
{
	NEED_INIT();
	if (d == NULL || id == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	*id = d->mig->gi;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetComputeInstanceId(nvmlDevice_t d, unsigned int *id)
{
	NEED_INIT();
	if (d == NULL || id == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	*id = d->mig->ci;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetAttributes_v2(nvmlDevice_t d, nvmlDeviceAttributes_t *a)
{
	NEED_INIT();
	if (d == NULL || a == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	memset(a, 0, sizeof *a);
	a->multiprocessorCount = 14 * d->mig->prof->slices;
	a->gpuInstanceSliceCount = d->mig->prof->slices;
	a->computeInstanceSliceCount = d->mig->ci_slices;
	a->memorySizeMB = d->mig->prof->memory_mb;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetGpuInstanceById(nvmlDevice_t d, unsigned int id,
    nvmlGpuInstance_t *gi)
{
	size_t k;

	NEED_INIT();
	if (d == NULL || gi == NULL || d->is_mig)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!d->gpu->mig_capable)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!d->gpu->mig_on)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (k = 0; k < d->gpu->nmigs; k++)
		if (d->gpu->migs[k].gi == id) {
			*gi = &d->gpu->migs[k];
			return NVML_SUCCESS;
		}
	return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t
nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gi, nvmlGpuInstanceInfo_t *info)
{
	NEED_INIT();
	if (gi == NULL || info == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	memset(info, 0, sizeof *info);
	info->device = &gi->h.gpu->h;
	info->id = gi->gi;
	info->profileId = gi->prof->id;
	info->placementStart = gi->placement;
	info->placementSize = gi->prof->slices;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetGpuInstanceProfileInfo(nvmlDevice_t d, unsigned int profile,
    nvmlGpuInstanceProfileInfo_t *info)
{
	const struct sgpu *g;
	size_t k;

	NEED_INIT();
	if (d == NULL || info == NULL || d->is_mig ||
	    profile >= PROFILE_INDEX_MAX)
		return NVML_ERROR_INVALID_ARGUMENT;
	g = d->gpu;
	if (!g->mig_capable)
		return NVML_ERROR_NOT_SUPPORTED;
	for (k = 0; k < g->nprofs; k++) {
		if (g->profs[k].index != profile)
			continue;
		memset(info, 0, sizeof *info);
		info->id = g->profs[k].id;
		info->sliceCount = g->profs[k].slices;
		info->instanceCount = g->profs[k].slices > 0 ?
		    7 / g->profs[k].slices : 0;
		info->multiprocessorCount = 14 * g->profs[k].slices;
		info->memorySizeMB = g->profs[k].memory_mb;
		return NVML_SUCCESS;
	}
	return NVML_ERROR_NOT_SUPPORTED;
}

nvmlReturn_t
nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u)
{
	NEED_INIT();
	if (d == NULL || u == NULL)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	u->gpu = (unsigned)d->gpu->util;
	u->memory = (unsigned)d->gpu->mem_util;
	return NVML_SUCCESS;
}

nvmlReturn_t
nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *t)
{
	NEED_INIT();
	if (d == NULL || t == NULL || sensor != 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (d->is_mig)
		return NVML_ERROR_NOT_SUPPORTED;
	*t = (unsigned)d->gpu->temp;
	return NVML_SUCCESS;
}

/* Calls that change the machine: berth must never make them. */
static void
forbidden(const char *fn)
{
	fprintf(stderr, "nvml-standin: FORBIDDEN call %s: berth must not "
	    "change MIG layout, clocks or modes\n", fn);
	abort();
}

#define FORBID(name)							\
nvmlReturn_t name(void);						\
nvmlReturn_t								\
name(void)								\
{									\
	forbidden(#name);						\
	return NVML_ERROR_NOT_SUPPORTED;				\
}

FORBID(nvmlDeviceSetMigMode)
FORBID(nvmlDeviceCreateGpuInstance)
FORBID(nvmlDeviceCreateGpuInstanceWithPlacement)
FORBID(nvmlGpuInstanceDestroy)
FORBID(nvmlGpuInstanceCreateComputeInstance)
FORBID(nvmlComputeInstanceDestroy)
FORBID(nvmlDeviceSetApplicationsClocks)
FORBID(nvmlDeviceResetApplicationsClocks)
FORBID(nvmlDeviceSetGpuLockedClocks)
FORBID(nvmlDeviceResetGpuLockedClocks)
FORBID(nvmlDeviceSetMemoryLockedClocks)
FORBID(nvmlDeviceSetPersistenceMode)
FORBID(nvmlDeviceSetComputeMode)
FORBID(nvmlDeviceSetPowerManagementLimit)
FORBID(nvmlDeviceSetEccMode)
