/* rnd.h: random ids and secrets from OpenSSL's RAND_bytes (a failure is
 * fatal: nothing made here may be guessable). Any thread. */
#ifndef BERTH_RND_H
#define BERTH_RND_H

#include <stddef.h>

/* n random bytes into p. */
void	rnd_bytes(void *p, size_t n);
/* n random bytes as lowercase hex into buf (>= 2n + 1), n <= 64. */
void	rnd_hex(char *buf, size_t n);
/* A random UUID v4 into buf (>= 37 bytes). */
void	rnd_uuid(char *buf);

#endif
