/* ssh-conn.h: inside the gateway family (ssh-gw.c, ssh-conn.c,
 * ssh-chan.c): one authenticated SSH connection and its channels. A
 * connection and everything in it belongs to its own thread. */
#ifndef BERTH_SSH_CONN_H
#define BERTH_SSH_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "pump.h"

struct app;
struct proc;
struct ssh_rate;

#define SSH_MAX_AUTH_TRIES	6
#define SSH_GRACE_MS		30000
#define SSH_MAX_CHANNELS	64
#define SSH_CHAN_BUF		32768

/* What a connection needs from the daemon. authorize is replaceable (the
 * fuzz target answers "no" without a store). */
struct ssh_gw_env {
	struct app	 *app;		/* NULL: no workspaces (fuzzing) */
	struct ssh_rate	 *rate;
	volatile int	 *stopping;
	/* The user owning key and the id of their workspace named login:
	 * 0, or <0 when either is unknown / not theirs. *scopes: what the
	 * key may do (auth.h AUTH_* bits; 0 = everything), for a key added
	 * with a limited API key. */
	int		(*authorize)(const struct ssh_gw_env *,
			    const char *login, const ssh_key key, char *user,
			    size_t usersz, char *ws_id, size_t wsidsz,
			    unsigned *scopes);
};

enum chan_kind { CHAN_SESSION, CHAN_TCPIP };

struct conn;

/* A listener in the workspace (ssh-fwd.c): the agent socket of "ssh -A"
 * or the port of an "ssh -R"; its connections become channels that the
 * gateway opens to the client. */
struct fwd {
	struct fwd		*next;
	int			 kind;		/* SUP_FWD_AGENT, SUP_FWD_TCP */
	char			*host;		/* -R: as the client sent it */
	int			 port;		/* as asked (0: any) */
	int			 bport;		/* bound */
	struct proc		*l;		/* the listener (proc-sup.h) */
	int			 pfd;		/* fd in the event */
	int			 readable;
};

/* A connection made to a listener, for a channel to the client. */
struct fwd_conn {
	struct proc		*p;		/* its bytes (sup_take) */
	int			 kind;		/* SUP_FWD_* */
	char			*host;		/* -R: the listen address */
	int			 port;		/* and port */
	char			 peer[64];	/* who connected */
	int			 pport;
};

struct chan {
	struct conn		*c;
	struct chan		*next;
	ssh_channel		 ch;
	struct ssh_channel_callbacks_struct cb;
	enum chan_kind		 kind;
	int			 id;		/* per connection, for logs */
	struct proc		*p;
	int			 pfd;		/* fd in the event */
	short			 pev;		/* its events */
	int			 readable, writable;

	/* Requests before start. */
	int			 tty;
	unsigned		 rows, cols;
	char			*term;
	char			*env[16];
	int			 nenv;
	char			**argv;		/* by shell/exec/subsystem */
	char			*attach;	/* exec "attach TID": a task */
	int			 login_shell;	/* banner first */
	int			 agent;		/* auth-agent-req came */
	/* A channel the gateway opens (ssh-fwd.c): its kind until open. */
	int			 opening;	/* SUP_FWD_*, 0: open */
	char			*o_host, o_peer[64];
	int			 o_port, o_pport;
	int			 start_pending;
	int			 started;

	/* Workspace -> client and client -> workspace (pump.h), each
	 * through its own buffer; the peers are the process and the
	 * channel. */
	struct pump		 out, in;
	struct pump_peer	 proc_src, proc_dst, ch_src, ch_dst;
	uint8_t			 obuf[SSH_CHAN_BUF];
	uint8_t			 ibuf[SSH_CHAN_BUF];
	size_t			 pending_in;	/* held in libssh's buffer */
	int			 in_eof;	/* client sent EOF */

	int			 remote_closed;
	int			 finished;	/* exit status sent, closed */
	int			 dead;		/* reap */
	int64_t			 resize_rows, resize_cols;
	int			 resize_pending;
};

