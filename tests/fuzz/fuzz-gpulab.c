/* fuzz-gpulab.c: the GPULab compatibility translations on untrusted JSON:
 * a create-container body checked and turned into berth's, and any JSON
 * object taken for a workspace, template, volume or GPU list and put in
 * GPULab's shapes (compat-gpulab.c). */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "compat-gpulab.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v, *out = NULL;
	const char *volref;

	v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES,
	    NULL);
	if (v == NULL)
		return 0;
	if (json_is_object(v)) {
		if (gpulab_deploy_body(v, &out, &volref) == 0 && out == NULL)
			abort();
		json_decref(out);
		json_decref(gpulab_container(v, 1, 1700000000));
		json_decref(gpulab_template(v));
		json_decref(gpulab_volume(v));
	}
	json_decref(gpulab_gpu_types(v));
	json_decref(gpulab_gpu_available(v));
	json_decref(v);
	return 0;
}
