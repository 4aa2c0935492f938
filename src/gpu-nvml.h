/* gpu-nvml.h: GPU discovery and live stats through NVML, loaded with
 * dlopen (never linked) into a table of function pointers. Read-only:
 * nothing here changes MIG layout, clocks or modes. One object per
 * daemon; any thread may call it (a mutex guards the handle table). */
#ifndef BERTH_GPU_NVML_H
#define BERTH_GPU_NVML_H

#include <stdint.h>

#include "gpu-inventory.h"

struct gpu_nvml;

/* Live figures; -1 where the device does not report one (MIG devices
 * have no utilization or temperature of their own). */
struct gpu_stats {
	int	utilization_pct;	/* GPU busy, % */
	int	memory_util_pct;	/* memory controller busy, % */
	int64_t	memory_used_mb;
	int64_t	memory_total_mb;
	int	temperature_c;
};

/* Loads NVML from path ("libnvidia-ml.so.1" when NULL or "") and
 * initializes it. Never fails: when the library or a symbol is missing
 * or nvmlInit fails, the object is absent (gpu_nvml_loaded() is 0) and
 * gpu_nvml_note() says why (also logged at warn). */
struct gpu_nvml	*gpu_nvml_open(const char *path);
/* nvmlShutdown and dlclose; NULL is fine. */
void		 gpu_nvml_close(struct gpu_nvml *);
int		 gpu_nvml_loaded(const struct gpu_nvml *);
/* Why NVML is absent, or "" when loaded. */
const char	*gpu_nvml_note(const struct gpu_nvml *);

/* Enumerates whole GPUs and, on GPUs with MIG mode on, their MIG devices
 * (parent first, then its instances in MIG slot order). Returns 0 with
 * an inventory in *out (the caller's), empty with a note when NVML is
 * absent or there are no devices; a device NVML cannot describe is
 * skipped with a warning. Remembers the handles for gpu_nvml_stats(). */
int	gpu_nvml_scan(struct gpu_nvml *, struct gpu_inventory **out);
/* Live stats of the device with uuid (as found by the last scan).
 * ERR_NOTFOUND when NVML is absent or the uuid unknown. */
int	gpu_nvml_stats(struct gpu_nvml *, const char *uuid,
	    struct gpu_stats *out);

#endif
