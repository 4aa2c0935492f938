/* auth.c: API key creation and checking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "rnd.h"
#include "timeutil.h"
#include "xmalloc.h"

#define KEYID_BYTES	6	/* 12 hex chars */
#define SECRET_BYTES	32	/* 64 hex chars */

static void lim_from_db(const struct db_keylim *, struct auth_limits *);
static void lim_to_db(const struct auth_limits *, struct db_keylim *);

int
auth_key_new(struct db *db, const char *user, const char *name,
    const struct auth_limits *lim, char **keyp, char **idp)
{
	char id[2 * KEYID_BYTES + 1], secret[2 * SECRET_BYTES + 1];
	unsigned char hash[SHA256_DIGEST_LENGTH];
	int rc;

	rnd_hex(id, KEYID_BYTES);
	rnd_hex(secret, SECRET_BYTES);
	SHA256((const unsigned char *)secret, strlen(secret), hash);
	{
		struct db_keylim dl;
		static const struct auth_limits none;
		lim_to_db(lim != NULL ? lim : &none, &dl);
		rc = db_apikey_add(db, id, user, name, hash, sizeof hash, &dl);
	}
	OPENSSL_cleanse(hash, sizeof hash);
	if (rc != 0) {
		OPENSSL_cleanse(secret, sizeof secret);
		return rc;
	}
	*keyp = xasprintf("berth_%s_%s", id, secret);
	OPENSSL_cleanse(secret, sizeof secret);
	*idp = xstrdup(id);
	return 0;
}

int
auth_check(struct db *db, const char *key, struct principal *who)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];
	char id[2 * KEYID_BYTES + 1];
	unsigned char stored[SHA256_DIGEST_LENGTH] = { 0 };
	char user[sizeof who->user] = "";
	struct db_keylim dl;
	const char *secret;
	int admin = 0, r;

	memset(who, 0, sizeof *who);
	if (key == NULL || strncmp(key, "berth_", 6) != 0 ||
	    strlen(key) != 6 + 2 * KEYID_BYTES + 1 + 2 * SECRET_BYTES ||
	    key[6 + 2 * KEYID_BYTES] != '_')
		return err_set(ERR_UNAUTH, "missing or invalid API key");
	memcpy(id, key + 6, 2 * KEYID_BYTES);
	id[2 * KEYID_BYTES] = '\0';
	secret = key + 6 + 2 * KEYID_BYTES + 1;
	SHA256((const unsigned char *)secret, strlen(secret), hash);

	if ((r = db_apikey_get(db, id, stored, sizeof stored, user,
	    sizeof user, &admin, &dl)) == ERR_INTERNAL) {
		OPENSSL_cleanse(hash, sizeof hash);
		return r;
	}
	if (r == 0 && CRYPTO_memcmp(stored, hash, SHA256_DIGEST_LENGTH) != 0)
		r = ERR_UNAUTH;
	if (r == 0) {
		snprintf(who->user, sizeof who->user, "%s", user);
		who->admin = admin;
		snprintf(who->key_id, sizeof who->key_id, "%s", id);
		lim_from_db(&dl, &who->lim);
		r = 0;
	}
	OPENSSL_cleanse(hash, sizeof hash);
	OPENSSL_cleanse(stored, sizeof stored);
	if (r != 0) {
		memset(who, 0, sizeof *who);
		return err_set(ERR_UNAUTH, "missing or invalid API key");
	}
	/* Only the holder of the right secret learns that it expired. */
	if (who->lim.expires_at > 0 && who->lim.expires_at <= now_s()) {
		char ts[40];
		rfc3339(who->lim.expires_at, ts, sizeof ts);
		memset(who, 0, sizeof *who);
		return err_set(ERR_UNAUTH, "this API key expired at %s", ts);
	}
	return 0;
}

int
auth_key_principal(struct db *db, const char *key_id, struct principal *who)
{
	unsigned char stored[SHA256_DIGEST_LENGTH];
	char user[sizeof who->user] = "";
	struct db_keylim dl;
	int admin = 0, r;

	memset(who, 0, sizeof *who);
	r = db_apikey_get(db, key_id, stored, sizeof stored, user,
	    sizeof user, &admin, &dl);
	lim_from_db(&dl, &who->lim);
	OPENSSL_cleanse(stored, sizeof stored);
	if (r == ERR_INTERNAL)
		return r;
	if (r != 0) {
		memset(who, 0, sizeof *who);
		return err_set(ERR_UNAUTH, "the API key %.16s is gone",
		    key_id);
	}
	if (who->lim.expires_at > 0 && who->lim.expires_at <= now_s()) {
		memset(who, 0, sizeof *who);
		return err_set(ERR_UNAUTH, "the API key %.16s expired",
		    key_id);
	}
	snprintf(who->user, sizeof who->user, "%s", user);
	who->admin = admin;
	snprintf(who->key_id, sizeof who->key_id, "%s", key_id);
	return 0;
}

