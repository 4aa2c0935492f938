/* agent-link.h: the authenticated link between a berthd manager and the
 * berth agent of a cluster node (agent.c). Both ends hold the same join
 * token (a file only its owner reads); a link starts with a challenge
 * both ways and an ephemeral X25519 exchange: the agent sends a fresh
 * nonce and public key ("BERTH-AGENT/3 <nonce> <key>"), the manager
 * answers with its own nonce, public key and HMAC-SHA256(token, both
 * nonces, both keys, target), the agent proves the token back over the
 * same; from then on the TCP connection carries the target's bytes in
 * sealed records (agent-seal.h: ChaCha20-Poly1305, a key per direction
 * derived from the token, both nonces and the X25519 secret, so that a
 * recorded link stays closed to whoever gets the token later). Targets:
 * "engine" (the node's Docker engine API), "sup <workspace id>" (that
 * workspace's supervisor socket) and the others agent.c lists. The
 * handshake's lines (nonces, public keys, proofs, the target's name) are
 * in clear; nothing after them is.
 * Any thread once agent_link_init has run. */
#ifndef BERTH_AGENT_LINK_H
#define BERTH_AGENT_LINK_H

#include <stddef.h>

#include "agent-seal.h"

#define AGENT_URL_PREFIX	"agent://"	/* engine hosts through one */
#define AGENT_LINE_MAX		512
#define AGENT_TOKEN_MIN		16

/* Reads the join token from path (its first line; at least
 * AGENT_TOKEN_MIN characters; the file must not be readable by group or
 * others) into tok (size bytes). */
int	agent_token_read(const char *path, char *tok, size_t size);
/* Sets this process's token for agent_dial (the manager side). */
int	agent_link_init(const char *token_file);
/* Connects to the agent at hostport ("10.0.0.2:7070"), authenticates
 * both ways and asks for target; *fdp is then a non-blocking local
 * socket carrying the target's bytes (a detached thread seals and opens
 * them on the link until both ends are done; a refused record drops the
 * link, which the caller sees as its end). ERR_BACKEND when
 * unreachable, ERR_UNAUTH when either side's proof fails, ERR_NOTFOUND
 * when the agent has no such target, ERR_TIMEOUT past timeout_ms. */
int	agent_dial(const char *hostport, const char *target, int timeout_ms,
	    int *fdp);
/* agent_dial to port of container cid (its id on the agent's node), at
 * its address on that node's network: ERR_NOTFOUND when nothing answers
 * there, ERR_TIMEOUT when nothing says so in time. */
int	agent_dial_port(const char *hostport, const char *cid, int port,
	    int timeout_ms, int *fdp);
/* The manager's side of the handshake on a connected socket fd to the
 * agent named peer (for messages), with the join token tok; the same
 * errors as agent_dial. fd is left open either way; on success *k
 * holds the link's keys for agent_seal_relay. */
int	agent_link_connect(int fd, const char *tok, const char *peer,
	    const char *target, int timeout_ms, struct agent_keys *k);
/* The agent's side on an accepted connection fd: challenge, check the
 * manager's proof with tok, then open_target(target, arg, tfdp) for the
 * target asked for (its error message goes back to the manager), and
 * only then prove the token back. 0 with *tfdp open and the link's
 * keys in *k (agent_seal_relay); otherwise the connection is to be
 * closed. */
int	agent_link_accept(int fd, const char *tok, int timeout_ms,
	    int (*open_target)(const char *, void *, int *), void *arg,
	    int *tfdp, struct agent_keys *k);

#endif
