/* gpu-alloc.h: exclusive GPU allocation, persisted in SQLite: the device
 * table (synced from an inventory), the allocation table (uuid primary
 * key, so a device can never be held twice), and the JSON views the API
 * serves. Each function uses the caller's connection (one per thread);
 * gpu_alloc runs inside the caller's BEGIN IMMEDIATE transaction, so the
 * GPU is taken atomically with the workspace record. */
#ifndef BERTH_GPU_ALLOC_H
#define BERTH_GPU_ALLOC_H

#include <jansson.h>
#include <sqlite3.h>

#include "gpu-inventory.h"

struct gpu_nvml;

/* Creates gpu_devices, gpu_allocs and their indexes and trigger if
 * missing; idempotent. Runs inside db_migrate's transaction. 0, or an
 * SQLite error code (sqlite3_errmsg says why). */
int	gpu_db_migrate(sqlite3 *);

/* Upserts every device of inv (present = 1, last_seen = now) and marks the
 * others present = 0; a vanished device that is allocated stays allocated
 * and is logged (and shown in /v1/gpus as present: false). Joins the
 * caller's transaction when one is open, else runs in its own. Sets
 * *vanished_allocated (may be NULL) to the number of such devices. */
int	gpu_sync_inventory(sqlite3 *, const struct gpu_inventory *inv,
	    int *vanished_allocated);

/* Allocates GPU devices to workspace ws_id for owner. MUST be called
 * inside the caller's open BEGIN IMMEDIATE transaction (ERR_INTERNAL
 * otherwise); it neither begins nor commits. request:
 *   "none", "" or "0"   nothing (*out = [])
 *   "1", "2", …        that many whole GPUs (MIG mode off)
 *   "1g.10gb" …        one MIG instance of that profile
 *   "GPU-…", "MIG-…"   that device (a whole GPU with MIG on is allowed
 *                      here, while none of its instances is held)
 *   "H100", "a100" …   one whole GPU whose model contains it (any case)
 * A MIG instance and its parent exclude each other. prefer (NULL or a
 * comma-separated uuid list) is taken first when free and fitting, for
 * start after stop. quota_gpus < 0 means no limit; devices the owner holds
 * (a MIG instance counts 1) + new ones > quota_gpus → ERR_QUOTA. Nothing
 * fitting free → ERR_UNSAT, the message listing what is free. Bad syntax
 * → ERR_INVAL. A workspace that already holds devices gets them back
 * unchanged. *out: a new JSON array of {uuid, kind, model, profile,
 * memory_mb, index, minor, parent_uuid}. */
int	gpu_alloc(sqlite3 *, const char *ws_id, const char *owner,
	    const char *request, int quota_gpus, const char *prefer,
	    json_t **out);
/* Frees what ws_id holds (one statement: fine inside or outside a
 * transaction). Freeing nothing is not an error. */
int	gpu_free(sqlite3 *, const char *ws_id);
/* What ws_id holds, as gpu_alloc's *out (empty array when nothing). */
int	gpu_allocated(sqlite3 *, const char *ws_id, json_t **out);
/* "uuid1,uuid2" of an allocation array (NVIDIA_VISIBLE_DEVICES), "" when
 * empty; the caller frees. */
char	*gpu_uuids_csv(json_t *allocs);

/* JSON views for the API (new references).
 * Devices (present or not), each with present, allocated, available, for
 * admins or the holder allocated_to {workspace_id, workspace, owner}
 * (else null), and live figures from nvml (may be NULL): utilization (%),
 * memory_used_mb, temperature (°C), null where not reported. viewer is
 * the caller's user name. */
json_t	*gpu_view_devices(sqlite3 *, struct gpu_nvml *nvml,
	    const char *viewer, int admin);
/* Per model and profile: {kind, model, profile, memory_mb, total, free}. */
json_t	*gpu_view_types(sqlite3 *);
/* Free, allocatable devices: as gpu_alloc's objects. */
json_t	*gpu_view_available(sqlite3 *);

#endif
