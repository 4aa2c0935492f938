/* agent-seal.h: the record layer of the agent link (agent-link.h). After
 * the join-token handshake every byte either way travels in records
 * sealed with ChaCha20-Poly1305 under a key of its own per direction
 * (derived from the token and both nonces of that handshake) and a
 * counter per direction as the nonce: a record changed, dropped, moved
 * or replayed from this or another link fails its tag, and the link is
 * dropped. A record is a 4-byte big-endian length (authenticated, not
 * secret), that many sealed bytes, a 16-byte tag; length 0 is the
 * sealed end of a direction (a half-close), so a cut stream is told from
 * an ended one. Any thread; one agent_seal per direction of one link. */
#ifndef BERTH_AGENT_SEAL_H
#define BERTH_AGENT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_KEY_LEN	32
#define AGENT_REC_MAX	16384		/* plaintext bytes in one record */
#define AGENT_REC_HDR	4
#define AGENT_REC_TAG	16
#define AGENT_REC_OVER	(AGENT_REC_HDR + AGENT_REC_TAG)

/* The keys of one link, from the side that holds them: tx seals what it
 * sends, rx opens what it receives. */
struct agent_keys {
	unsigned char	tx[AGENT_KEY_LEN];
	unsigned char	rx[AGENT_KEY_LEN];
};

struct agent_seal;

/* A direction keyed with key; its counter starts at 0. */
struct agent_seal	*agent_seal_new(const unsigned char *key);
void			 agent_seal_free(struct agent_seal *);
/* Seals len (<= AGENT_REC_MAX; 0: the end) bytes of p as the next
 * record into out, which holds len + AGENT_REC_OVER bytes. */
int	agent_seal_put(struct agent_seal *, const void *p, size_t len,
	    unsigned char *out);
/* Opens the record at the start of in (n bytes): 0 while it is not all
 * there; otherwise its size on the wire, with its *plen plaintext bytes
 * in out (AGENT_REC_MAX bytes; *plen 0: the sender's end). ERR_TOOBIG
 * for a length past AGENT_REC_MAX, ERR_UNAUTH when it fails its tag:
 * the link is then to be dropped (the counter does not move). */
long	agent_seal_open(struct agent_seal *, const unsigned char *in,
	    size_t n, unsigned char *out, size_t *plen);
/* Copies plain (a local socket) to wire (the link's TCP socket) sealed
 * with k->tx, and wire to plain opened with k->rx, until both
 * directions ended, each with its sealed end (passed on as a
 * half-close). 0 then; ERR_UNAUTH or ERR_TOOBIG when a record was
 * refused, ERR_EOF when the wire was cut without its end, ERR_IO on a
 * socket error: the caller closes both. Both fds non-blocking. */
int	agent_seal_relay(int plain, int wire, const struct agent_keys *k);

#endif
