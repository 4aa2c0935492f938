/* api-volumes.c: a user's named persistent volumes: a loop-mounted
 * filesystem image of the volume's size where the host can (vol-loop.c),
 * else an engine volume whose size is only counted. The size is the
 * quota's unit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "rnd.h"
#include "rt.h"
#include "timeutil.h"
#include "valid.h"
#include "vol-loop.h"
#include "ws.h"
#include "xmalloc.h"

/* Finds {id} (id, prefix >= 4, or the caller's volume name). */
static int
vol_find(struct req *r, char **idp)
{
	return db_vol_find(req_db(r), req_who(r)->user, req_who(r)->admin,
	    req_param(r, "id"), idp);
}

static int
vol_reply(struct req *r, int status, const char *id)
{
	json_t *o = db_vol_json(req_db(r), id);

	if (o == NULL)
		return err_set(ERR_NOTFOUND, "no volume '%.64s'", id);
	return reply_json(r, status, o);
}

static int
vol_list(struct req *r)
{
	json_t *arr = NULL;
	int rc;

	if ((rc = db_vol_list(req_db(r), req_who(r)->user, req_who(r)->admin,
	    &arr)) != 0)
		return rc;
	return reply_json(r, 200, arr);
}

/* "size": "20g" or "size_gib": 20 -> GiB. */
static int
vol_size(const json_t *body, int64_t *gib, int *present)
{
	const char *s;
	int64_t bytes;
	int r, p;

	*present = 0;
	if ((r = json_opt_int(body, "size_gib", gib, &p)) != 0)
		return r;
	if (p)
		*present = 1;
	if ((r = json_opt_str(body, "size", &s)) != 0)
		return r;
	if (s != NULL) {
		if (size_parse(s, &bytes) != 0)
			return err_set(ERR_INVAL,
			    "size must look like \"20g\"");
		*gib = (bytes + (1LL << 30) - 1) >> 30;
		*present = 1;
	}
	if (*present && (*gib < 1 || *gib > 100000))
		return err_set(ERR_INVAL, "size must be 1-100000 GiB");
	return 0;
}

static int
vol_create(struct req *r)
{
	static const char *const fields[] = { "name", "size", "size_gib",
	    NULL };
	struct app *app = req_app(r);
	struct db *db = req_db(r);
	const char *user = req_who(r)->user, *name, *labels[4];
	json_t *body = NULL;
	int64_t gib = 10, used = 0, quota = app->cfg.quota_volume_gib;
	char id[40], *backend = NULL, *l1 = NULL, *l2 = NULL, *l3 = NULL;
	int rc, present;

	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_req_str(body, "name", &name)) != 0 ||
	    (rc = valid_dns_label("name", name)) != 0 ||
	    (rc = vol_size(body, &gib, &present)) != 0)
		goto out;
	if ((rc = db_begin(db)) != 0)
		goto out;
	db_vol_usage(db, user, NULL, &used, &quota);
	if (used + gib > quota) {
		db_rollback(db);
		rc = err_set(ERR_QUOTA, "volume quota exceeded: %lld of %lld "
		    "GiB used, asked for %lld", (long long)used,
		    (long long)quota, (long long)gib);
		goto out;
	}
	rnd_uuid(id);
	backend = ws_volume_backend(user, name, id);
	if ((rc = db_vol_add(db, id, user, name, backend, gib)) != 0) {
		db_rollback(db);
		goto out;
	}
	l1 = xasprintf("berth.volume=%s", id);
	l2 = xasprintf("berth.owner=%s", user);
	l3 = xasprintf("berth.instance=%s", req_app(r)->instance);
	labels[0] = l1;
	labels[1] = l2;
	labels[2] = l3;
	labels[3] = NULL;
	if ((rc = vol_ensure(app, db, backend, labels)) != 0) {
		struct err_saved msg;
		err_save(&msg);
		vol_destroy(app, backend);
		db_rollback(db);
		rc = err_restore(rc, &msg);
		goto out;
	}
	if ((rc = db_commit(db)) != 0) {
		vol_destroy(app, backend);
		goto out;
	}
	db_event(db, user, "volume.create", id, "ok", name);
	rc = vol_reply(r, 201, id);