/* ---- scopes ---- */

static const struct {
	const char	*name;
	unsigned	 bit;
} scope_names[] = {
	{ "read", AUTH_READ },
	{ "exec", AUTH_EXEC },
	{ "files", AUTH_FILES },
	{ "lifecycle", AUTH_LIFECYCLE },
};
#define NSCOPES (sizeof scope_names / sizeof scope_names[0])

unsigned
auth_scope_bit(const char *name)
{
	for (size_t i = 0; i < NSCOPES; i++)
		if (strcmp(scope_names[i].name, name) == 0)
			return scope_names[i].bit;
	return 0;
}

const char *
auth_scope_str(unsigned scopes)
{
	/* A few at once: one message may name two sets. */
	static __thread char bufs[4][64];
	static __thread unsigned next;
	char *buf = bufs[next++ % 4];
	size_t n = 0;

	buf[0] = '\0';
	if (scopes == 0)
		return "all";
	for (size_t i = 0; i < NSCOPES; i++)
		if (scopes & scope_names[i].bit)
			n += (size_t)snprintf(buf + n, sizeof bufs[0] - n,
			    "%s%s",
			    n ? "," : "", scope_names[i].name);
	return buf;
}

int
auth_scope_ok(const struct principal *who, unsigned scope)
{
	return who->lim.scopes == 0 || (who->lim.scopes & scope) == scope;
}

int
auth_ws_ok(const struct principal *who, const char *id, const char *name)
{
	if (who->lim.nws == 0)
		return 1;
	for (int i = 0; i < who->lim.nws && i < AUTH_MAXWS; i++)
		if ((id != NULL && strcmp(who->lim.ws[i], id) == 0) ||
		    (name != NULL && strcmp(who->lim.ws[i], name) == 0))
			return 1;
	return 0;
}

int
auth_limited(const struct principal *who)
{
	return who->lim.scopes != 0 || who->lim.nws > 0;
}

/* The key's workspaces as "a, b" into buf. */
static void
ws_list_str(const struct principal *who, char *buf, size_t sz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < who->lim.nws && i < AUTH_MAXWS && n < sz; i++)
		n += (size_t)snprintf(buf + n, sz - n, "%s%s", i ? ", " : "",
		    who->lim.ws[i]);
}

int
auth_require(const struct principal *who, unsigned scope, const char *id,
    const char *name)
{
	char list[AUTH_MAXWS * (AUTH_WSLEN + 2)];

	if (!auth_scope_ok(who, scope))
		return err_set(ERR_FORBIDDEN, "this API key's scopes (%s) do "
		    "not include %s", auth_scope_str(who->lim.scopes),
		    auth_scope_str(scope));
	if ((id != NULL || name != NULL) && !auth_ws_ok(who, id, name)) {
		ws_list_str(who, list, sizeof list);
		return err_set(ERR_FORBIDDEN, "this API key is limited to the "
		    "workspaces %s, not %s", list, name != NULL ? name : id);
	}
	return 0;
}

json_t *
auth_limits_json(const struct auth_limits *lim)
{
	json_t *o = json_object(), *sc = json_array(), *ws = json_array();
	char ts[40];

	for (size_t i = 0; i < NSCOPES; i++)
		if (lim->scopes & scope_names[i].bit)
			json_array_append_new(sc,
			    json_string(scope_names[i].name));
	for (int i = 0; i < lim->nws && i < AUTH_MAXWS; i++)
		json_array_append_new(ws, json_string(lim->ws[i]));
	json_object_set_new(o, "scopes", sc);
	json_object_set_new(o, "workspaces", ws);
	if (lim->expires_at > 0) {
		rfc3339(lim->expires_at, ts, sizeof ts);
		json_object_set_new(o, "expires_at", json_string(ts));
	} else
		json_object_set_new(o, "expires_at", json_null());
	return o;
}

