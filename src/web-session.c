/* web-session.c: the dashboard's login sessions. POST /v1/session trades
 * an API key for a random session token in an HttpOnly, SameSite=Strict
 * cookie and a CSRF token (returned in the body, echoed by the page in
 * X-CSRF-Token on every call that changes something); DELETE signs out.
 * Sessions live in memory (only SHA-256 of each token), at most
 * WEB_SESSION_TTL from the login; each use checks that the API key it was
 * made from still exists, so revoking the key ends the session. A berthd
 * restart signs everyone out. Request threads; one lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "app.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "json-util.h"
#include "log.h"
#include "rnd.h"
#include "timeutil.h"
#include "web.h"

#define MAX_SESSIONS	4096
#define TOKEN_BYTES	32
#define CSRF_BYTES	24

struct session {
	/* SHA-256 of the token */
	unsigned char		hash[SHA256_DIGEST_LENGTH];
	char			csrf[2 * CSRF_BYTES + 1];
	struct principal	who;	/* as at the login */
	int64_t			created;
	int64_t			expires;
	int			used;
};

static struct session sessions[MAX_SESSIONS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The value of cookie name in a Cookie header into out; 0, or -1. */
static int
cookie_get(const char *hdr, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name), vl;
	const char *p = hdr, *v;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			v = p + n + 1;
			vl = strcspn(v, ";");
			while (vl > 0 && v[vl - 1] == ' ')
				vl--;
			if (vl == 0 || vl >= outsz)
				return -1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 0;
		}
		p = strchr(p, ';');
	}
	return -1;
}

static void
token_hash(const char *tok, unsigned char *h)
{
	SHA256((const unsigned char *)tok, strlen(tok), h);
}

/* The live session for the request's cookie (copied into *out): 0,
 * ERR_NOTFOUND without a cookie, ERR_UNAUTH for an unknown or expired
 * one. */
static int
session_find(struct req *r, struct session *out)
{
	const char *hdr = req_header(r, "Cookie");
	unsigned char h[SHA256_DIGEST_LENGTH];
	char tok[2 * TOKEN_BYTES + 8];
	int64_t now = now_s();
	int rc = ERR_UNAUTH;

	if (hdr == NULL || cookie_get(hdr, WEB_COOKIE, tok, sizeof tok) != 0)
		return ERR_NOTFOUND;
	token_hash(tok, h);
	OPENSSL_cleanse(tok, sizeof tok);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &sessions[i];
		if (!s->used || memcmp(s->hash, h, sizeof h) != 0)
			continue;
		if (s->expires <= now) {
			memset(s, 0, sizeof *s);
			break;
		}
		*out = *s;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&lock);
	if (rc != 0)
		return err_set(ERR_UNAUTH, "the dashboard session has expired "
		    "or was signed out; log in again");
	return 0;
}

int
web_session_auth(struct req *r, struct principal *who)
{
	struct principal k;
	struct session s;
	int rc;

	if ((rc = session_find(r, &s)) != 0)
		return rc;
	/* The key it came from must still be there and unexpired; it says
	 * the role and the limits (a session from a scoped key is scoped:
	 * auth.h). */
	rc = auth_key_principal(req_db(r), s.who.key_id, &k);
	if (rc == ERR_UNAUTH || (rc == 0 && strcmp(k.user, s.who.user) != 0))
		return err_set(ERR_UNAUTH, "the API key this dashboard session "
		    "was made from is gone or expired; log in again");
	if (rc != 0)
		return rc;
	*who = k;
	return 0;
}

int
web_session_csrf_ok(struct req *r)
{
	const char *got = req_header(r, "X-CSRF-Token");
	struct session s;

	if (session_find(r, &s) != 0 || got == NULL ||
	    strlen(got) != strlen(s.csrf) ||
	    CRYPTO_memcmp(got, s.csrf, strlen(s.csrf)) != 0)
		return err_set(ERR_FORBIDDEN, "a call that changes something "
		    "with the dashboard's session needs its X-CSRF-Token "
		    "header");
	return 0;
}

static void
cookie_header(struct req *r, const char *val, int maxage, char *out,
    size_t outsz)
{
	const char *proto = req_header(r, "X-Forwarded-Proto");

	snprintf(out, outsz, "Set-Cookie: %s=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s\r\n", WEB_COOKIE, val, maxage,
	    proto != NULL && strcasecmp(proto, "https") == 0 ? "; Secure" :
	    "");
}

static json_t *
session_json(const struct principal *who, const char *csrf,
    int64_t expires)
{
	char exp[40];

	rfc3339(expires, exp, sizeof exp);
	return json_pack("{s:s,s:b,s:s,s:s}", "user", who->user, "admin",
	    who->admin, "csrf", csrf, "expires_at", exp);
}

