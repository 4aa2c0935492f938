/* api.c: helpers shared by the api-*.c route modules (and the
 * compatibility modules): resolving a route's workspace, making an API
 * key from a request. Request threads; calls nothing of the api-*.c. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "timeutil.h"
#include "valid.h"
#include "ws.h"

/* Resolves the route's {id} for the caller. */
int
api_workspace(struct req *r, struct ws **out)
{
	return ws_resolve(req_db(r), req_who(r), req_param(r, "id"), out);
}

/* Makes a key for a user; shared by api-keys.c and api-users.c. */
int
api_key_create(struct req *r, const char *user)
{
	static const char *const fields[] = { "name", "scopes", "workspaces",
	    "expires_in", NULL };
	struct db *db = req_db(r);
	struct auth_limits lim;
	const char *name = NULL;
	char *key = NULL, *id = NULL, created[40];
	json_t *body = NULL, *o;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_opt_str(body, "name", &name)) != 0 ||
	    (name != NULL && (rc = valid_text("name", name, 64)) != 0) ||
	    (rc = auth_limits_parse(body, &lim)) != 0)
		goto out;
	if ((rc = auth_key_new(db, user, name, &lim, &key, &id)) != 0)
		goto out;
	db_event(db, req_who(r)->user, "apikey.create", user, "ok", id);
	rfc3339(now_s(), created, sizeof created);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "key", key, "user",
	    user, "name", name ? name : "", "created_at", created);
	json_object_update_new(o, auth_limits_json(&lim));
	rc = reply_json(r, 201, o);
	explicit_bzero(key, strlen(key));
out:
	free(key);
	free(id);
	json_decref(body);
	return rc;
}
