/* api-templates.c: templates: everyone lists them, admins add/remove the
 * API-defined ones (the file's are changed by editing it + SIGHUP). */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "timeutil.h"
#include "tmpl.h"

static int
h_list(struct req *r)
{
	return reply_json(r, 200, tmpl_list(req_app(r)));
}

static int
h_get(struct req *r)
{
	json_t *t = tmpl_get(req_app(r), req_param(r, "name"));

	if (t == NULL)
		return err_set(ERR_NOTFOUND, "no template '%.64s'",
		    req_param(r, "name"));
	return reply_json(r, 200, t);
}

static int
h_create(struct req *r)
{
	struct app *app = req_app(r);
	json_t *body = NULL, *old;
	const char *name;
	char *spec;
	int rc;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = tmpl_check(app, body)) != 0)
		goto out;
	name = json_string_value(json_object_get(body, "name"));
	if ((old = tmpl_get(app, name)) != NULL) {
		json_decref(old);
		rc = err_set(ERR_CONFLICT, "template '%s' exists", name);
		goto out;
	}
	spec = json_compact(body);
	rc = db_template_add(req_db(r), name, spec);
	free(spec);
	if (rc != 0)
		goto out;
	db_event(req_db(r), req_who(r)->user, "template.create", name, "ok",
	    "");
	rc = reply_json(r, 201, json_incref(body));
out:
	json_decref(body);
	return rc;
}

static int
h_delete(struct req *r)
{
	struct db *db = req_db(r);
	int rc;

	if ((rc = db_template_delete(db, req_param(r, "name"))) == ERR_INTERNAL)
		return rc;
	if (rc == ERR_NOTFOUND) {
		json_t *t = tmpl_get(req_app(r), req_param(r, "name"));
		if (t != NULL) {
			json_decref(t);
			return err_set(ERR_CONFLICT, "template '%.64s' comes "
			    "from the config; edit the file and send SIGHUP",
			    req_param(r, "name"));
		}
		return err_set(ERR_NOTFOUND, "no template '%.64s'",
		    req_param(r, "name"));
	}
	db_event(db, req_who(r)->user, "template.delete", req_param(r, "name"),
	    "ok", "");
	return reply_empty(r);
}

const struct route api_templates_routes[] = {
	{ "GET", "/v1/templates", h_list, ROUTE_READ, "list templates" },
	{ "GET", "/v1/templates/{name}", h_get, ROUTE_READ, "one template" },
	{ "POST", "/v1/templates", h_create, ROUTE_ADMIN | ROUTE_FULL, "add "
	    "a template" },
	{ "DELETE", "/v1/templates/{name}", h_delete, ROUTE_ADMIN | ROUTE_FULL,
	    "remove an API-defined template" },
	{ NULL, NULL, NULL, 0, NULL }
};
