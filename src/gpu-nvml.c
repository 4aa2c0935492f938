/* gpu-nvml.c: NVML through dlopen: our own declarations of the few types
 * and functions used (no nvml.h here), whole-GPU and MIG enumeration in
 * the order NVIDIA documents, profile names as NVIDIA's tools derive them,
 * and live stats. Only query calls: berth never changes MIG layout,
 * clocks or modes. Any thread; the handle table is behind a mutex. */
#include <dlfcn.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "gpu-nvml.h"
#include "log.h"
#include "xmalloc.h"

/* NVML ABI, as in NVIDIA's nvml.h (stable across driver releases). */
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct nvmlGpuInstance_st *nvmlGpuInstance_t;

enum {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NOT_FOUND = 6,
};

#define NVML_DEVICE_MIG_ENABLE			1
#define NVML_TEMPERATURE_GPU			0
#define NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1	7
/* COUNT in the newest headers. */
#define NVML_GPU_INSTANCE_PROFILE_MAX_PROBE	17
#define NVML_UUID_BUF				96
#define NVML_NAME_BUF				96

typedef struct {
	unsigned long long	total, free, used;	/* bytes */
} nvml_memory_t;

typedef struct {
	unsigned int	gpu, memory;			/* percent */
} nvml_utilization_t;

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
} nvml_attributes_t;

typedef struct {
	nvmlDevice_t	device;
	unsigned int	id;
	unsigned int	profileId;
	unsigned int	placementStart, placementSize;
} nvml_gi_info_t;

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
} nvml_gi_profile_info_t;

struct nvml_fns {
	nvmlReturn_t	(*Init)(void);
	nvmlReturn_t	(*Shutdown)(void);
	const char	*(*ErrorString)(nvmlReturn_t);
	nvmlReturn_t	(*GetCount)(unsigned int *);
	nvmlReturn_t	(*GetHandleByIndex)(unsigned int, nvmlDevice_t *);
	nvmlReturn_t	(*GetUUID)(nvmlDevice_t, char *, unsigned int);
	nvmlReturn_t	(*GetName)(nvmlDevice_t, char *, unsigned int);
	nvmlReturn_t	(*GetMemoryInfo)(nvmlDevice_t, nvml_memory_t *);
	nvmlReturn_t	(*GetMinorNumber)(nvmlDevice_t, unsigned int *);
	/* MIG: optional (drivers before R450 lack them). */
	nvmlReturn_t	(*GetMigMode)(nvmlDevice_t, unsigned int *,
			    unsigned int *);
	nvmlReturn_t	(*GetMaxMigDeviceCount)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t	(*GetMigDeviceHandleByIndex)(nvmlDevice_t,
			    unsigned int, nvmlDevice_t *);
	nvmlReturn_t	(*GetGpuInstanceId)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t	(*GetComputeInstanceId)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t	(*GetAttributes)(nvmlDevice_t, nvml_attributes_t *);
	nvmlReturn_t	(*GetGpuInstanceById)(nvmlDevice_t, unsigned int,
			    nvmlGpuInstance_t *);
	nvmlReturn_t	(*GpuInstanceGetInfo)(nvmlGpuInstance_t,
			    nvml_gi_info_t *);
	nvmlReturn_t	(*GetGpuInstanceProfileInfo)(nvmlDevice_t,
			    unsigned int, nvml_gi_profile_info_t *);
	/* Stats: optional. */
	nvmlReturn_t	(*GetUtilizationRates)(nvmlDevice_t,
			    nvml_utilization_t *);
	nvmlReturn_t	(*GetTemperature)(nvmlDevice_t, int, unsigned int *);
};

struct handle {
	char		uuid[GPU_UUID_MAX];
	nvmlDevice_t	dev;
};

struct gpu_nvml {
	void		*dl;
	int		 loaded;
	int		 have_mig;
	char		 path[256];
	char		 note[GPU_NOTE_MAX];
	struct nvml_fns	 f;
	pthread_mutex_t	 lock;
	struct handle	*handles;	/* from the last scan */
	size_t		 nhandles;
};