out:
	free(backend);
	free(l1);
	free(l2);
	free(l3);
	json_decref(body);
	return rc;
}

static int
vol_get(struct req *r)
{
	char *id;
	int rc;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	rc = vol_reply(r, 200, id);
	free(id);
	return rc;
}

static int
vol_patch(struct req *r)
{
	static const char *const fields[] = { "size", "size_gib", NULL };
	json_t *body = NULL;
	int64_t gib = 0;
	char *id = NULL, *backend = NULL;
	int rc, present;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	if ((rc = req_json_body(r, &body)) != 0 ||
	    (rc = json_only_fields(body, fields)) != 0 ||
	    (rc = vol_size(body, &gib, &present)) != 0)
		goto out;
	if (present) {
		struct db *db = req_db(r);
		int64_t others = 0, quota = req_app(r)->cfg.quota_volume_gib;
		char *owner = NULL;
		if ((rc = db_begin(db)) != 0)
			goto out;
		if (db_vol_owner(db, id, &owner) == 0)
			db_vol_usage(db, owner, id, &others, &quota);
		free(owner);
		if (others + gib > quota) {
			db_rollback(db);
			rc = err_set(ERR_QUOTA, "volume quota exceeded: %lld "
			    "GiB in other volumes, quota %lld", (long long)
			    others, (long long)quota);
			goto out;
		}
		db_vol_backend(db, id, &backend);
		/* The filesystem first: a refused grow changes nothing. */
		if (backend != NULL && (rc = vol_resize(req_app(r), backend,
		    gib)) != 0) {
			db_rollback(db);
			goto out;
		}
		if ((rc = db_vol_resize(db, id, gib)) != 0 ||
		    (rc = db_commit(db)) != 0) {
			db_rollback(db);
			goto out;
		}
		db_event(db, req_who(r)->user, "volume.resize", id, "ok", "");
	}
	rc = vol_reply(r, 200, id);
out:
	free(id);
	free(backend);
	json_decref(body);
	return rc;
}

static int
vol_delete(struct req *r)
{
	struct db *db = req_db(r);
	char *id = NULL, *backend = NULL, users[256] = "";
	int rc, n = 0;

	if ((rc = vol_find(r, &id)) != 0)
		return rc;
	if ((rc = db_vol_users(db, id, users, sizeof users, &n)) != 0)
		goto out;
	if (n > 0) {
		rc = err_set(ERR_CONFLICT, "volume is in use by workspace(s): "
		    "%s", users);
		goto out;
	}
	db_vol_backend(db, id, &backend);
	if (backend != NULL && (rc = vol_destroy(req_app(r), backend)) != 0)
		goto out;
	db_event(db, req_who(r)->user, "volume.delete", id, "ok", "");
	if ((rc = db_vol_delete(db, id)) != 0)
		goto out;
	rc = reply_empty(r);
out:
	free(id);
	free(backend);
	return rc;
}

const struct route api_volumes_routes[] = {
	{ "GET", "/v1/volumes", vol_list, ROUTE_READ, "your volumes (admin: "
	    "all)" },
	{ "POST", "/v1/volumes", vol_create, ROUTE_LIFECYCLE, "create a "
	    "volume {name, size}" },
	{ "GET", "/v1/volumes/{id}", vol_get, ROUTE_READ, "one volume" },
	{ "PATCH", "/v1/volumes/{id}", vol_patch, ROUTE_LIFECYCLE, "resize "
	    "{size}" },
	{ "DELETE", "/v1/volumes/{id}", vol_delete, ROUTE_LIFECYCLE, "delete "
	    "a volume no workspace uses" },
	{ NULL, NULL, NULL, 0, NULL }
};