struct conn {
	const struct ssh_gw_env	*env;
	ssh_session		 s;
	ssh_event		 ev;
	char			 addr[64];	/* "127.0.0.1:50000" */
	char			 ip[48];
	char			 login[64];
	char			 ws_name[64];
	char			 user[40];
	char			 ws_id[40];
	/* "SSH_CONNECTION=client port server port", "SSH_CLIENT=..." */
	char			 env_connection[160];
	char			 env_client[140];
	int			 aliased;	/* the login name resolves */
	int			 authed;
	unsigned		 scopes;	/* AUTH_* bits, 0 = all */
	int			 tries;
	int			 ready;		/* workspace running */
	char			*container;
	char			*ws_user;	/* from the workspace spec */
	char			*ws_workdir;
	char			*ws_shell;
	struct chan		*chans;
	int			 nchans;
	struct fwd		*fwds;		/* ssh-fwd.c */
	int			 nfwds;
	char			*agent_sock;	/* SSH_AUTH_SOCK inside */
	int64_t			 ttl_check_ms;	/* next TTL warning check */
	int64_t			 ttl_warned;	/* the expiry warned of */
	int			 nchans_total;
	int64_t			 start_ms;
	int64_t			 last_touch_ms;
	uint64_t		 bytes_in, bytes_out;
	struct ssh_server_callbacks_struct scb;
};

/* Runs one connection on session s (already given its socket by
 * ssh_bind_accept_fd): key exchange, authentication, channels, until the
 * peer leaves, the grace time runs out or the gateway stops. *authed is
 * set when authentication succeeds (the watchdog stops timing it). */
void	 ssh_conn_run(const struct ssh_gw_env *, ssh_session s,
	    const char *addr, volatile int *authed);

/* ssh-chan.c */
ssh_channel	 chan_open_session(struct conn *);
/* Opens a channel to the client for a connection taken from a listener
 * (fwd_accept); takes over fc's process and host. */
void		 chan_open_fwd(struct conn *, struct fwd_conn *fc);
int		 chan_open_tcpip(struct conn *, ssh_message);
/* Moves data both ways for every channel, starts pending processes,
 * finishes exited ones and frees closed ones. */
void		 chan_pump_all(struct conn *);
/* Registers/unregisters process fds with the event as flow allows. */
void		 chan_update_fds(struct conn *);
void		 chan_free_all(struct conn *);
/* Channels open in all connections, for /metrics. */
int		 chan_count(void);

/* ssh-fwd.c: agent and remote forwarding. A tcpip-forward or
 * cancel-tcpip-forward request: 0 when answered, -1 to refuse it. */
int		 fwd_global(struct conn *, ssh_message);
/* The agent socket inside the workspace for a session that asked for
 * it (made once per connection); NULL when it cannot be. */
const char	*fwd_agent_sock(struct conn *, ssh_channel);
/* The next connection waiting at a listener that the poll found
 * readable, taken from the workspace: 1 with *fc, 0 when none is left. */
int		 fwd_accept(struct conn *, struct fwd_conn *fc);
void		 fwd_update_fds(struct conn *);
void		 fwd_free_all(struct conn *);

/* ssh-work.c, for ssh-conn.c and ssh-chan.c. Loads the authenticated
 * user's workspace settings (shell etc.). */
void		 conn_load(struct conn *);
/* Makes sure the workspace runs and its container is known; writes a note
 * on ch's stderr when it starts it. */
int		 conn_prepare(struct conn *, ssh_channel ch);
void		 conn_touch(struct conn *);
/* Writes a whole short message to ch's stderr (or stdout) now. */
void		 conn_note(ssh_channel ch, int is_stderr, const char *msg);
/* The welcome banner for an interactive login (malloc'ed). */
char		*conn_banner(struct conn *);
/* Writes the TTL warning (SPEC section 7) into the connection's pty
 * sessions once the workspace expires within 5 minutes. */
void		 conn_ttl_check(struct conn *);

#endif
