/* gpu-host.c: the GPU source of this host (NVML or a static inventory
 * file), its status for the API, and rescans into the store. One global
 * state behind a mutex; rescans are serialized by it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "gpu-inventory.h"
#include "gpu-nvml.h"
#include "log.h"
#include "xmalloc.h"

static pthread_mutex_t	 host_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gpu_nvml	*host_nvml;
static char		*host_inventory;	/* path, or NULL for NVML */
static char		 host_source[16] = "none";
static char		 host_note[GPU_NOTE_MAX] = "GPUs not initialized";

int
gpu_host_init(const char *nvml_lib, const char *inventory_path)
{
	gpu_host_shutdown();
	pthread_mutex_lock(&host_lock);
	if (inventory_path != NULL && *inventory_path != '\0') {
		host_inventory = xstrdup(inventory_path);
		strlcpy_b(host_source, "file", sizeof host_source);
		host_note[0] = '\0';
	} else {
		host_nvml = gpu_nvml_open(nvml_lib);
		strlcpy_b(host_source, gpu_nvml_loaded(host_nvml) ? "nvml" :
		    "none", sizeof host_source);
		strlcpy_b(host_note, gpu_nvml_note(host_nvml),
		    sizeof host_note);
	}
	pthread_mutex_unlock(&host_lock);
	return 0;
}

void
gpu_host_shutdown(void)
{
	pthread_mutex_lock(&host_lock);
	gpu_nvml_close(host_nvml);
	host_nvml = NULL;
	free(host_inventory);
	host_inventory = NULL;
	strlcpy_b(host_source, "none", sizeof host_source);
	strlcpy_b(host_note, "GPUs not initialized", sizeof host_note);
	pthread_mutex_unlock(&host_lock);
}

int
gpu_rescan(struct db *db, json_t **out)
{
	struct gpu_inventory *inv = NULL;
	int r, vanished = 0;

	if (out != NULL)
		*out = NULL;
	pthread_mutex_lock(&host_lock);
	if (host_inventory != NULL)
		r = gpu_inventory_load_file(host_inventory, &inv);
	else
		r = gpu_nvml_scan(host_nvml, &inv);
	if (r != 0)
		goto out;
	strlcpy_b(host_note, inv->note, sizeof host_note);
	if ((r = db_gpu_sync(db, inv, &vanished)) != 0)
		goto out;
	log_info("GPUs: %zu devices from %s%s%s", inv->n, host_source,
	    inv->note[0] ? ": " : "", inv->note);
	if (out != NULL)
		*out = json_pack("{s:s, s:s, s:I, s:i}", "source", host_source,
		    "note", host_note, "devices", (json_int_t)inv->n,
		    "vanished_allocated", vanished);
out:
	pthread_mutex_unlock(&host_lock);
	gpu_inventory_free(inv);
	return r;
}

int
gpu_startup(struct app *app, struct db *db)
{
	gpu_host_init(app->cfg.nvml_lib, app->cfg.gpu_inventory);
	return gpu_rescan(db, NULL);
}

struct gpu_nvml *
gpu_host_nvml(void)
{
	struct gpu_nvml *nv;

	pthread_mutex_lock(&host_lock);
	nv = host_nvml;
	pthread_mutex_unlock(&host_lock);
	return nv;
}

json_t *
gpu_host_status(void)
{
	json_t *o;

	pthread_mutex_lock(&host_lock);
	o = json_pack("{s:s, s:s}", "source", host_source, "note",
	    host_note);
	pthread_mutex_unlock(&host_lock);
	return o;
}
