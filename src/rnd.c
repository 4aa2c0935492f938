/* rnd.c: random ids and secrets (rnd.h). */
#include <stdio.h>

#include <openssl/rand.h>

#include "log.h"
#include "rnd.h"

void
rnd_bytes(void *p, size_t n)
{
	if (RAND_bytes(p, (int)n) != 1)
		fatal("RAND_bytes failed");
}

void
rnd_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];

	if (n > sizeof raw)
		fatal("rnd_hex: %zu bytes", n);
	rnd_bytes(raw, n);
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hex[raw[i] >> 4];
		buf[2 * i + 1] = hex[raw[i] & 15];
	}
	buf[2 * n] = '\0';
}

void
rnd_uuid(char *buf)
{
	unsigned char u[16];

	rnd_bytes(u, sizeof u);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}
