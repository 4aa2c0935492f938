/* ssh-keydb.h: the ssh_keys table (id, user, name, public_key, fingerprint
 * unique across all users, created_at): lookup by key for the gateway,
 * list/add/delete for /v1/ssh-keys, authorized_keys for direct mode. Any
 * thread; each call uses the caller's store connection. */
#ifndef BERTH_SSH_KEYDB_H
#define BERTH_SSH_KEYDB_H

#include <stddef.h>

#include <jansson.h>
#include <libssh/libssh.h>

#include "ssh-keys.h"

struct db;

/* The user who registered key (looked up by fingerprint, compared by
 * blob) into user (size bytes), and the limited API key it was added with
 * into api_key ("" = none). ERR_NOTFOUND when nobody did. */
int	 sshkeys_owner(struct db *, const ssh_key key, char *user,
	    size_t size, char *api_key, size_t aksize);
/* Inserts a parsed key for user under name (NULL or "": derived from the
 * comment), added with the limited API key api_key_id (NULL: none).
 * ERR_CONFLICT when the fingerprint is registered (by anyone) or user has
 * a key with that name; ERR_INVAL for a bad name. On success *out
 * is the new key's JSON (new reference). */
int	 sshkeys_add(struct db *, const char *user, const char *name,
	    const struct sshkey_info *, const char *api_key_id,
	    json_t **out);
/* The keys of user (NULL: everyone's) as a JSON array (new reference). */
int	 sshkeys_list(struct db *, const char *user, json_t **out);
/* Deletes user's key whose id or name is ref (user NULL: any key, by id;
 * api_key_id not NULL: only one added with that API key). ERR_NOTFOUND
 * when there is none. */
int	 sshkeys_delete(struct db *, const char *user, const char *ref,
	    const char *api_key_id);
/* The public key lines ("TYPE BASE64 NAME\n") of user, for a direct-mode
 * workspace's authorized_keys. *out is malloc'ed. */
int	 sshkeys_authorized(struct db *, const char *user, char **out);

#endif
