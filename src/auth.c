/* auth.c: API key creation and checking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "auth.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define KEYID_BYTES	6	/* 12 hex chars */
#define SECRET_BYTES	32	/* 64 hex chars */

static void
random_bytes(unsigned char *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1)
		fatal("RAND_bytes failed");
}

void
auth_random_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];

	if (n > sizeof raw)
		fatal("auth_random_hex: %zu bytes", n);
	random_bytes(raw, n);
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 15];
	}
	buf[2 * n] = '\0';
}

void
auth_uuid(char *buf)
{
	unsigned char u[16];

	random_bytes(u, sizeof u);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

int
auth_key_new(struct db *db, const char *user, const char *name, char **keyp,
    char **idp)
{
	char id[2 * KEYID_BYTES + 1], secret[2 * SECRET_BYTES + 1];
	unsigned char hash[SHA256_DIGEST_LENGTH];
	int rc;

	auth_random_hex(id, KEYID_BYTES);
	auth_random_hex(secret, SECRET_BYTES);
	SHA256((const unsigned char *)secret, strlen(secret), hash);
	rc = db_apikey_add(db, id, user, name, hash, sizeof hash);
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
	    sizeof user, &admin)) == ERR_INTERNAL) {
		OPENSSL_cleanse(hash, sizeof hash);
		return r;
	}
	if (r == 0 && CRYPTO_memcmp(stored, hash, SHA256_DIGEST_LENGTH) != 0)
		r = ERR_UNAUTH;
	if (r == 0) {
		snprintf(who->user, sizeof who->user, "%s", user);
		who->admin = admin;
		snprintf(who->key_id, sizeof who->key_id, "%s", id);
		r = 0;
	}
	OPENSSL_cleanse(hash, sizeof hash);
	OPENSSL_cleanse(stored, sizeof stored);
	if (r != 0)
		return err_set(ERR_UNAUTH, "missing or invalid API key");
	return 0;
}