struct sym {
	const char	*name;
	size_t		 off;
	int		 required;
};

#define SYM(n, field, req) { n, offsetof(struct nvml_fns, field), req }
static const struct sym syms[] = {
	SYM("nvmlInit_v2", Init, 1),
	SYM("nvmlShutdown", Shutdown, 1),
	SYM("nvmlErrorString", ErrorString, 0),
	SYM("nvmlDeviceGetCount_v2", GetCount, 1),
	SYM("nvmlDeviceGetHandleByIndex_v2", GetHandleByIndex, 1),
	SYM("nvmlDeviceGetUUID", GetUUID, 1),
	SYM("nvmlDeviceGetName", GetName, 1),
	SYM("nvmlDeviceGetMemoryInfo", GetMemoryInfo, 1),
	SYM("nvmlDeviceGetMinorNumber", GetMinorNumber, 0),
	SYM("nvmlDeviceGetMigMode", GetMigMode, 0),
	SYM("nvmlDeviceGetMaxMigDeviceCount", GetMaxMigDeviceCount, 0),
	SYM("nvmlDeviceGetMigDeviceHandleByIndex", GetMigDeviceHandleByIndex,
	    0),
	SYM("nvmlDeviceGetGpuInstanceId", GetGpuInstanceId, 0),
	SYM("nvmlDeviceGetComputeInstanceId", GetComputeInstanceId, 0),
	SYM("nvmlDeviceGetAttributes_v2", GetAttributes, 0),
	SYM("nvmlDeviceGetGpuInstanceById", GetGpuInstanceById, 0),
	SYM("nvmlGpuInstanceGetInfo", GpuInstanceGetInfo, 0),
	SYM("nvmlDeviceGetGpuInstanceProfileInfo", GetGpuInstanceProfileInfo,
	    0),
	SYM("nvmlDeviceGetUtilizationRates", GetUtilizationRates, 0),
	SYM("nvmlDeviceGetTemperature", GetTemperature, 0),
	{ NULL, 0, 0 }
};

static const char *
nvml_str(struct gpu_nvml *nv, nvmlReturn_t r)
{
	const char *s;

	if (nv->f.ErrorString != NULL && (s = nv->f.ErrorString(r)) != NULL)
		return s;
	return "NVML error";
}

struct gpu_nvml *
gpu_nvml_open(const char *path)
{
	struct gpu_nvml *nv;
	const struct sym *s;
	const char *e;
	void *p;
	nvmlReturn_t r;

	nv = xcalloc(1, sizeof *nv);
	pthread_mutex_init(&nv->lock, NULL);
	if (path == NULL || *path == '\0')
		path = "libnvidia-ml.so.1";
	strlcpy_b(nv->path, path, sizeof nv->path);

	if ((nv->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(nv->note, sizeof nv->note, "NVML not loaded: %s",
		    e != NULL ? e : path);
		goto absent;
	}
	for (s = syms; s->name != NULL; s++) {
		p = dlsym(nv->dl, s->name);
		if (p == NULL && s->required) {
			snprintf(nv->note, sizeof nv->note, "NVML library "
			    "'%s' lacks %s", path, s->name);
			goto absent;
		}
		/* POSIX guarantees function pointers fit in void *. */
		memcpy((char *)&nv->f + s->off, &p, sizeof p);
	}
	nv->have_mig = nv->f.GetMigMode != NULL &&
	    nv->f.GetMaxMigDeviceCount != NULL &&
	    nv->f.GetMigDeviceHandleByIndex != NULL &&
	    nv->f.GetGpuInstanceId != NULL &&
	    nv->f.GetComputeInstanceId != NULL;
	if ((r = nv->f.Init()) != NVML_SUCCESS) {
		snprintf(nv->note, sizeof nv->note, "nvmlInit failed: %s",
		    nvml_str(nv, r));
		goto absent;
	}
	nv->loaded = 1;
	log_info("NVML loaded from %s", path);
	return nv;

absent:
	if (nv->dl != NULL) {
		dlclose(nv->dl);
		nv->dl = NULL;
	}
	memset(&nv->f, 0, sizeof nv->f);
	log_warn("%s; no GPUs from NVML (set --nvml-lib, or gpu_inventory "
	    "for a static list)", nv->note);
	return nv;
}

void
gpu_nvml_close(struct gpu_nvml *nv)
{
	if (nv == NULL)
		return;
	if (nv->loaded)
		nv->f.Shutdown();
	if (nv->dl != NULL)
		dlclose(nv->dl);
	free(nv->handles);
	pthread_mutex_destroy(&nv->lock);
	free(nv);
}

int
gpu_nvml_loaded(const struct gpu_nvml *nv)
{
	return nv != NULL && nv->loaded;
}

const char *
gpu_nvml_note(const struct gpu_nvml *nv)
{
	return nv == NULL ? "NVML not configured" : nv->note;
}

static void
remember(struct handle **hs, size_t *n, size_t *cap, const char *uuid,
    nvmlDevice_t dev)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 16 : *cap * 2;
		*hs = xreallocarray(*hs, *cap, sizeof **hs);
	}
	strlcpy_b((*hs)[*n].uuid, uuid, GPU_UUID_MAX);
	(*hs)[*n].dev = dev;
	(*n)++;
}

