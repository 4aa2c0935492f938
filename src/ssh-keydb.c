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
ssh_db_migrate(sqlite3 *sq)
{
	static const char sql[] =
	    "CREATE TABLE IF NOT EXISTS ssh_keys ("
	    " id TEXT PRIMARY KEY, user TEXT NOT NULL, name TEXT NOT NULL,"
	    " public_key TEXT NOT NULL, fingerprint TEXT NOT NULL UNIQUE,"
	    " created_at INT NOT NULL);"
	    "CREATE INDEX IF NOT EXISTS ssh_keys_user ON ssh_keys(user);";
	char *msg = NULL;

	if (sqlite3_exec(sq, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(ERR_INTERNAL, "ssh_keys schema: %s",
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return ERR_INTERNAL;
	}
	return 0;
}

int
sshkeys_owner(struct db *db, const ssh_key key, char *user, size_t size)
{
	char fp[64];
	sqlite3_stmt *st = NULL;
	ssh_key stored = NULL;
	char *b64 = NULL, *type = NULL, *u = NULL;
	int r;

	if ((r = sshkey_fingerprint(key, fp, sizeof fp)) != 0)
		return r;
	st = db_prep(db, "SELECT user, public_key FROM ssh_keys "
	    "WHERE fingerprint = ?");
	if (st == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	db_bind(st, "s", fp);
	if (sqlite3_step(st) != SQLITE_ROW) {
		r = err_set(ERR_NOTFOUND, "key not registered");
		goto out;
	}
	u = db_col_str(st, 0);
	type = db_col_str(st, 1);
	/* The stored line is "TYPE BASE64"; compare the blobs themselves. */
	b64 = strchr(type, ' ');
	if (b64 == NULL || ssh_pki_import_pubkey_base64(b64 + 1,
	    ssh_key_type(key), &stored) != SSH_OK ||
	    ssh_key_cmp(stored, key, SSH_KEY_CMP_PUBLIC) != 0) {
		r = err_set(ERR_NOTFOUND, "key not registered");
		goto out;
	}
	if (strlcpy_b(user, u, size) >= size) {
		r = err_set(ERR_INTERNAL, "user name too long");
		goto out;
	}
	r = 0;
out:
	ssh_key_free(stored);
	free(u);
	free(type);
	sqlite3_finalize(st);
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

static json_t *
key_json(const char *id, const char *user, const char *name,
    const char *pubkey, const char *fp, int64_t created)
{
	char ts[40];
	const char *sp = strchr(pubkey, ' ');

	rfc3339(created, ts, sizeof ts);
	return json_pack("{s:s, s:s, s:s, s:s%, s:s, s:s, s:s}",
	    "id", id, "user", user, "name", name,
	    "type", pubkey, sp != NULL ? (size_t)(sp - pubkey) : strlen(pubkey),
	    "fingerprint", fp, "public_key", pubkey, "created_at", ts);
}

int
sshkeys_add(struct db *db, const char *user, const char *name,
    const struct sshkey_info *ki, json_t **out)
{
	unsigned char rnd[8];
	char id[17], *nm = NULL, *line = NULL;
	sqlite3_stmt *st = NULL;
	int64_t now = now_s();
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

	if ((r = db_begin(db)) != 0)
		goto out;
	st = db_prep(db, "SELECT user FROM ssh_keys WHERE fingerprint = ? "
	    "OR (user = ? AND name = ?)");
	if (st == NULL) {
		r = err_set(ERR_INTERNAL, "store unavailable");
		goto rollback;
	}
	db_bind(st, "sss", ki->fingerprint, user, nm);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char *who = db_col_str(st, 0);

		/* Don't reveal whose key it is. */
		if (strcmp(who, user) == 0)
			r = err_set(ERR_CONFLICT, "a key with fingerprint %s "
			    "or the name '%s' is already registered",
			    ki->fingerprint, nm);
		else
			r = err_set(ERR_CONFLICT, "the key %s is already "
			    "registered", ki->fingerprint);
		free(who);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	r = db_run(db, "INSERT INTO ssh_keys (id, user, name, public_key, "
	    "fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)", "sssssi",
	    id, user, nm, line, ki->fingerprint, now);
	if (r == ERR_CONFLICT)
		err_set(ERR_CONFLICT, "the key %s is already registered",
		    ki->fingerprint);
	if (r != 0)
		goto rollback;
	if ((r = db_commit(db)) != 0)
		goto out;
	*out = key_json(id, user, nm, line, ki->fingerprint, now);
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	db_rollback(db);
out:
	sqlite3_finalize(st);
	free(nm);
	free(line);
	return r;
}

int
sshkeys_list(struct db *db, const char *user, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	if (user != NULL) {
		st = db_prep(db, "SELECT id, user, name, public_key, "
		    "fingerprint, created_at FROM ssh_keys WHERE user = ? "
		    "ORDER BY created_at, name");
		if (st != NULL)
			db_bind(st, "s", user);
	} else
		st = db_prep(db, "SELECT id, user, name, public_key, "
		    "fingerprint, created_at FROM ssh_keys "
		    "ORDER BY user, created_at, name");
	if (st == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *c[5];
		int i;

		for (i = 0; i < 5; i++)
			c[i] = db_col_str(st, i);
		json_array_append_new(arr, key_json(c[0], c[1], c[2], c[3],
		    c[4], db_col_int(st, 5)));
		for (i = 0; i < 5; i++)
			free(c[i]);
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

int
sshkeys_delete(struct db *db, const char *user, const char *ref)
{
	sqlite3_stmt *st;
	int n;

	if (user != NULL) {
		st = db_prep(db, "DELETE FROM ssh_keys WHERE user = ? AND "
		    "(id = ? OR name = ?)");
		if (st != NULL)
			db_bind(st, "sss", user, ref, ref);
	} else {
		st = db_prep(db, "DELETE FROM ssh_keys WHERE id = ?");
		if (st != NULL)
			db_bind(st, "s", ref);
	}
	if (st == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return err_set(ERR_INTERNAL, "deleting ssh key failed");
	}
	sqlite3_finalize(st);
	n = sqlite3_changes(db_sqlite(db));
	if (n == 0)
		return err_set(ERR_NOTFOUND, "no ssh key '%.64s'", ref);
	return 0;
}

int
sshkeys_authorized(struct db *db, const char *user, char **out)
{
	sqlite3_stmt *st;
	char *acc = xstrdup(""), *tmp;

	st = db_prep(db, "SELECT public_key, name FROM ssh_keys "
	    "WHERE user = ? ORDER BY created_at");
	if (st == NULL) {
		free(acc);
		return err_set(ERR_INTERNAL, "store unavailable");
	}
	db_bind(st, "s", user);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *k = db_col_str(st, 0), *n = db_col_str(st, 1);

		tmp = xasprintf("%s%s %s\n", acc, k, n);
		free(acc);
		acc = tmp;
		free(k);
		free(n);
	}
	sqlite3_finalize(st);
	*out = acc;
	return 0;
}
