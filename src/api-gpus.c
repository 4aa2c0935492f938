/* api-gpus.c: GPU routes: /v1/gpus (devices, types, available, status,
 * admin rescan) and Sandman's /gpus, /gpus/profiles, /gpus/available with
 * its response shapes. Thin: the views live in db-gpu.c. Request
 * threads. */
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

/* Sandman's profile object {name, compute_size, memory_size} from
 * "3g.20gb" (compute_size 3, memory_size 20). */
static json_t *
sandman_profile(const char *name)
{
	const char *g, *p;
	long gs = 0, gb = 0;

	if ((g = strstr(name, "g.")) != NULL) {
		for (p = g; p > name && p[-1] >= '0' && p[-1] <= '9'; p--)
			;
		gs = strtol(p, NULL, 10);
		gb = strtol(g + 2, NULL, 10);
	}
	return json_pack("{s:s, s:i, s:i}", "name", name, "compute_size",
	    (int)gs, "memory_size", (int)gb);
}

static json_t *
sandman_instance(json_t *d)
{
	return json_pack("{s:O, s:o, s:b, s:O}", "uuid",
	    json_object_get(d, "uuid"), "profile", sandman_profile(
	    json_string_value(json_object_get(d, "profile"))), "in_use",
	    json_is_true(json_object_get(d, "allocated")), "device_index",
	    json_object_get(d, "index"));
}

/* GET /gpus: {"gpus": [{index, uuid, name, mig_enabled, instances}],
 * "count"}. */
static int
sandman_gpus(struct req *r)
{
	json_t *devs, *gpus, *d, *g = NULL;
	size_t i;

	devs = db_gpu_view_devices(req_db(r), gpu_host_nvml(),
	    req_who(r)->user, 1);
	gpus = json_array();
	json_array_foreach(devs, i, d) {
		if (!json_is_true(json_object_get(d, "present")))
			continue;
		if (strcmp(json_string_value(json_object_get(d, "kind")),
		    "gpu") == 0) {
			g = json_pack("{s:O, s:O, s:O, s:O, s:[]}", "index",
			    json_object_get(d, "index"), "uuid",
			    json_object_get(d, "uuid"), "name",
			    json_object_get(d, "model"), "mig_enabled",
			    json_object_get(d, "mig_enabled"), "instances");
			json_array_append_new(gpus, g);
		} else if (g != NULL && strcmp(json_string_value(
		    json_object_get(g, "uuid")), json_string_value(
		    json_object_get(d, "parent_uuid"))) == 0)
			json_array_append_new(json_object_get(g, "instances"),
			    sandman_instance(d));
	}
	json_decref(devs);
	return reply_json(r, 200, json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(gpus), "gpus", gpus));
}

/* GET /gpus/profiles: {"profiles": ["1g.10gb", …]}, the MIG profiles
 * present on this host. */
static int
sandman_profiles(struct req *r)
{
	json_t *types, *t, *out;
	size_t i;

	types = db_gpu_view_types(req_db(r));
	out = json_array();
	json_array_foreach(types, i, t) {
		if (json_is_string(json_object_get(t, "profile")))
			json_array_append(out, json_object_get(t, "profile"));
	}
	json_decref(types);
	return reply_json(r, 200, json_pack("{s:o}", "profiles", out));
}

/* GET /gpus/available: {"available_instances": [...], "count"}: free MIG
 * instances. */
static int
sandman_available(struct req *r)
{
	json_t *avail, *d, *out, *o;
	size_t i;

	avail = db_gpu_view_available(req_db(r));
	out = json_array();
	json_array_foreach(avail, i, d) {
		if (!json_is_string(json_object_get(d, "profile")))
			continue;
		o = sandman_instance(d);
		json_object_set_new(o, "in_use", json_false());
		json_array_append_new(out, o);
	}
	json_decref(avail);
	return reply_json(r, 200, json_pack("{s:I, s:o}", "count",
	    (json_int_t)json_array_size(out), "available_instances", out));
}

const struct route api_gpus_routes[] = {
	{ "GET", "/v1/gpus", gpus_list, 0, "GPU devices (whole GPUs and MIG "
	    "instances): state, holder (admin or own), live util/memory/temp" },
	{ "GET", "/v1/gpus/types", gpus_types, 0, "per model/profile: total, "
	    "free, memory_mb" },
	{ "GET", "/v1/gpus/available", gpus_available, 0, "devices free to "
	    "allocate now" },
	{ "GET", "/v1/gpus/status", gpus_status, 0, "where GPUs come from "
	    "(nvml|file|none) and why there are none" },
	{ "POST", "/v1/gpus/rescan", gpus_rescan, ROUTE_ADMIN, "re-enumerate "
	    "GPUs (after a MIG re-partition); held devices that vanished are "
	    "reported" },
	{ "GET", "/gpus", sandman_gpus, ROUTE_ADMIN, "Sandman: GPUs with "
	    "their MIG instances" },
	{ "GET", "/gpus/profiles", sandman_profiles, ROUTE_ADMIN, "Sandman: "
	    "MIG profiles on this host" },
	{ "GET", "/gpus/available", sandman_available, ROUTE_ADMIN, "Sandman: "
	    "free MIG instances" },
	{ NULL, NULL, NULL, 0, NULL }
};