/* The MIG profile name of a GPU instance: from the GPU instance's profile
 * info (slice count, memory), as nvidia-smi and go-nvlib do; from the
 * MIG device's own attributes when that path is not available. */
static void
mig_profile(struct gpu_nvml *nv, nvmlDevice_t parent, uint64_t parent_bytes,
    unsigned gi_id, const nvml_attributes_t *attr, int have_attr,
    char *out, size_t outsz, int64_t *mem_mb)
{
	nvml_gi_profile_info_t pi;
	nvml_gi_info_t gi;
	nvmlGpuInstance_t gih;
	const char *suffix = "";
	unsigned p, slices = 0, ci_slices = 0;
	uint64_t mb = 0;
	int found = 0;

	if (nv->f.GetGpuInstanceById != NULL &&
	    nv->f.GpuInstanceGetInfo != NULL &&
	    nv->f.GetGpuInstanceProfileInfo != NULL &&
	    nv->f.GetGpuInstanceById(parent, gi_id, &gih) == NVML_SUCCESS &&
	    nv->f.GpuInstanceGetInfo(gih, &gi) == NVML_SUCCESS) {
		for (p = 0; p < NVML_GPU_INSTANCE_PROFILE_MAX_PROBE; p++) {
			memset(&pi, 0, sizeof pi);
			if (nv->f.GetGpuInstanceProfileInfo(parent, p, &pi) !=
			    NVML_SUCCESS || pi.id != gi.profileId)
				continue;
			slices = pi.sliceCount;
			mb = pi.memorySizeMB;
			if (p == NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1)
				suffix = "+me";
			found = 1;
			break;
		}
	}
	if (have_attr) {
		ci_slices = attr->computeInstanceSliceCount;
		if (!found) {
			slices = attr->gpuInstanceSliceCount;
			mb = attr->memorySizeMB;
			found = slices > 0;
		}
	}
	if (have_attr && attr->memorySizeMB > 0)
		*mem_mb = (int64_t)attr->memorySizeMB;
	else
		*mem_mb = (int64_t)mb;
	if (!found) {
		out[0] = '\0';
		return;
	}
	gpu_profile_name(out, outsz, slices, ci_slices, mb, parent_bytes,
	    suffix);
}

