/* ssh-keydb.c: the ssh_keys table: lookup by key for the gateway, list/add/
 * delete for the API, authorized_keys for direct mode. Any thread; the store
 * connection is the caller's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "db.h"
#include "err.h"
#include "ssh-keydb.h"
#include "timeutil.h"
#include "xmalloc.h"

#define KEYNAME_MAX	64

int
sshkeys_owner(struct db *db, const ssh_key key, char *user, size_t size,
    char *api_key, size_t aksize)
{
	char fp[64];
	ssh_key stored = NULL;
	char *b64 = NULL, *type = NULL, *u = NULL, *ak = NULL;
	int r;

	if ((r = sshkey_fingerprint(key, fp, sizeof fp)) != 0)
		return r;
	if ((r = db_sshkey_by_fp(db, fp, &u, &type, &ak)) != 0) {
		if (r == ERR_NOTFOUND)
			r = err_set(ERR_NOTFOUND, "key not registered");
		goto out;
	}
	/* The stored line is "TYPE BASE64"; compare the blobs themselves. */
	b64 = strchr(type, ' ');
	if (b64 == NULL || ssh_pki_import_pubkey_base64(b64 + 1,
	    ssh_key_type(key), &stored) != SSH_OK ||
	    ssh_key_cmp(stored, key, SSH_KEY_CMP_PUBLIC) != 0) {
		r = err_set(ERR_NOTFOUND, "key not registered");
		goto out;
	}
	if (strlcpy_b(user, u, size) >= size ||
	    strlcpy_b(api_key, ak, aksize) >= aksize) {
		r = err_set(ERR_INTERNAL, "user name too long");
		goto out;
	}
	r = 0;
out:
	ssh_key_free(stored);
	free(u);
	free(ak);
	free(type);
	return r;
}

static int
name_valid(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (!isalnum((unsigned char)s[n]) &&
		    strchr("._@+-", s[n]) == NULL)
			return 0;
	}
	return n >= 1 && n <= KEYNAME_MAX;
}

/* A name from the key's comment (invalid characters become '-'), or
 * "key-<id>" when there is none. */
static char *
default_name(const char *comment, const char *id)
{
	char buf[KEYNAME_MAX + 1];
	size_t i;

	for (i = 0; comment[i] != '\0' && i < KEYNAME_MAX; i++) {
		unsigned char c = (unsigned char)comment[i];
		buf[i] = isalnum(c) || strchr("._@+-", c) != NULL ? (char)c :
		    '-';
	}
	buf[i] = '\0';
	if (i == 0)
		return xasprintf("key-%.8s", id);
	return xstrdup(buf);
}

int
sshkeys_add(struct db *db, const char *user, const char *name,
    const struct sshkey_info *ki, const char *api_key_id, json_t **out)
{
	unsigned char rnd[8];
	char id[17], *nm = NULL, *line = NULL;
	int r;
	size_t i;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return err_set(ERR_INTERNAL, "no randomness");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	if (name != NULL && *name != '\0') {
		if (!name_valid(name))
			return err_set(ERR_INVAL, "bad key name; use 1-%d of "
			    "A-Z a-z 0-9 . _ @ + -", KEYNAME_MAX);
		nm = xstrdup(name);
	} else
		nm = default_name(ki->comment, id);
	line = xasprintf("%s %s", ki->type, ki->b64);

	r = db_sshkey_add(db, id, user, nm, line, ki->fingerprint, api_key_id,
	    out);
	free(nm);
	free(line);
	return r;
}

int
sshkeys_list(struct db *db, const char *user, json_t **out)
{
	return db_sshkey_list(db, user, out);
}

int
sshkeys_delete(struct db *db, const char *user, const char *ref,
    const char *api_key_id)
{
	return db_sshkey_delete(db, user, ref, api_key_id);
}

int
sshkeys_authorized(struct db *db, const char *user, char **out)
{
	return db_sshkey_lines(db, user, out);
}
