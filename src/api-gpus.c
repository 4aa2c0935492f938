/* api-gpus.c: GPU routes: /v1/gpus (devices, types, available, status,
 * admin rescan). Thin: the views live in db-gpu.c. Request threads.
 * Sandman's /gpus routes are in compat-sandman.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "gpu-inventory.h"
#include "http.h"
#include "xmalloc.h"

/* Where the GPUs come from, as a header line safe for any note. */
static char *
status_header(void)
{
	json_t *st = gpu_host_status();
	const char *src, *note;
	char clean[GPU_NOTE_MAX], *h;
	size_t i;

	src = json_string_value(json_object_get(st, "source"));
	note = json_string_value(json_object_get(st, "note"));
	strlcpy_b(clean, note != NULL ? note : "", sizeof clean);
	for (i = 0; clean[i] != '\0'; i++)
		if ((unsigned char)clean[i] < 0x20 ||
		    (unsigned char)clean[i] > 0x7e)
			clean[i] = '?';
	h = xasprintf("X-Berth-Gpu-Source: %s\r\n%s%s%s", src != NULL ? src :
	    "none", *clean ? "X-Berth-Gpu-Note: " : "", clean,
	    *clean ? "\r\n" : "");
	json_decref(st);
	return h;
}

/* An array reply with the GPU source headers. */
static int
reply_list(struct req *r, json_t *arr)
{
	char *s, *h;
	size_t n;

	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s == NULL)
		return err_set(ERR_INTERNAL, "could not encode reply");
	n = strlen(s);
	h = status_header();
	reply_start(r, 200, "application/json", (int64_t)n + 1, h);
	reply_write(r, s, n);
	reply_write(r, "\n", 1);
	free(h);
	free(s);
	return 0;
}

static int
gpus_list(struct req *r)
{
	const struct principal *who = req_who(r);

	return reply_list(r, db_gpu_view_devices(req_db(r),
	    gpu_host_nvml(), who->user, who->admin));
}

static int
gpus_types(struct req *r)
{
	return reply_list(r, db_gpu_view_types(req_db(r)));
}

static int
gpus_available(struct req *r)
{
	return reply_list(r, db_gpu_view_available(req_db(r)));
}

static int
gpus_status(struct req *r)
{
	json_t *o = gpu_host_status();
	int total, held;

	if (db_gpu_counts(req_db(r), &total, &held) == 0) {
		json_object_set_new(o, "devices", json_integer(total));
		json_object_set_new(o, "allocated", json_integer(held));
	}
	return reply_json(r, 200, o);
}

static int
gpus_rescan(struct req *r)
{
	json_t *out = NULL;
	int rc;

	if ((rc = gpu_rescan(req_db(r), &out)) != 0)
		return rc;
	db_event(req_db(r), req_who(r)->user, "gpus.rescan", "gpus", "ok",
	    json_string_value(json_object_get(out, "source")));
	return reply_json(r, 200, out);
}

const struct route api_gpus_routes[] = {
	{ "GET", "/v1/gpus", gpus_list, ROUTE_READ, "GPU devices (whole "
	    "GPUs and MIG instances): state, holder (admin or own), live "
	    "util/memory/temp" },
	{ "GET", "/v1/gpus/types", gpus_types, ROUTE_READ, "per "
	    "model/profile: total, free, memory_mb" },
	{ "GET", "/v1/gpus/available", gpus_available, ROUTE_READ, "devices "
	    "free to allocate now" },
	{ "GET", "/v1/gpus/status", gpus_status, ROUTE_READ, "where GPUs "
	    "come from (nvml|file|none) and why there are none" },
	{ "POST", "/v1/gpus/rescan", gpus_rescan, ROUTE_ADMIN | ROUTE_FULL,
	    "re-enumerate GPUs (after a MIG re-partition); held devices "
	    "that vanished are reported" },
	{ NULL, NULL, NULL, 0, NULL }
};
