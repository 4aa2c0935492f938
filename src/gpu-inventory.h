/* gpu-inventory.h: the host's GPU devices as a plain array (whole GPUs and
 * MIG instances), filled by NVML discovery (gpu-nvml.h) or parsed from a
 * static inventory file (docs/gpus.md) on hosts without NVML. An inventory
 * is a value: one owner thread, no locking. */
#ifndef BERTH_GPU_INVENTORY_H
#define BERTH_GPU_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define GPU_UUID_MAX	96
#define GPU_MODEL_MAX	96
#define GPU_PROFILE_MAX	32
#define GPU_NOTE_MAX	256
#define GPU_INVENTORY_MAX_DEVICES	1024

/* One device. A MIG device carries its parent's index, model and minor
 * (the physical GPU it lives on); a whole GPU has parent_uuid and profile
 * "" and gi_id/ci_id -1. */
struct gpu_dev {
	char	uuid[GPU_UUID_MAX];		/* GPU-… or MIG-… */
	char	parent_uuid[GPU_UUID_MAX];	/* "" for a whole GPU */
	char	kind[4];			/* "gpu" | "mig" */
	int	index;				/* NVML index of the GPU */
	char	model[GPU_MODEL_MAX];		/* "NVIDIA H100 80GB HBM3" */
	char	profile[GPU_PROFILE_MAX];	/* "1g.10gb", "" for a GPU */
	int64_t	memory_mb;			/* MiB */
	int	minor;				/* /dev/nvidia<minor> */
	int	gi_id;				/* GPU instance id, -1 */
	int	ci_id;				/* compute instance id, -1 */
	int	mig_enabled;			/* whole GPU: MIG mode on */
};

struct gpu_inventory {
	struct gpu_dev	*devs;
	size_t		 n;
	size_t		 cap;
	char		 source[16];		/* "nvml" | "file" | "none" */
	char		 note[GPU_NOTE_MAX];	/* why empty (logs, the API) */
};

struct gpu_inventory	*gpu_inventory_new(const char *source);
void			 gpu_inventory_free(struct gpu_inventory *);
/* Appends a copy of d. ERR_TOOBIG past GPU_INVENTORY_MAX_DEVICES. */
int			 gpu_inventory_add(struct gpu_inventory *,
			    const struct gpu_dev *d);
/* The device with uuid, or NULL. */
const struct gpu_dev	*gpu_inventory_find(const struct gpu_inventory *,
			    const char *uuid);
/* 1 when d is a MIG device. */
int			 gpu_dev_is_mig(const struct gpu_dev *d);

/* Parses a static inventory (JSON, format in docs/gpus.md) of len bytes.
 * ERR_INVAL with a message naming the device and field; *out is the
 * caller's on success. Never reads past len; safe on any input. */
int	gpu_inventory_parse(const char *json, size_t len,
	    struct gpu_inventory **out);
/* Reads and parses the file at path (at most 4 MiB). ERR_IO, ERR_INVAL. */
int	gpu_inventory_load_file(const char *path, struct gpu_inventory **out);
/* The inventory as the static file format (new reference); parsing the
 * result gives the same inventory back. */
json_t	*gpu_inventory_to_json(const struct gpu_inventory *);
/* One device as the API's object {uuid, kind, model, profile, memory_mb,
 * index, parent_uuid, ...} (new reference). */
json_t	*gpu_dev_to_json(const struct gpu_dev *);

/* 1 when s is a MIG profile name: [Nc.]Ng.Ngb with an optional +attr
 * suffix ("1g.10gb", "1c.3g.40gb", "1g.10gb+me"). */
int	gpu_profile_valid(const char *s);
/* Formats a profile name as NVIDIA's tools do: slice counts and the
 * instance memory as a fraction of the GPU's (rounded up to eighths)
 * times the GPU's memory in whole GB. */
void	gpu_profile_name(char *out, size_t outsz, unsigned gi_slices,
	    unsigned ci_slices, uint64_t mig_memory_mb,
	    uint64_t gpu_memory_bytes, const char *suffix);

#endif
