/* api-stats.c: GET /v1/workspaces/{id}/stats: one sample of the
 * container's CPU, memory, pids, network and block I/O from the engine
 * (rt_stats), in the shape the CLI and dashboard read. The GPU section is
 * null until the GPU module fills it. Request threads. */
#include <string.h>

#include <jansson.h>

#include "api-inside.h"
#include "err.h"
#include "http.h"
#include "rt.h"
#include "timeutil.h"
#include "ws.h"

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
	    "s:{s:I,s:I,s:f},s:I,s:{s:I,s:I},s:{s:I,s:I},s:n}",
	    "workspace", w->id, "time", ts,
	    "cpu_percent", st.cpu_percent, "online_cpus", st.online_cpus,
	    "memory", "used", (json_int_t)st.mem_used, "limit",
	    (json_int_t)st.mem_limit, "percent", mp,
	    "pids", (json_int_t)st.pids,
	    "net", "rx", (json_int_t)st.net_rx, "tx", (json_int_t)st.net_tx,
	    "block", "read", (json_int_t)st.blk_read, "write",
	    (json_int_t)st.blk_write,
	    "gpu"));
 out:
	ws_free(w);
	return rc;
}

const struct route api_stats_routes[] = {
	{ "GET", "/v1/workspaces/{id}/stats", h_stats, 0, "one sample: "
	    "{cpu_percent (100 = one CPU), online_cpus, memory {used, limit, "
	    "percent}, pids, net {rx, tx}, block {read, write} (bytes), gpu "
	    "(null without a GPU)}; takes about a second (the engine samples "
	    "CPU twice)" },
	{ NULL, NULL, NULL, 0, NULL }
};
