/* gpu-host.h: this host's GPU source, chosen at start-up: the static
 * inventory file (config gpu_inventory) when set, else NVML (nvml_lib).
 * Holds the NVML object for live stats and serializes rescans. Started on
 * the main thread; afterwards any thread. */
#ifndef BERTH_GPU_HOST_H
#define BERTH_GPU_HOST_H

#include <jansson.h>

struct app;
struct db;
struct gpu_nvml;

/* Opens the source, enumerates and syncs the store. A missing NVML is no
 * error (no GPUs, logged); a bad inventory file is (ERR_INVAL/ERR_IO,
 * and the store is left as it was). */
int		 gpu_startup(struct app *, struct db *);
/* Re-enumerates and syncs; *out (may be NULL) gets {source, note,
 * devices, vanished_allocated}. Uses the caller's connection. */
int		 gpu_rescan(struct db *, json_t **out);
/* The NVML object for live stats, or NULL (no NVML, or a static file). */
struct gpu_nvml	*gpu_host_nvml(void);
/* {source, note}: where the GPUs come from and, when there are none,
 * why (new reference). */
json_t		*gpu_host_status(void);
/* Closes NVML; for tests and shutdown. */
void		 gpu_host_shutdown(void);
/* Sets the source without a struct app (tests, tools): inventory_path
 * when non-empty, else NVML from nvml_lib. */
int		 gpu_host_init(const char *nvml_lib,
		    const char *inventory_path);

#endif
