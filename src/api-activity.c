/* api-activity.c: POST /v1/workspaces/{id}/keepalive: activity by hand,
 * for a client that works without touching the workspace (an agent
 * thinking, a notebook open elsewhere). The workspace JSON's activity and
 * idle fields say where the idle clock stands (ws.c). Request threads. */
#include <string.h>

#include <jansson.h>

#include "activity.h"
#include "api.h"
#include "err.h"
#include "http.h"
#include "ws.h"

static int
h_keepalive(struct req *r)
{
	struct ws *w = NULL;
	json_t *body = NULL;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if (json_object_size(body) > 0) {
		rc = err_set(ERR_INVAL, "unknown field '%s' (keepalive takes "
		    "no body)", json_object_iter_key(json_object_iter(body)));
		goto out;
	}
	if ((rc = api_workspace(r, &w)) != 0)
		goto out;
	if (strcmp(w->state, "running") != 0) {
		rc = err_set(ERR_CONFLICT, "workspace %s is %s: nothing to "
		    "keep alive (start it)", w->name, w->state);
		goto out;
	}
	ws_activity(w->id, "keepalive");
	rc = reply_json(r, 200, ws_to_json(req_app(r), req_db(r), w));
out:
	ws_free(w);
	json_decref(body);
	return rc;
}

const struct route api_activity_routes[] = {
	{ "POST", "/v1/workspaces/{id}/keepalive", h_keepalive,
	    ROUTE_LIFECYCLE, "activity now: the idle clock starts again" },
	{ NULL, NULL, NULL, 0, NULL }
};
