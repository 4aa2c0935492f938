/* compat-gpulab.h: the GPULab CLI's routes and shapes (GPULab-AI/gpulab-cli,
 * docs/gpulab.md) over berth's own: the pure translations, exported for
 * the fuzzer and unit tests. Any thread. */
#ifndef BERTH_COMPAT_GPULAB_H
#define BERTH_COMPAT_GPULAB_H

#include <stdint.h>

#include <jansson.h>

/* GPULab's container object (detail: its inspect form) from berth's
 * workspace JSON; now is the time uptime counts to. New reference. */
json_t	*gpulab_container(const json_t *ws, int detail, int64_t now);
/* Checks a GPULab create-container body and turns it into berth's
 * POST /v1/workspaces body (*out, the caller's). *volref is the body's
 * network_volume_uuid (NULL when none), for the caller to resolve and add
 * as "volumes". ERR_INVAL with the message set. */
int	 gpulab_deploy_body(const json_t *in, json_t **out,
	    const char **volref);
/* A template, a volume and the GPU type list in GPULab's shapes, from
 * berth's (new references). */
json_t	*gpulab_template(const json_t *t);
json_t	*gpulab_volume(const json_t *v);
json_t	*gpulab_gpu_types(const json_t *types);
json_t	*gpulab_gpu_available(const json_t *devices);

#endif