/* POST /v1/session {key}: a session for the key's user. */
static int
h_login(struct req *r)
{
	static const char *const fields[] = { "key", NULL };
	struct principal who;
	struct session *s = NULL;
	const char *key = NULL;
	char tok[2 * TOKEN_BYTES + 1], hdr[256], csrf[2 * CSRF_BYTES + 1];
	int64_t now = now_s(), oldest = 0;
	json_t *body = NULL, *o;
	char *txt;
	int rc, slot = -1;

	if (!req_origin_ok(r, 0)) {
		rc = err_set(ERR_FORBIDDEN, "log in from the dashboard's own "
		    "page (origin '%s' is not allowed)", req_header(r,
		    "Origin"));
		goto out;
	}
	if ((rc = req_json_body(r, &body)) != 0)
		goto out;
	if ((rc = json_only_fields(body, fields)) != 0 ||
	    (rc = json_opt_str(body, "key", &key)) != 0)
		goto out;
	if (key == NULL || auth_check(req_db(r), key, &who) != 0) {
		log_info("dashboard login refused from %s",
		    req_remote_addr(r));
		rc = err_set(ERR_UNAUTH, "that API key is not valid");
		goto out;
	}
	rnd_hex(tok, TOKEN_BYTES);
	rnd_hex(csrf, CSRF_BYTES);
	pthread_mutex_lock(&lock);
	/* A free slot, else an expired one, else the oldest. */
	for (int i = 0; i < MAX_SESSIONS; i++) {
		if (!sessions[i].used || sessions[i].expires <= now) {
			slot = i;
			break;
		}
		if (slot < 0 || sessions[i].created < oldest) {
			slot = i;
			oldest = sessions[i].created;
		}
	}
	s = &sessions[slot];
	memset(s, 0, sizeof *s);
	token_hash(tok, s->hash);
	memcpy(s->csrf, csrf, sizeof csrf);
	s->who = who;
	s->created = now;
	s->expires = now + WEB_SESSION_TTL;
	s->used = 1;
	pthread_mutex_unlock(&lock);
	cookie_header(r, tok, WEB_SESSION_TTL, hdr, sizeof hdr);
	OPENSSL_cleanse(tok, sizeof tok);
	o = session_json(&who, csrf, now + WEB_SESSION_TTL);
	txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	log_info("dashboard login user=%s from %s", who.user,
	    req_remote_addr(r));
	reply_start(r, 201, "application/json", (int64_t)strlen(txt) + 1,
	    hdr);
	reply_write(r, txt, strlen(txt));
	reply_write(r, "\n", 1);
	OPENSSL_cleanse(hdr, sizeof hdr);
	free(txt);
	rc = 0;
out:
	json_decref(body);
	return rc;
}

/* GET /v1/session: who the session is, and its CSRF token (for a page
 * that was reloaded); with an API key, only who. */
static int
h_get(struct req *r)
{
	const struct principal *who = req_who(r);
	struct session s;

	if (!req_by_session(r) || session_find(r, &s) != 0)
		return reply_json(r, 200, json_pack("{s:s,s:b,s:n,s:n}",
		    "user", who->user, "admin", who->admin, "csrf",
		    "expires_at"));
	return reply_json(r, 200, session_json(who, s.csrf, s.expires));
}

/* DELETE /v1/session: signs the session out (its cookie cleared). */
static int
h_logout(struct req *r)
{
	const char *hdr = req_header(r, "Cookie");
	unsigned char h[SHA256_DIGEST_LENGTH];
	char tok[2 * TOKEN_BYTES + 8], set[256];

	if (req_by_session(r) && hdr != NULL &&
	    cookie_get(hdr, WEB_COOKIE, tok, sizeof tok) == 0) {
		token_hash(tok, h);
		OPENSSL_cleanse(tok, sizeof tok);
		pthread_mutex_lock(&lock);
		for (int i = 0; i < MAX_SESSIONS; i++)
			if (sessions[i].used && memcmp(sessions[i].hash, h,
			    sizeof h) == 0)
				memset(&sessions[i], 0, sizeof sessions[i]);
		pthread_mutex_unlock(&lock);
		log_info("dashboard logout user=%s", req_who(r)->user);
	}
	cookie_header(r, "", 0, set, sizeof set);
	reply_start(r, 204, NULL, 0, set);
	return 0;
}

const struct route web_session_routes[] = {
	{ "POST", "/v1/session", h_login, ROUTE_NOAUTH, "dashboard login: "
	    "{key} (an API key) sets an HttpOnly, SameSite=Strict session "
	    "cookie and returns {user, admin, csrf, expires_at}; send csrf "
	    "as X-CSRF-Token on every call that changes something" },
	{ "GET", "/v1/session", h_get, ROUTE_ANYKEY, "the caller and, for a "
	    "dashboard session, its CSRF token and expiry" },
	{ "DELETE", "/v1/session", h_logout, ROUTE_ANYKEY, "signs the "
	    "dashboard session out and clears its cookie" },
	{ NULL, NULL, NULL, 0, NULL }
};
