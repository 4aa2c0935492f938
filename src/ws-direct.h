/* ws-direct.h: direct SSH mode (Sandman): the workspace runs its own sshd
 * on a host port from a configured range, persistent in the store and
 * never handed out twice; keys go in through the environment before the
 * container starts. Any thread, with the caller's store connection. */
#ifndef BERTH_WS_DIRECT_H
#define BERTH_WS_DIRECT_H

struct app;
struct db;

/* Inside the caller's transaction: takes the lowest free port of the
 * range for ws_id (also free on the host right now). ERR_UNSAT when the
 * range is used up. */
int	direct_port_alloc(struct app *, struct db *, const char *ws_id,
	    int *port);
/* A fresh ed25519 key pair: the private key in OpenSSH format and the
 * public key line ("ssh-ed25519 AAAA… comment"). Caller frees both;
 * the private key must never be stored or logged. */
int	direct_keypair(const char *comment, char **privp, char **pubp);
/* The capabilities sshd needs on top of CapDrop ALL. */
extern const char *const direct_caps[];

#endif