/* Adds the MIG devices of one MIG-enabled GPU. */
static void
scan_mig(struct gpu_nvml *nv, nvmlDevice_t parent, const struct gpu_dev *g,
    uint64_t parent_bytes, struct gpu_inventory *inv, struct handle **hs,
    size_t *nh, size_t *hcap)
{
	struct gpu_dev d;
	nvml_attributes_t attr;
	nvml_memory_t mem;
	nvmlDevice_t mig;
	unsigned max = 0, i, gi, ci;
	int have_attr;
	nvmlReturn_t r;

	if ((r = nv->f.GetMaxMigDeviceCount(parent, &max)) != NVML_SUCCESS) {
		log_warn("GPU %d (%s): max MIG device count: %s", g->index,
		    g->uuid, nvml_str(nv, r));
		return;
	}
	for (i = 0; i < max; i++) {
		r = nv->f.GetMigDeviceHandleByIndex(parent, i, &mig);
		if (r == NVML_ERROR_NOT_FOUND ||
		    r == NVML_ERROR_INVALID_ARGUMENT)
			continue;	/* empty slot */
		if (r != NVML_SUCCESS) {
			log_warn("GPU %d MIG slot %u: %s", g->index, i,
			    nvml_str(nv, r));
			continue;
		}
		memset(&d, 0, sizeof d);
		strlcpy_b(d.kind, "mig", sizeof d.kind);
		strlcpy_b(d.parent_uuid, g->uuid, sizeof d.parent_uuid);
		strlcpy_b(d.model, g->model, sizeof d.model);
		d.index = g->index;
		d.minor = g->minor;
		if ((r = nv->f.GetUUID(mig, d.uuid, sizeof d.uuid)) !=
		    NVML_SUCCESS || d.uuid[0] == '\0') {
			log_warn("GPU %d MIG slot %u: uuid: %s", g->index, i,
			    nvml_str(nv, r));
			continue;
		}
		if (nv->f.GetGpuInstanceId(mig, &gi) != NVML_SUCCESS ||
		    nv->f.GetComputeInstanceId(mig, &ci) != NVML_SUCCESS) {
			log_warn("MIG device %s: no instance ids; skipped",
			    d.uuid);
			continue;
		}
		d.gi_id = (int)gi;
		d.ci_id = (int)ci;
		memset(&attr, 0, sizeof attr);
		have_attr = nv->f.GetAttributes != NULL &&
		    nv->f.GetAttributes(mig, &attr) == NVML_SUCCESS;
		mig_profile(nv, parent, parent_bytes, gi, &attr, have_attr,
		    d.profile, sizeof d.profile, &d.memory_mb);
		if (d.memory_mb == 0 &&
		    nv->f.GetMemoryInfo(mig, &mem) == NVML_SUCCESS)
			d.memory_mb = (int64_t)(mem.total >> 20);
		if (d.profile[0] == '\0') {
			log_warn("MIG device %s: profile unknown; skipped",
			    d.uuid);
			continue;
		}
		if (gpu_inventory_add(inv, &d) != 0)
			return;
		remember(hs, nh, hcap, d.uuid, mig);
	}
}

