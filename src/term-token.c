/* term-token.c: terminal tokens in memory, hashed, single use. A short
 * list under one lock: tokens live a minute and are made one per terminal
 * opened, so a linear scan is fine; expired ones are swept on each call. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "err.h"
#include "log.h"
#include "term-token.h"
#include "timeutil.h"
#include "xmalloc.h"

#define TOKEN_MAX	4096	/* outstanding tokens; the oldest goes first */

struct tok {
	unsigned char		 hash[SHA256_DIGEST_LENGTH];
	int64_t			 expires_at;
	struct term_grant	 g;
};

static pthread_mutex_t	 mu = PTHREAD_MUTEX_INITIALIZER;
static struct tok	*toks;
static size_t		 ntoks;

/* Drops expired tokens; call with mu held. */
static void
sweep(int64_t now)
{
	size_t i = 0;

	while (i < ntoks) {
		if (toks[i].expires_at <= now)
			toks[i] = toks[--ntoks];
		else
			i++;
	}
}

void
term_token_new(const struct term_grant *g, int ttl, char out[44],
    int64_t *expires_at)
{
	unsigned char raw[32];
	char b64[48];
	size_t i;
	int64_t now = now_s();

	if (RAND_bytes(raw, sizeof raw) != 1)
		fatal("RAND_bytes failed");
	/* base64url without padding: safe in a URL query. */
	EVP_EncodeBlock((unsigned char *)b64, raw, sizeof raw);
	for (i = 0; i < 43; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	out[43] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	pthread_mutex_lock(&mu);
	sweep(now);
	if (toks == NULL)
		toks = xcalloc(TOKEN_MAX, sizeof *toks);
	if (ntoks == TOKEN_MAX) {
		memmove(toks, toks + 1, (TOKEN_MAX - 1) * sizeof *toks);
		ntoks--;
	}
	SHA256((const unsigned char *)out, 43, toks[ntoks].hash);
	toks[ntoks].expires_at = now + ttl;
	toks[ntoks].g = *g;
	ntoks++;
	pthread_mutex_unlock(&mu);
	*expires_at = now + ttl;
}

int
term_token_take(const char *token, struct term_grant *g)
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	size_t i;
	int r = ERR_UNAUTH;

	if (token == NULL || strlen(token) != 43)
		return err_set(ERR_UNAUTH, "bad or expired terminal token");
	SHA256((const unsigned char *)token, 43, h);
	pthread_mutex_lock(&mu);
	sweep(now_s());
	for (i = 0; i < ntoks; i++) {
		if (CRYPTO_memcmp(toks[i].hash, h, sizeof h) == 0) {
			*g = toks[i].g;
			toks[i] = toks[--ntoks];
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	OPENSSL_cleanse(h, sizeof h);
	if (r != 0)
		return err_set(ERR_UNAUTH, "bad or expired terminal token");
	return 0;
}

int
term_grant_matches(const struct term_grant *g, const char *ref)
{
	size_t n = strlen(ref);

	return strcmp(ref, g->ws_id) == 0 || strcmp(ref, g->ws_name) == 0 ||
	    (n >= 4 && strncmp(g->ws_id, ref, n) == 0);
}
