/* ssh-gw.h: the SSH gateway: one port where the stock OpenSSH client
 * reaches workspaces ("ssh -p 2222 WORKSPACE@host"): public-key auth
 * against registered keys, shells, exec, sftp, port forwarding, each
 * through proc.h. A thread per connection; start/stop from the main
 * thread. */
#ifndef BERTH_SSH_GW_H
#define BERTH_SSH_GW_H

struct app;

/* Listens on listen_addr ("127.0.0.1:2222", "[::1]:2222") with the ed25519
 * host key at hostkey_path (generated, mode 0600, when missing) and starts
 * the accept thread. ERR_* with err_msg() on failure. */
int	 ssh_gw_start(struct app *, const char *listen_addr,
	    const char *hostkey_path);
/* Stops accepting, disconnects every connection and waits (bounded) for
 * their threads. Safe to call when not started. */
void	 ssh_gw_stop(void);
/* Open connections (authenticated or not) and sessions, for /metrics. */
int	 ssh_gw_connections(void);
int	 ssh_gw_channels(void);

#endif
