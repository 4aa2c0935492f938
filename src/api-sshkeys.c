/* api-sshkeys.c: /v1/ssh-keys: a user's registered SSH public keys, which
 * identify them to the SSH gateway. Runs on HTTP worker threads. */
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "err.h"
#include "http.h"
#include "ssh-keydb.h"
#include "ssh-keys.h"
#include "ssh-direct.h"

/* GET /v1/ssh-keys: the caller's keys; an admin sees everyone's (or one
 * user's with ?user=). */
static int
sshkeys_get(struct req *r)
{
	const struct principal *who = req_who(r);
	const char *user = who->user;
	json_t *arr = NULL;
	int rc;

	if (who->admin)
		user = req_query(r, "user");
	if ((rc = sshkeys_list(req_db(r), user, &arr)) != 0)
		return rc;
	return reply_json(r, 200, arr);
}

/* Adding or removing SSH keys: a limited API key needs exec or files (an
 * SSH key it adds is held to its limits at the gateway). */
static int
sshkeys_scope(const struct principal *who)
{
	if (auth_scope_ok(who, AUTH_EXEC) || auth_scope_ok(who, AUTH_FILES))
		return 0;
	return err_set(ERR_FORBIDDEN, "this API key's scopes (%s) include "
	    "neither exec nor files, which SSH keys need",
	    auth_scope_str(who->lim.scopes));
}

/* POST /v1/ssh-keys {"name","public_key"}. */
static int
sshkeys_post(struct req *r)
{
	const struct principal *who = req_who(r);
	struct sshkey_info ki;
	json_t *body = NULL, *out = NULL, *v;
	const char *key, *name = NULL, *k;
	int rc;

	memset(&ki, 0, sizeof ki);
	if ((rc = sshkeys_scope(who)) != 0)
		return rc;
	if ((rc = req_json_body(r, &body)) != 0)
		return rc;
	json_object_foreach(body, k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "public_key") != 0) {
			rc = err_set(ERR_INVAL, "unknown field '%.64s' "
			    "(allowed: name, public_key)", k);
			goto out;
		}
	}
	v = json_object_get(body, "public_key");
	if (!json_is_string(v)) {
		rc = err_set(ERR_INVAL, "public_key (a string) is required");
		goto out;
	}
	key = json_string_value(v);
	v = json_object_get(body, "name");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v)) {
			rc = err_set(ERR_INVAL, "name must be a string");
			goto out;
		}
		name = json_string_value(v);
	}
	if ((rc = sshkey_parse(key, &ki)) != 0)
		goto out;
	/* An SSH key added with a limited API key is held to that key's
	 * limits (and lifetime) at the gateway. */
	if ((rc = sshkeys_add(req_db(r), who->user, name, &ki,
	    auth_limited(who) ? who->key_id : NULL, &out)) != 0)
		goto out;
	direct_keys_sync(req_app(r), req_db(r), who->user);
	rc = reply_json(r, 201, out);
out:
	sshkey_info_clear(&ki);
	json_decref(body);
	return rc;
}

/* DELETE /v1/ssh-keys/{id}: by id or name among the caller's keys; an
 * admin may also delete anyone's key by id. */
static int
sshkeys_del(struct req *r)
{
	const struct principal *who = req_who(r);
	const char *ref = req_param(r, "id"), *owner = who->user;
	int rc;

	if ((rc = sshkeys_scope(who)) != 0)
		return rc;
	if (ref == NULL || *ref == '\0')
		return err_set(ERR_INVAL, "key id or name required");
	/* A limited API key deletes only the SSH keys it added. */
	rc = sshkeys_delete(req_db(r), who->user, ref, auth_limited(who) ?
	    who->key_id : NULL);
	if (rc == ERR_NOTFOUND && who->admin && !auth_limited(who)) {
		rc = sshkeys_delete(req_db(r), NULL, ref, NULL);
		owner = NULL;
	}
	if (rc != 0)
		return rc;
	/* Before the answer: a revoked key no longer opens any direct-mode
	 * workspace once DELETE has answered. */
	direct_keys_sync(req_app(r), req_db(r), owner);
	return reply_empty(r);
}

const struct route api_sshkeys_routes[] = {
	{ "GET", "/v1/ssh-keys", sshkeys_get, ROUTE_READ, "List SSH public "
	    "keys (own; admin: all, or ?user=)" },
	{ "POST", "/v1/ssh-keys", sshkeys_post, ROUTE_ANYKEY,
	    "Register an SSH public key {name, public_key}" },
	{ "DELETE", "/v1/ssh-keys/{id}", sshkeys_del, ROUTE_ANYKEY,
	    "Delete an SSH public key by id or name" },
	{ NULL, NULL, NULL, 0, NULL },
};