/* A workspace reference in a key: a DNS label or a UUID. */
static int
ws_ref_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= AUTH_WSLEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int
auth_limits_parse(const json_t *body, struct auth_limits *lim)
{
	json_t *sc = json_object_get(body, "scopes");
	json_t *ws = json_object_get(body, "workspaces");
	json_t *ex = json_object_get(body, "expires_in"), *v;
	int64_t secs;
	size_t i;

	memset(lim, 0, sizeof *lim);
	if (sc != NULL && !json_is_null(sc)) {
		if (!json_is_array(sc))
			return err_set(ERR_INVAL, "scopes must be an array of "
			    "read, exec, files, lifecycle");
		json_array_foreach(sc, i, v) {
			unsigned b = json_is_string(v) ?
			    auth_scope_bit(json_string_value(v)) : 0;
			if (b == 0)
				return err_set(ERR_INVAL, "unknown scope; "
				    "scopes are read, exec, files, "
				    "lifecycle");
			lim->scopes |= b;
		}
		if (json_array_size(sc) > 0 && lim->scopes == 0)
			return err_set(ERR_INVAL, "scopes: none given");
	}
	if (ws != NULL && !json_is_null(ws)) {
		if (!json_is_array(ws))
			return err_set(ERR_INVAL, "workspaces must be an array "
			    "of workspace names or ids");
		if (json_array_size(ws) > AUTH_MAXWS)
			return err_set(ERR_INVAL, "workspaces: at most %d",
			    AUTH_MAXWS);
		json_array_foreach(ws, i, v) {
			if (!json_is_string(v) ||
			    !ws_ref_ok(json_string_value(v)))
				return err_set(ERR_INVAL, "workspaces: each is "
				    "a workspace name or id");
			snprintf(lim->ws[lim->nws++], AUTH_WSLEN, "%s",
			    json_string_value(v));
		}
	}
	if (ex != NULL && !json_is_null(ex)) {
		if (json_is_integer(ex) && json_integer_value(ex) > 0)
			secs = json_integer_value(ex);
		else if (!json_is_string(ex) ||
		    duration_parse(json_string_value(ex), &secs) != 0 ||
		    secs <= 0)
			return err_set(ERR_INVAL, "expires_in must be a "
			    "duration like \"8h\" or seconds (> 0)");
		if (secs > 10LL * 366 * 86400)
			return err_set(ERR_INVAL, "expires_in: at most 10 "
			    "years");
		lim->expires_at = now_s() + secs;
	}
	return 0;
}

static void
lim_from_db(const struct db_keylim *dl, struct auth_limits *lim)
{
	char tmp[sizeof dl->workspaces], *p, *save = NULL;

	memset(lim, 0, sizeof *lim);
	snprintf(tmp, sizeof tmp, "%s", dl->scopes);
	for (p = strtok_r(tmp, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		lim->scopes |= auth_scope_bit(p);
	/* A stored scope this berthd does not know grants nothing. */
	if (lim->scopes == 0 && dl->scopes[0] != '\0')
		lim->scopes = AUTH_NONE;
	save = NULL;
	snprintf(tmp, sizeof tmp, "%s", dl->workspaces);
	for (p = strtok_r(tmp, ",", &save); p != NULL && lim->nws <
	    AUTH_MAXWS; p = strtok_r(NULL, ",", &save))
		snprintf(lim->ws[lim->nws++], AUTH_WSLEN, "%s", p);
	lim->expires_at = dl->expires_at;
}

static void
lim_to_db(const struct auth_limits *lim, struct db_keylim *dl)
{
	size_t n = 0;

	memset(dl, 0, sizeof *dl);
	if (lim->scopes != 0)
		snprintf(dl->scopes, sizeof dl->scopes, "%s",
		    auth_scope_str(lim->scopes));
	for (int i = 0; i < lim->nws && i < AUTH_MAXWS &&
	    n < sizeof dl->workspaces; i++)
		n += (size_t)snprintf(dl->workspaces + n,
		    sizeof dl->workspaces - n, "%s%s", i ? "," : "",
		    lim->ws[i]);
	dl->expires_at = lim->expires_at;
}

static const char *
str_of(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

json_t *
auth_key_json_fix(json_t *key)
{
	struct db_keylim dl;
	struct auth_limits lim;
	json_t *l;

	memset(&dl, 0, sizeof dl);
	snprintf(dl.scopes, sizeof dl.scopes, "%s", str_of(key, "scopes"));
	snprintf(dl.workspaces, sizeof dl.workspaces, "%s", str_of(key,
	    "workspaces"));
	dl.expires_at = json_integer_value(json_object_get(key,
	    "expires_at"));
	lim_from_db(&dl, &lim);
	l = auth_limits_json(&lim);
	json_object_update(key, l);
	json_decref(l);
	return key;
}
