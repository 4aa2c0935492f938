/* api-workspaces.c: workspaces: create, list, get, patch, delete and the
 * lifecycle actions. The work is in ws.c; this maps HTTP onto it. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "ws.h"

int
api_workspace(struct req *r, struct ws **out)
{
	return ws_resolve(req_db(r), req_who(r), req_param(r, "id"), out);
}

static int
ws_reply(struct req *r, int status, const char *id)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = ws_get(req_db(r), id, &w)) != 0)
		return rc;
	rc = reply_json(r, status, ws_to_json(req_app(r), req_db(r), w));
	ws_free(w);
	return rc;
}

static int
h_list(struct req *r)
{
	const char *state = req_query(r, "state");
	json_t *arr;
	int rc;

	if (state != NULL && *state == '\0')
		state = NULL;
	if (state != NULL && strcmp(state, "creating") != 0 &&
	    strcmp(state, "running") != 0 && strcmp(state, "stopped") != 0 &&
	    strcmp(state, "failed") != 0 && strcmp(state, "deleting") != 0)
		return err_set(ERR_INVAL, "state must be one of creating, "
		    "running, stopped, failed, deleting");
	if ((rc = ws_list(req_app(r), req_db(r), req_who(r), state, &arr)) != 0)
		return rc;
	return reply_json(r, 200, arr);
}

static int
h_create(struct req *r)
{
	json_t *body = NULL;
	struct ws *w = NULL;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	rc = ws_create(req_app(r), req_db(r), req_who(r), body, &w);
	json_decref(body);
	if (rc != 0)
		return rc;
	rc = reply_json(r, 201, ws_to_json(req_app(r), req_db(r), w));
	ws_free(w);
	return rc;
}

static int
h_get(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = reply_json(r, 200, ws_to_json(req_app(r), req_db(r), w));
	ws_free(w);
	return rc;
}

static int
h_patch(struct req *r)
{
	json_t *body = NULL;
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	if ((rc = req_json_body(r, &body)) == 0 &&
	    (rc = ws_patch(req_app(r), req_db(r), w->id, body,
	    req_who(r)->user)) == 0)
		rc = ws_reply(r, 200, w->id);
	json_decref(body);
	ws_free(w);
	return rc;
}

static int
h_delete(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = ws_delete(req_app(r), req_db(r), w->id, req_who(r)->user);
	ws_free(w);
	if (rc != 0)
		return rc;
	return reply_empty(r);
}

static int
h_action(struct req *r, const char *action)
{
	struct ws *w = NULL;
	json_t *body = NULL;
	int rc;

	/* No body fields yet; an unknown one is still an error. */
	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if (json_object_size(body) > 0) {
		json_decref(body);
		return err_set(ERR_INVAL, "unknown field '%s'",
		    json_object_iter_key(json_object_iter(body)));
	}
	json_decref(body);
	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = ws_action(req_app(r), req_db(r), w->id, action, req_who(r)->user,
	    "user");
	if (rc == 0)
		rc = ws_reply(r, 200, w->id);
	ws_free(w);
	return rc;
}

static int h_stop(struct req *r) { return h_action(r, "stop"); }
static int h_start(struct req *r) { return h_action(r, "start"); }
static int h_restart(struct req *r) { return h_action(r, "restart"); }
static int h_redeploy(struct req *r) { return h_action(r, "redeploy"); }

const struct route api_workspaces_routes[] = {
	{ "GET", "/v1/workspaces", h_list, 0, "your workspaces (admin: all); "
	    "?state=" },
	{ "POST", "/v1/workspaces", h_create, 0, "create a workspace" },
	{ "GET", "/v1/workspaces/{id}", h_get, 0, "one workspace by id, "
	    "prefix or name" },
	{ "PATCH", "/v1/workspaces/{id}", h_patch, 0, "extend ttl, set "
	    "idle_timeout, rename" },
	{ "DELETE", "/v1/workspaces/{id}", h_delete, 0, "delete (volumes "
	    "stay)" },
	{ "POST", "/v1/workspaces/{id}/stop", h_stop, 0, "stop (GPU freed)" },
	{ "POST", "/v1/workspaces/{id}/start", h_start, 0, "start" },
	{ "POST", "/v1/workspaces/{id}/restart", h_restart, 0, "restart" },
	{ "POST", "/v1/workspaces/{id}/redeploy", h_redeploy, 0, "recreate "
	    "the container from its template, keeping volumes" },
	{ NULL, NULL, NULL, 0, NULL }
};
