/* api-events.c: the audit/lifecycle record: /v1/events and a workspace's
 * own events. Newest last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "timeutil.h"
#include "ws.h"

static int
events_reply(struct req *r, const char *target, int all)
{
	struct db *db = req_db(r);
	const char *since = req_query(r, "since"), *lim = req_query(r, "limit");
	int64_t t = 0;
	long limit = 1000;
	json_t *arr = NULL;
	int rc;

	if (since != NULL && *since && rfc3339_parse(since, &t) != 0)
		return err_set(ERR_INVAL, "since must be RFC 3339 or epoch "
		    "seconds");
	if (lim != NULL) {
		char *end;
		limit = strtol(lim, &end, 10);
		if (*end != '\0' || limit < 1 || limit > 10000)
			return err_set(ERR_INVAL, "limit must be 1-10000");
	}
	if ((rc = db_events_list(db, t, target, all, req_who(r)->user, limit,
	    &arr)) != 0)
		return rc;
	return reply_json(r, 200, arr);
}

static int
events_list(struct req *r)
{
	const char *wsref = req_query(r, "workspace");
	struct ws *w = NULL;
	int rc;

	if (wsref != NULL && *wsref) {
		if ((rc = ws_resolve(req_db(r), req_who(r), wsref, &w)) != 0)
			return rc;
		rc = events_reply(r, w->id, 1);
		ws_free(w);
		return rc;
	}
	/* A key limited to some workspaces sees their events only. */
	if (req_who(r)->lim.nws > 0)
		return err_set(ERR_FORBIDDEN, "this API key is limited to some "
		    "workspaces: ask for one (?workspace=NAME)");
	return events_reply(r, NULL, req_who(r)->admin);
}

static int
ws_events(struct req *r)
{
	struct ws *w = NULL;
	int rc;

	if ((rc = api_workspace(r, &w)) != 0)
		return rc;
	rc = events_reply(r, w->id, 1);
	ws_free(w);
	return rc;
}

const struct route api_events_routes[] = {
	{ "GET", "/v1/events", events_list, ROUTE_READ, "audit events "
	    "(admin: all; user: own); ?since=&workspace=&limit=" },
	{ "GET", "/v1/workspaces/{id}/events", ws_events, ROUTE_READ, "a "
	    "workspace's lifecycle and deploy record; ?since=" },
	{ NULL, NULL, NULL, 0, NULL }
};
