/* api-meta.c: /healthz, /metrics, /v1/openapi.json and /v1/account. */
#include <stdio.h>
#include <string.h>

#include "api-openapi.h"
#include "app.h"
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "gpu-host.h"
#include "err.h"
#include "http-server.h"
#include "http.h"
#include "metrics.h"
#include "rt.h"
#include "ssh-gw.h"
#include "timeutil.h"
#include "xmalloc.h"

static int
healthz(struct req *r)
{
	struct db *db = req_db(r);
	int db_ok, rt_ok;

	db_ok = db != NULL && db_ping(db) == 0;
	rt_ok = rt_ping(req_rt(r)) == 0;
	return reply_json(r, db_ok && rt_ok ? 200 : 503,
	    json_pack("{s:s,s:s,s:s,s:{s:s,s:s}}",
	    "status", db_ok && rt_ok ? "healthy" : "unhealthy",
	    "service", "berthd", "version", BERTH_VERSION,
	    "checks", "database", db_ok ? "ok" : "failing",
	    "backend", rt_ok ? "ok" : "unreachable"));
}

/* The gauges that come from the store, computed at scrape time. */
static void
store_gauges(struct db *db, struct buf *b)
{
	static const char *const states[] = { "creating", "running",
	    "stopped", "failed", "deleting" };
	int total = 0, held = 0;

	buf_appendf(b, "# HELP berth_workspaces Workspaces by state\n"
	    "# TYPE berth_workspaces gauge\n");
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		buf_appendf(b, "berth_workspaces{state=\"%s\"} %d\n",
		    states[i], db_ws_count_state(db, states[i]));
	db_gpu_counts(db, &total, &held);
	buf_appendf(b, "# HELP berth_gpus GPU devices (whole GPUs and MIG "
	    "instances)\n# TYPE berth_gpus gauge\nberth_gpus %d\n"
	    "# HELP berth_gpus_allocated GPU devices allocated\n"
	    "# TYPE berth_gpus_allocated gauge\n"
	    "berth_gpus_allocated %d\n", total, held);
}

/* A label value from a device's JSON, with the characters the text
 * format can't carry replaced (a uuid from an inventory file is free
 * text). Valid until the next call. */
static const char *
lv(json_t *d, const char *key)
{
	static _Thread_local char out[128];
	const char *s = json_string_value(json_object_get(d, key));
	size_t o = 0;

	for (; s != NULL && *s != '\0' && o + 1 < sizeof out; s++)
		out[o++] = *s == '"' || *s == '\\' || *s == '\n' ? '_' : *s;
	out[o] = '\0';
	return out;
}

/* One gauge family over the devices: key's value times scale (a boolean
 * is 0 or 1, scale 0); devices without the value are left out. */
static void
gpu_family(struct buf *b, json_t *devs, const char *name, const char *help,
    const char *key, double scale)
{
	json_t *d, *v;
	size_t i;

	buf_appendf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	json_array_foreach(devs, i, d) {
		v = json_object_get(d, key);
		if (!json_is_integer(v) && !json_is_boolean(v))
			continue;
		buf_appendf(b, "%s{uuid=\"%s\",index=\"%" JSON_INTEGER_FORMAT
		    "\"} %.10g\n", name, lv(d, "uuid"), json_integer_value(
		    json_object_get(d, "index")), json_is_boolean(v) ?
		    (double)json_is_true(v) : (double)json_integer_value(v) *
		    scale);
	}
}

/* Gauges read at scrape time: connections, sessions, each GPU (labelled
 * by device uuid and index: bounded by the hardware). */
static void
live_gauges(struct db *db, struct buf *b)
{
	json_t *devs;

	buf_appendf(b, "# HELP berth_http_connections Open HTTP connections "
	    "(idle, waiting or running a request)\n# TYPE "
	    "berth_http_connections gauge\nberth_http_connections %d\n",
	    http_connections());
	buf_appendf(b, "# HELP berth_ssh_connections Open SSH gateway "
	    "connections\n# TYPE berth_ssh_connections gauge\n"
	    "berth_ssh_connections %d\n", ssh_gw_connections());
	buf_appendf(b, "# HELP berth_ssh_sessions Open SSH gateway channels "
	    "(shells, commands, sftp, forwards)\n# TYPE berth_ssh_sessions "
	    "gauge\nberth_ssh_sessions %d\n", ssh_gw_channels());
	if (db == NULL)
		return;
	devs = db_gpu_view_devices(db, gpu_host_nvml(), NULL, 1);
	gpu_family(b, devs, "berth_gpu_allocated", "1 when the device is held "
	    "by a workspace", "allocated", 0);
	gpu_family(b, devs, "berth_gpu_utilization_ratio", "GPU busy time "
	    "(NVML), 0 to 1", "utilization", 0.01);
	gpu_family(b, devs, "berth_gpu_memory_used_bytes", "GPU memory in use "
	    "(NVML)", "memory_used_mb", 1048576);
	gpu_family(b, devs, "berth_gpu_memory_total_bytes", "GPU memory",
	    "memory_mb", 1048576);
	json_decref(devs);
}

static int
metrics(struct req *r)
{
	struct app *app = req_app(r);
	const char *addr = req_remote_addr(r), *list = app->cfg.metrics_allow;
	struct buf *b;
	int allowed = 0;

	if (list != NULL && *list) {
		const char *p = strstr(list, addr);
		size_t n = strlen(addr);
		allowed = p != NULL && (p == list || p[-1] == ',' ||
		    p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' ');
	}
	if (!allowed) {
		struct principal *who = (struct principal *)req_who(r);
		const char *h = req_header(r, "Authorization");
		const char *key = h != NULL ? (strncasecmp(h, "Bearer ", 7) ==
		    0 ? h + 7 : NULL) : req_header(r, "api-key");
		if (key == NULL || auth_check(req_db(r), key, who) != 0)
			return reply_error(r, ERR_UNAUTH, "metrics need an "
			    "admin key or an allowlisted address");
		if (!who->admin)
			return reply_error(r, ERR_FORBIDDEN, "metrics need an "
			    "admin key");
	}
	b = buf_new(0);
	metrics_write(b);
	store_gauges(req_db(r), b);
	live_gauges(req_db(r), b);
	reply_start(r, 200, "text/plain; version=0.0.4", (int64_t)buf_len(b),
	    NULL);
	reply_write(r, buf_data(b), buf_len(b));
	buf_free(b);
	return 0;
}

/* OpenAPI 3 built from the route tables, so it can't drift from them. */
static int
openapi(struct req *r)
{
	return reply_json(r, 200, api_openapi_doc(http_routes(),
	    BERTH_VERSION));
}

static int
account(struct req *r)
{
	json_t *o = db_user_json(req_db(r), req_who(r)->user);

	if (o == NULL)
		return err_set(ERR_NOTFOUND, "no such user");
	json_object_set_new(o, "user", json_string(req_who(r)->user));
	json_object_set_new(o, "key_id", json_string(req_who(r)->key_id));
	return reply_json(r, 200, o);
}

const struct route api_meta_routes[] = {
	{ "GET", "/healthz", healthz, ROUTE_NOAUTH, "health of berthd, its "
	    "store and its backend" },
	{ "GET", "/metrics", metrics, ROUTE_NOAUTH, "Prometheus metrics "
	    "(admin key or allowlisted address)" },
	{ "GET", "/v1/openapi.json", openapi, ROUTE_NOAUTH, "this document" },
	{ "GET", "/v1/account", account, ROUTE_ANYKEY, "who am I: user, "
	    "role, quotas, usage" },
	{ NULL, NULL, NULL, 0, NULL }
};