int
gpu_nvml_scan(struct gpu_nvml *nv, struct gpu_inventory **out)
{
	struct gpu_inventory *inv;
	struct handle *hs = NULL;
	struct gpu_dev d;
	nvml_memory_t mem;
	nvmlDevice_t dev;
	unsigned count = 0, i, minor, cur, pend;
	size_t nh = 0, hcap = 0;
	nvmlReturn_t r;

	*out = NULL;
	inv = gpu_inventory_new(gpu_nvml_loaded(nv) ? "nvml" : "none");
	if (!gpu_nvml_loaded(nv)) {
		strlcpy_b(inv->note, gpu_nvml_note(nv), sizeof inv->note);
		*out = inv;
		return 0;
	}
	if ((r = nv->f.GetCount(&count)) != NVML_SUCCESS) {
		snprintf(inv->note, sizeof inv->note, "nvmlDeviceGetCount: %s",
		    nvml_str(nv, r));
		log_warn("%s; no GPUs", inv->note);
		count = 0;
	}
	for (i = 0; i < count; i++) {
		if ((r = nv->f.GetHandleByIndex(i, &dev)) != NVML_SUCCESS) {
			log_warn("GPU %u: handle: %s; skipped", i,
			    nvml_str(nv, r));
			continue;
		}
		memset(&d, 0, sizeof d);
		strlcpy_b(d.kind, "gpu", sizeof d.kind);
		d.index = (int)i;
		d.gi_id = d.ci_id = -1;
		if ((r = nv->f.GetUUID(dev, d.uuid, sizeof d.uuid)) !=
		    NVML_SUCCESS || d.uuid[0] == '\0') {
			log_warn("GPU %u: uuid: %s; skipped", i,
			    nvml_str(nv, r));
			continue;
		}
		if (nv->f.GetName(dev, d.model, sizeof d.model) !=
		    NVML_SUCCESS)
			strlcpy_b(d.model, "unknown", sizeof d.model);
		memset(&mem, 0, sizeof mem);
		if (nv->f.GetMemoryInfo(dev, &mem) == NVML_SUCCESS)
			d.memory_mb = (int64_t)(mem.total >> 20);
		d.minor = (int)i;
		if (nv->f.GetMinorNumber != NULL &&
		    nv->f.GetMinorNumber(dev, &minor) == NVML_SUCCESS)
			d.minor = (int)minor;
		cur = pend = 0;
		/* NOT_SUPPORTED: a GPU without MIG. */
		if (nv->have_mig &&
		    nv->f.GetMigMode(dev, &cur, &pend) == NVML_SUCCESS)
			d.mig_enabled = cur == NVML_DEVICE_MIG_ENABLE;
		if (gpu_inventory_add(inv, &d) != 0)
			break;
		remember(&hs, &nh, &hcap, d.uuid, dev);
		if (d.mig_enabled)
			scan_mig(nv, dev, &d, mem.total, inv, &hs, &nh, &hcap);
	}
	if (inv->n == 0 && inv->note[0] == '\0') {
		strlcpy_b(inv->note, "NVML reports no GPUs", sizeof inv->note);
		log_info("NVML reports no GPUs");
	}

	pthread_mutex_lock(&nv->lock);
	free(nv->handles);
	nv->handles = hs;
	nv->nhandles = nh;
	pthread_mutex_unlock(&nv->lock);
	*out = inv;
	return 0;
}

int
gpu_nvml_stats(struct gpu_nvml *nv, const char *uuid, struct gpu_stats *out)
{
	nvml_utilization_t u;
	nvml_memory_t mem;
	nvmlDevice_t dev = NULL;
	unsigned t;
	size_t i;

	out->utilization_pct = out->memory_util_pct = -1;
	out->memory_used_mb = out->memory_total_mb = -1;
	out->temperature_c = -1;
	if (!gpu_nvml_loaded(nv))
		return err_set(ERR_NOTFOUND, "%s", gpu_nvml_note(nv));
	pthread_mutex_lock(&nv->lock);
	for (i = 0; i < nv->nhandles; i++)
		if (strcmp(nv->handles[i].uuid, uuid) == 0) {
			dev = nv->handles[i].dev;
			break;
		}
	pthread_mutex_unlock(&nv->lock);
	if (dev == NULL)
		return err_set(ERR_NOTFOUND, "no GPU device '%s'", uuid);
	if (nv->f.GetUtilizationRates != NULL &&
	    nv->f.GetUtilizationRates(dev, &u) == NVML_SUCCESS) {
		out->utilization_pct = (int)u.gpu;
		out->memory_util_pct = (int)u.memory;
	}
	if (nv->f.GetMemoryInfo(dev, &mem) == NVML_SUCCESS) {
		out->memory_used_mb = (int64_t)(mem.used >> 20);
		out->memory_total_mb = (int64_t)(mem.total >> 20);
	}
	if (nv->f.GetTemperature != NULL &&
	    nv->f.GetTemperature(dev, NVML_TEMPERATURE_GPU, &t) ==
	    NVML_SUCCESS)
		out->temperature_c = (int)t;
	return 0;
}
