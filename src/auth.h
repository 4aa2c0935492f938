/* auth.h: API keys "berth_<keyid>_<secret>": only SHA-256(secret) is
 * stored, compared in constant time; the key is shown once. Any thread,
 * with that thread's store connection. */
#ifndef BERTH_AUTH_H
#define BERTH_AUTH_H

#include <stddef.h>

struct db;

/* Who is asking (after auth): the API, the SSH gateway and the workspace
 * logic all decide access from this. */
struct principal {
	char	user[40];
	int	admin;
	char	key_id[40];
};

/* Checks a presented key; fills *who. ERR_UNAUTH (no detail on why). */
int	auth_check(struct db *, const char *key, struct principal *who);
/* Makes a key for user; *keyp (the full key, to show once) and *idp are
 * the caller's to free. */
int	auth_key_new(struct db *, const char *user, const char *name,
	    char **keyp, char **idp);
/* A random UUID v4 into buf (>= 37 bytes). */
void	auth_uuid(char *buf);
/* n random bytes as lowercase hex into buf (>= 2n + 1). */
void	auth_random_hex(char *buf, size_t n);

#endif
