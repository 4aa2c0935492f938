/* api-stats.c: GET /v1/workspaces/{id}/stats: one sample of the
 * container's CPU, memory, pids, network and block I/O from the engine
 * (rt_stats), in the shape the CLI and dashboard read, and live NVML
 * figures of the GPUs it holds (null without one). Request threads. */
#include <string.h>

#include <jansson.h>

#include "api-inside.h"
#include "db.h"
#include "err.h"
#include "gpu-host.h"
#include "gpu-nvml.h"
#include "http.h"
#include "rt.h"
#include "timeutil.h"
#include "ws.h"

/* Live figures of the devices ws_id holds: the first one's at the top,
 * all under "devices"; -1 where NVML has none (MIG: no utilization). */
static json_t *
gpu_json(struct db *db, const char *ws_id)
{
	json_t *allocs = NULL, *devs, *d, *first;
	size_t i;

	if (db_gpu_allocated(db, ws_id, &allocs) != 0 ||
	    json_array_size(allocs) == 0) {
		json_decref(allocs);
		return json_null();
	}
	devs = json_array();
	json_array_foreach(allocs, i, d) {
		const char *uuid;

		uuid = json_string_value(json_object_get(d, "uuid"));
		struct gpu_stats st = { -1, -1, -1, -1, -1 };
		int live = gpu_nvml_stats(gpu_host_nvml(), uuid, &st) == 0;
		json_array_append_new(devs, json_pack("{s:s,s:O,s:b,s:i,s:I,"
		    "s:I,s:i}", "uuid", uuid, "profile",
		    json_object_get(d, "profile"), "live", live,
		    "utilization", st.utilization_pct,
		    "memory_used_mb", (json_int_t)st.memory_used_mb,
		    "memory_total_mb", (json_int_t)(st.memory_total_mb >= 0 ?
		    st.memory_total_mb : json_integer_value(json_object_get(d,
		    "memory_mb"))), "temperature", st.temperature_c));
	}
	json_decref(allocs);
	first = json_deep_copy(json_array_get(devs, 0));
	json_object_set_new(first, "devices", devs);
	return first;
}

static int
h_stats(struct req *r)
{
	struct rt_stats st;
	struct ws *w = NULL;
	char ts[40];
	double mp;
	int rc;

	if ((rc = api_ws_running(r, &w)) != 0)
		return rc;
	if ((rc = rt_stats(req_rt(r), w->container_id, &st)) != 0)
		goto out;
	rfc3339(now_s(), ts, sizeof ts);
	mp = st.mem_limit > 0 ? 100.0 * (double)st.mem_used /
	    (double)st.mem_limit : 0;
	rc = reply_json(r, 200, json_pack("{s:s,s:s,s:f,s:i,"
	    "s:{s:I,s:I,s:f},s:I,s:{s:I,s:I},s:{s:I,s:I},s:o}",
	    "workspace", w->id, "time", ts,
	    "cpu_percent", st.cpu_percent, "online_cpus", st.online_cpus,
	    "memory", "used", (json_int_t)st.mem_used, "limit",
	    (json_int_t)st.mem_limit, "percent", mp,
	    "pids", (json_int_t)st.pids,
	    "net", "rx", (json_int_t)st.net_rx, "tx", (json_int_t)st.net_tx,
	    "block", "read", (json_int_t)st.blk_read, "write",
	    (json_int_t)st.blk_write,
	    "gpu", gpu_json(req_db(r), w->id)));
 out:
	ws_free(w);
	return rc;
}

const struct route api_stats_routes[] = {
	{ "GET", "/v1/workspaces/{id}/stats", h_stats, ROUTE_READ, "one "
	    "sample: {cpu_percent (100 = one CPU), online_cpus, memory "
	    "{used, limit, percent}, pids, net {rx, tx}, block {read, "
	    "write} (bytes), gpu (null without a GPU)}; takes about a "
	    "second (the engine samples CPU twice)" },
	{ NULL, NULL, NULL, 0, NULL }
};
