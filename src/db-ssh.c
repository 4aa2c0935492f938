/* db-ssh.c: the ssh_keys table (SSH public keys registered by users):
 * lookup by fingerprint, add, list, delete, authorized_keys lines. Any
 * thread, each with its own connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db-int.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

int
db_sshkey_by_fp(struct db *db, const char *fp, char **user, char **pubkey,
    char **api_key_id)
{
	sqlite3_stmt *st;
	int r = 0;

	*user = *pubkey = *api_key_id = NULL;
	if ((st = db_prep(db, "SELECT user, public_key, api_key_id FROM "
	    "ssh_keys WHERE fingerprint = ?")) == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	db_bind(st, "s", fp);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*user = db_col_str(st, 0);
		*pubkey = db_col_str(st, 1);
		*api_key_id = db_col_str(st, 2);
	} else
		r = err_set(ERR_NOTFOUND, "key not registered");
	sqlite3_finalize(st);
	return r;
}

/* api_key: the limited API key it was added with ("" = none). */
static json_t *
key_json(const char *id, const char *user, const char *name,
    const char *pubkey, const char *fp, int64_t created, const char *api_key)
{
	char ts[40];
	const char *sp = strchr(pubkey, ' ');

	rfc3339(created, ts, sizeof ts);
	return json_pack("{s:s, s:s, s:s, s:s%, s:s, s:s, s:s, s:s?}",
	    "id", id, "user", user, "name", name,
	    "type", pubkey, sp != NULL ? (size_t)(sp - pubkey) : strlen(pubkey),
	    "fingerprint", fp, "public_key", pubkey, "created_at", ts,
	    "api_key", *api_key ? api_key : NULL);
}

int
db_sshkey_add(struct db *db, const char *id, const char *user,
    const char *nm, const char *line, const char *fingerprint,
    const char *api_key_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int64_t now = now_s();
	int r;

	if ((r = db_begin(db)) != 0)
		goto out;
	st = db_prep(db, "SELECT user FROM ssh_keys WHERE fingerprint = ? "
	    "OR (user = ? AND name = ?)");
	if (st == NULL) {
		r = err_set(ERR_INTERNAL, "store unavailable");
		goto rollback;
	}
	db_bind(st, "sss", fingerprint, user, nm);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char *who = db_col_str(st, 0);

		/* Don't reveal whose key it is. */
		if (strcmp(who, user) == 0)
			r = err_set(ERR_CONFLICT, "a key with fingerprint %s "
			    "or the name '%s' is already registered",
			    fingerprint, nm);
		else
			r = err_set(ERR_CONFLICT, "the key %s is already "
			    "registered", fingerprint);
		free(who);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	r = db_run(db, "INSERT INTO ssh_keys (id, user, name, public_key, "
	    "fingerprint, created_at, api_key_id) VALUES (?, ?, ?, ?, ?, ?, "
	    "?)", "sssssis", id, user, nm, line, fingerprint, now,
	    api_key_id != NULL ? api_key_id : "");
	if (r == ERR_CONFLICT)
		err_set(ERR_CONFLICT, "the key %s is already registered",
		    fingerprint);
	if (r != 0)
		goto rollback;
	if ((r = db_commit(db)) != 0)
		goto out;
	*out = key_json(id, user, nm, line, fingerprint, now,
	    api_key_id != NULL ? api_key_id : "");
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	db_rollback(db);
out:
	sqlite3_finalize(st);
	return r;
}

int
db_sshkey_list(struct db *db, const char *user, json_t **out)
{
	sqlite3_stmt *st;
	json_t *arr;

	if (user != NULL) {
		st = db_prep(db, "SELECT id, user, name, public_key, "
		    "fingerprint, created_at, api_key_id FROM ssh_keys "
		    "WHERE user = ? "
		    "ORDER BY created_at, name");
		if (st != NULL)
			db_bind(st, "s", user);
	} else
		st = db_prep(db, "SELECT id, user, name, public_key, "
		    "fingerprint, created_at, api_key_id FROM ssh_keys "
		    "ORDER BY user, created_at, name");
	if (st == NULL)
		return err_set(ERR_INTERNAL, "store unavailable");
	arr = json_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *c[7];
		int i;

		for (i = 0; i < 7; i++)
			c[i] = i == 5 ? NULL : db_col_str(st, i);
		json_array_append_new(arr, key_json(c[0], c[1], c[2], c[3],
		    c[4], db_col_int(st, 5), c[6]));
		for (i = 0; i < 7; i++)
			free(c[i]);
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

int
db_sshkey_delete(struct db *db, const char *user, const char *ref,
    const char *api_key_id)
{
	sqlite3_stmt *st;
	int n;

	if (user != NULL && api_key_id != NULL) {
		st = db_prep(db, "DELETE FROM ssh_keys WHERE user = ? AND "
		    "(id = ? OR name = ?) AND api_key_id = ?");
		if (st != NULL)
			db_bind(st, "ssss", user, ref, ref, api_key_id);
	} else if (user != NULL) {
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
db_sshkey_lines(struct db *db, const char *user, char **out)
{
	sqlite3_stmt *st;
	char *acc = xstrdup(""), *tmp;

	/* Keys added with a limited API key reach workspaces only through
	 * the gateway, which holds them to that key's limits. */
	st = db_prep(db, "SELECT public_key, name FROM ssh_keys "
	    "WHERE user = ? AND api_key_id = '' ORDER BY created_at");
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
