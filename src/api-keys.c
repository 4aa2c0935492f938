/* api-keys.c: a user's own API keys. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "timeutil.h"

static int
keys_list(struct req *r)
{
	struct db *db = req_db(r);
	json_t *arr = NULL;
	int rc;

	json_t *k;
	size_t i;

	if ((rc = db_apikey_list(db, req_who(r)->user, req_who(r)->key_id,
	    &arr)) != 0)
		return rc;
	json_array_foreach(arr, i, k)
		auth_key_json_fix(k);
	return reply_json(r, 200, arr);
}

static int
keys_create(struct req *r)
{
	return api_key_create(r, req_who(r)->user);
}

static int
keys_delete(struct req *r)
{
	struct db *db = req_db(r);
	int rc;

	if ((rc = db_apikey_delete(db, req_param(r, "keyid"),
	    req_who(r)->user)) != 0)
		return rc;
	db_event(db, req_who(r)->user, "apikey.delete", req_who(r)->user,
	    "ok", req_param(r, "keyid"));
	return reply_empty(r);
}

const struct route api_keys_routes[] = {
	{ "GET", "/v1/api-keys", keys_list, ROUTE_FULL, "your API keys (no "
	    "secrets)" },
	{ "POST", "/v1/api-keys", keys_create, ROUTE_FULL, "make an API key "
	    "{name} (shown once)" },
	{ "DELETE", "/v1/api-keys/{keyid}", keys_delete, ROUTE_FULL, "revoke "
	    "one of your keys" },
	{ NULL, NULL, NULL, 0, NULL }
};
