/* fuzz-agent-link.c: what a peer sends on the agent link (agent-link.c,
 * agent-seal.c). The first byte picks what reads the rest:
 * 0, the agent's handshake (agent_link_accept reads the AUTH line of a
 * would-be manager); 1, the manager's (agent_link_connect reads the
 * greeting and answer of a would-be agent): the input is written to a
 * socketpair that then ends, and no target may be opened nor a link
 * accepted without the token's proof, which the input cannot hold (each
 * side proves over a fresh random nonce and X25519 key of its own);
 * 2, sealed records as they come off the wire (agent_seal_open under a
 * fixed key): no length past the limit, nothing opened past the input;
 * 3, the input sealed as records, one byte of them changed where the
 * input says: every record before it opens to what was sealed, the
 * changed one is refused. */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-link.h"
#include "agent-seal.h"
#include "err.h"
#include "log.h"

#define TOKEN	"fuzz-join-token-0123456789"

static int
no_target(const char *target, void *arg, int *fdp)
{
	(void)target;
	(void)arg;
	(void)fdp;
	abort();	/* reached only with the token's proof */
}

static const unsigned char key[AGENT_KEY_LEN] = "fuzz-record-key-0123456789abcdef";

static void
records(const uint8_t *data, size_t size)
{
	static unsigned char out[AGENT_REC_MAX];
	struct agent_seal *s = agent_seal_new(key);
	size_t off = 0, plen;
	long k;

	while ((k = agent_seal_open(s, data + off, size - off, out,
	    &plen)) > 0) {
		if (plen > AGENT_REC_MAX || (size_t)k != plen +
		    AGENT_REC_OVER || (size_t)k > size - off)
			abort();
		off += (size_t)k;
	}
	if (k < 0 && k != ERR_TOOBIG && k != ERR_UNAUTH)
		abort();
	agent_seal_free(s);
}

/* data[0..1]: where to change a byte; data[2]: the xor (0: none); then
 * the plaintext, sealed in records of up to 1 + data[3] bytes. */
static void
tamper(const uint8_t *data, size_t size)
{
	static unsigned char wire[4000 * (1 + AGENT_REC_OVER) + 64];
	static unsigned char out[AGENT_REC_MAX];
	struct agent_seal *tx = agent_seal_new(key), *rx = agent_seal_new(key);
	size_t at, chunk, off = 0, n = 0, m, plen;
	uint8_t x;
	long k;

	if (size < 4)
		goto out;
	at = (size_t)data[0] << 8 | data[1];
	x = data[2];
	chunk = 1 + (size_t)data[3];
	data += 4;
	size -= 4;
	while (off < size) {
		m = size - off < chunk ? size - off : chunk;
		if (agent_seal_put(tx, data + off, m, wire + n) != 0)
			abort();
		n += m + AGENT_REC_OVER;
		off += m;
	}
	if (agent_seal_put(tx, NULL, 0, wire + n) != 0)
		abort();
	n += AGENT_REC_OVER;
	if (at < n)
		wire[at] ^= x;
	off = 0;
	m = 0;
	while ((k = agent_seal_open(rx, wire + m, n - m, out, &plen)) > 0) {
		/* a record that opens is the one sealed, untouched */
		if (x != 0 && at >= m && at < m + (size_t)k)
			abort();
		if (plen > size - off || memcmp(out, data + off, plen) != 0)
			abort();
		off += plen;
		m += (size_t)k;
	}
	/* all of it, or stopped (refused, or waiting for a length that
	 * was changed) at the changed byte's record */
	if (k == 0 && m == n ? off != size : x == 0 || at < m || at >= n)
		abort();
 out:
	agent_seal_free(tx);
	agent_seal_free(rx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct agent_keys k;
	int sv[2], tfd = -1, side;

	if (size < 1 || size > 4000)
		return 0;
	if (!once) {
		log_init(LOG_ERROR, 0);
		once = 1;
	}
	side = data[0] & 3;
	data++;
	size--;
	if (side == 2) {
		records(data, size);
		return 0;
	}
	if (side == 3) {
		tamper(data, size);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	/* All of the input, then the end: no read waits for the deadline. */
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		goto out;
	shutdown(sv[1], SHUT_WR);
	if (side == 0) {
		if (agent_link_accept(sv[0], TOKEN, 1000, no_target, NULL,
		    &tfd, &k) == 0 || tfd != -1)
			abort();
	} else if (agent_link_connect(sv[0], TOKEN, "fuzz", "engine",
	    1000, &k) == 0)
		abort();
	/* What the side under test wrote stays unread in sv[1]: closing
	 * drops it (reading it until EOF would wait on sv[0], still open). */
 out:
	close(sv[0]);
	close(sv[1]);
	return 0;
}
