/* auth.h: API keys "berth_<keyid>_<secret>": only SHA-256(secret) is
 * stored, compared in constant time; the key is shown once. Any thread,
 * with that thread's store connection. */
#ifndef BERTH_AUTH_H
#define BERTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct db;

/* What a key may do (SPEC §2 "api key"). Scopes: none set = the user's
 * full power; otherwise only routes of those scopes. */
enum {
	AUTH_READ = 0x1,	/* look: lists, inspect, logs, stats, events */
	AUTH_EXEC = 0x2,	/* run: exec, terminal, tasks, SSH shells */
	AUTH_FILES = 0x4,	/* files in and out, sftp */
	AUTH_LIFECYCLE = 0x8,	/* create, start, stop, delete, patch */
	AUTH_NONE = 0x100,	/* a scoped key with no scope known here */
};
#define AUTH_MAXWS	16	/* workspaces one key may name */
#define AUTH_WSLEN	64	/* a name (DNS label) or a UUID */

struct auth_limits {
	unsigned	 scopes;	/* AUTH_* bits; 0 = full power */
	int		 nws;		/* 0 = every workspace */
	char		 ws[AUTH_MAXWS][AUTH_WSLEN];	/* names or ids */
	int64_t		 expires_at;	/* epoch; 0 = never */
};

/* Who is asking (after auth): the API, the SSH gateway and the workspace
 * logic all decide access from this. */
struct principal {
	char			user[40];
	int			admin;
	char			key_id[40];
	struct auth_limits	lim;
};

/* Checks a presented key; fills *who. ERR_UNAUTH (no detail on why, but
 * that a right key has expired). */
int	auth_check(struct db *, const char *key, struct principal *who);
/* Fills *who from a stored key id (no secret: the SSH gateway, for an SSH
 * key added with that API key). ERR_UNAUTH when gone or expired. */
int	auth_key_principal(struct db *, const char *key_id,
	    struct principal *who);
/* Makes a key for user with limits lim (NULL: full power); *keyp (the
 * full key, to show once) and *idp are the caller's to free. */
int	auth_key_new(struct db *, const char *user, const char *name,
	    const struct auth_limits *lim, char **keyp, char **idp);

/* ---- scopes: the one place that says what a scoped key may do ---- */
/* 1 when who has no scopes (full power) or has every bit of scope. */
int	auth_scope_ok(const struct principal *, unsigned scope);
/* 1 when who is limited to no workspaces, or names this one (by id or
 * by name; either may be NULL). */
int	auth_ws_ok(const struct principal *, const char *id,
	    const char *name);
/* 1 when who is a key with any limit (scopes or workspaces). */
int	auth_limited(const struct principal *);
/* Both checks: 0, or ERR_FORBIDDEN with a message naming what the key
 * lacks. For handlers that are not one route (MCP tools, SSH channels,
 * task attach): call it before acting on workspace id/name. */
int	auth_require(const struct principal *, unsigned scope,
	    const char *id, const char *name);
/* "read,exec" for scope bits (one of 4 static buffers per thread, used in
 * turn); "all" for 0. */
const char *auth_scope_str(unsigned scopes);
/* Parses a scope name ("read"...) into its bit; 0 when unknown. */
unsigned auth_scope_bit(const char *name);
/* The limits as JSON ({scopes, workspaces, expires_at}; new ref). */
json_t	*auth_limits_json(const struct auth_limits *);
/* Turns a stored key's JSON (db_apikey_list: scopes and workspaces as
 * comma lists, expires_at an epoch) into the API's; returns key. */
json_t	*auth_key_json_fix(json_t *key);
/* Reads scopes/workspaces/expires_in from a key-create body into *lim
 * (ERR_INVAL naming the bad field). */
int	auth_limits_parse(const json_t *body, struct auth_limits *lim);

#endif
