/* ssh-direct.h: direct SSH mode (Sandman): the workspace runs its own sshd
 * on a host port from a configured range, persistent in the store and
 * never handed out twice. sshd runs as the workspace user with no
 * capabilities; berthd writes its host key before the first start and
 * rewrites its authorized_keys (root's, read-only to the user) on every
 * key change, so a revoked key stops working at once. Any thread, with
 * the caller's store connection. */
#ifndef BERTH_SSH_DIRECT_H
#define BERTH_SSH_DIRECT_H

#include <jansson.h>

struct app;
struct db;

#define DIRECT_KEYS	"/etc/berth/authorized_keys"
#define DIRECT_HOSTKEY	"/etc/berth/ssh_host_ed25519_key"

/* 1 when port is free on the host for direct SSH now (arg: the struct
 * app); what a create gives db_ws_create to take the lowest free port of
 * direct_port_min..direct_port_max. */
int	direct_port_free(void *arg, int port);
/* A fresh ed25519 key pair: the private key in OpenSSH format and the
 * public key line ("ssh-ed25519 AAAA… comment"). Caller frees both;
 * the private key must never be stored or logged. */
int	direct_keypair(const char *comment, char **privp, char **pubp);
/* The capabilities a root sshd needs on top of CapDrop ALL (only for a
 * template whose user is root). */
extern const char *const direct_caps[];
/* The container command: sshd as the workspace user. */
extern const char *const direct_sshd_cmd[];
/* The numeric uid and gid of a spec user "uid[:gid]" (NULL: 1000). */
int	direct_uidgid(const char *user, int *uid, int *gid);
/* Before the first start of container cid: a fresh host key owned by the
 * workspace user (spec's "user"), and the keys. */
int	direct_prepare(struct app *, struct db *, const char *owner,
	    const json_t *spec, const char *cid);
/* Writes the authorized keys of a workspace (owner's registered keys and
 * extra, a session's own key, may be NULL) into container cid. */
int	direct_keys_push(struct app *, struct db *, const char *owner,
	    const char *extra, const char *cid);
/* Rewrites the keys of every direct workspace of owner (NULL: all);
 * failures are logged. Called after every key change. */
void	direct_keys_sync(struct app *, struct db *, const char *owner);

#endif
