/* term-token.h: the browser terminal's tokens: short-lived, single use,
 * bound to a user and a workspace. Kept in memory as SHA-256 hashes only;
 * a restart of berthd forgets them (they live a minute). Any thread. */
#ifndef BERTH_TERM_TOKEN_H
#define BERTH_TERM_TOKEN_H

#include <stdint.h>

/* What a token grants. */
struct term_grant {
	char	user[64];
	char	ws_id[40];
	char	ws_name[64];
	int	admin;
};

/* Makes a token for g valid for ttl seconds: 43 characters and a NUL
 * into out, its expiry (epoch seconds) into *expires_at. */
void	term_token_new(const struct term_grant *g, int ttl, char out[44],
	    int64_t *expires_at);
/* Consumes a token: 0 and *g filled, or ERR_UNAUTH (unknown, used or
 * expired). */
int	term_token_take(const char *token, struct term_grant *g);

/* 1 when a route's {id} (the UUID, a prefix of 4 or more, or the name)
 * names the workspace g is for. */
int	term_grant_matches(const struct term_grant *g, const char *ref);

#endif
