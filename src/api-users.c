/* api-users.c: users (admin only) and keys made for them. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "timeutil.h"
#include "valid.h"

static int
users_list(struct req *r)
{
	json_t *arr = NULL;
	int rc;

	if ((rc = db_user_list(req_db(r), &arr)) != 0)
		return rc;
	return reply_json(r, 200, arr);
}

static int
users_create(struct req *r)
{
	static const char *const fields[] = { "name", "role", "max_workspaces",
	    "max_gpus", "max_volume_gib", NULL };
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	const char *name, *role;
	int64_t mw = app->cfg.quota_workspaces, mg = app->cfg.quota_gpus;
	int64_t mv = app->cfg.quota_volume_gib;
	json_t *body = NULL;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_req_str(body, "name", &name)) != 0 ||
	    (rc = valid_user_name("name", name)) != 0 ||
	    (rc = json_opt_str(body, "role", &role)) != 0 ||
	    (rc = json_opt_int(body, "max_workspaces", &mw, NULL)) != 0 ||
	    (rc = json_opt_int(body, "max_gpus", &mg, NULL)) != 0 ||
	    (rc = json_opt_int(body, "max_volume_gib", &mv, NULL)) != 0)
		goto out;
	if (role == NULL)
		role = "user";
	if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0) {
		rc = err_set(ERR_INVAL, "role must be user or admin");
		goto out;
	}
	if (mw < 0 || mw > 10000 || mg < 0 || mg > 10000 || mv < 0 ||
	    mv > 1000000) {
		rc = err_set(ERR_INVAL, "quotas must be between 0 and 10000 "
		    "(volume GiB: 1000000)");
		goto out;
	}
	if ((rc = db_user_add(db, name, role, mw, mg, mv, 0)) != 0)
		goto out;
	db_event(db, req_who(r)->user, "user.create", name, "ok", role);
	rc = reply_json(r, 201, db_user_json(db, name));
out:
	json_decref(body);
	return rc;
}

static int
users_get(struct req *r)
{
	json_t *u = db_user_json(req_db(r), req_param(r, "name"));

	if (u == NULL)
		return err_set(ERR_NOTFOUND, "no user '%.64s'",
		    req_param(r, "name"));
	return reply_json(r, 200, u);
}

static int
users_delete(struct req *r)
{
	struct db *db = req_db(r);
	const char *name = req_param(r, "name");
	int rc;

	if (strcmp(name, req_who(r)->user) == 0)
		return err_set(ERR_CONFLICT, "you cannot delete yourself");
	if ((rc = db_user_delete(db, name)) != 0)
		return rc;
	db_event(db, req_who(r)->user, "user.delete", name, "ok", "");
	return reply_empty(r);
}

static int
users_key(struct req *r)
{
	const char *user = req_param(r, "name");
	json_t *u = db_user_json(req_db(r), user);

	if (u == NULL)
		return err_set(ERR_NOTFOUND, "no user '%.64s'", user);
	json_decref(u);
	return api_key_create(r, user);
}

const struct route api_users_routes[] = {
	{ "GET", "/v1/users", users_list, ROUTE_ADMIN | ROUTE_FULL, "list "
	    "users" },
	{ "POST", "/v1/users", users_create, ROUTE_ADMIN | ROUTE_FULL, "create "
	    "a user {name, role}" },
	{ "GET", "/v1/users/{name}", users_get, ROUTE_ADMIN | ROUTE_FULL, "one "
	    "user" },
	{ "DELETE", "/v1/users/{name}", users_delete, ROUTE_ADMIN | ROUTE_FULL,
	    "delete a user with no workspaces" },
	{ "POST", "/v1/users/{name}/api-keys", users_key,
	    ROUTE_ADMIN | ROUTE_FULL, "make an API key for a user (shown "
	    "once)" },
	{ NULL, NULL, NULL, 0, NULL }
};
