/* fuzz-gpu-inventory.c: libFuzzer target for the static GPU inventory
 * parser; any input must parse or fail cleanly, and what parses must
 * print and parse back to the same devices. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpu-inventory.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gpu_inventory *inv = NULL, *inv2 = NULL;
	json_t *j;
	char *s;

	log_min_level = LOG_ERROR;
	if (gpu_inventory_parse((const char *)data, len, &inv) != 0)
		return 0;
	j = gpu_inventory_to_json(inv);
	s = json_dumps(j, JSON_COMPACT);
	if (s == NULL || gpu_inventory_parse(s, strlen(s), &inv2) != 0 ||
	    inv2->n != inv->n || (inv->n > 0 &&
	    memcmp(inv->devs, inv2->devs, inv->n * sizeof inv->devs[0]) != 0))
		abort();
	free(s);
	json_decref(j);
	gpu_inventory_free(inv2);
	gpu_inventory_free(inv);
	return 0;
}
