/* ssh-fwd.c: agent forwarding ("ssh -A") and remote forwarding ("ssh -R")
 * through the gateway. Both are listeners inside the workspace made by
 * berth-sup as the workspace user (proc-sup.h's sup_listen): the agent
 * socket, mode 0600 in a private directory, whose path a session that
 * sent auth-agent-req@openssh.com gets as SSH_AUTH_SOCK; and a port on
 * the workspace's loopback for each tcpip-forward request. Each
 * connection made there is taken (sup_take) as a process whose stdio
 * is that connection (fwd_accept); ssh-conn.c hands it to ssh-chan.c,
 * which opens a channel for it to the client (auth-agent@openssh.com or
 * forwarded-tcpip) and pumps it like any other. Runs on its connection's
 * thread only. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "err.h"
#include "log.h"
#include "proc-sup.h"
#include "proc.h"
#include "ssh-conn.h"
#include "sup-frame.h"
#include "sup-host.h"
#include "xmalloc.h"

#define FWD_MAX		16	/* listeners per connection */

static void
fwd_free(struct conn *c, struct fwd *f)
{
	if (f->pfd >= 0)
		ssh_event_remove_fd(c->ev, f->pfd);
	proc_free(f->l);
	free(f->host);
	free(f);
	c->nfwds--;
}

/* Makes a listener of kind in the workspace: 0, or <0 with err_msg(). */
static int
fwd_listen(struct conn *c, int kind, const char *host, int port,
    struct fwd **fp, char *where, size_t wsz)
{
	struct fwd *f;
	struct proc *l = NULL;
	char *dir;
	int r, bport = 0;

	*fp = NULL;
	if (c->env->app == NULL)
		return err_set(ERR_BACKEND, "no workspaces here");
	if (c->nfwds >= FWD_MAX)
		return err_set(ERR_QUOTA, "at most %d forwards a connection",
		    FWD_MAX);
	if ((r = conn_prepare(c, NULL)) != 0)
		return r;
	dir = sup_host_dir(c->ws_id);
	r = sup_listen(dir, kind, host, port, &l, where, wsz, &bport);
	free(dir);
	if (r > 0)
		return err_set(ERR_UNSAT, "this workspace has no supervisor "
		    "(berth-sup), which forwarding needs");
	if (r != 0)
		return r;
	f = xcalloc(1, sizeof *f);
	f->kind = kind;
	f->host = xstrdup(host);
	f->port = port;
	f->bport = bport;
	f->l = l;
	f->pfd = -1;
	f->next = c->fwds;
	c->fwds = f;
	c->nfwds++;
	*fp = f;
	return 0;
}

/* "localhost", "127.0.0.1", "::1", or "" / "*" / "0.0.0.0" (all
 * addresses: the workspace's loopback is all it gets). */
static const char *
bind_host(const char *h)
{
	if (h != NULL && (strcmp(h, "::1") == 0 || strcmp(h, "[::1]") == 0))
		return "::1";
	return "127.0.0.1";
}

int
fwd_global(struct conn *c, ssh_message m)
{
	const char *host = ssh_message_global_request_address(m);
	int port = ssh_message_global_request_port(m);
	struct fwd *f, **fp;
	char where[128];

	if (host == NULL)
		host = "";
	if (port < 0 || port > 65535)
		return -1;
	switch (ssh_message_subtype(m)) {
	case SSH_GLOBAL_REQUEST_TCPIP_FORWARD:
		/* A key limited to files may not listen inside (auth.h). */
		if (c->scopes != 0 && !(c->scopes & AUTH_EXEC)) {
			log_info("ssh remote forward refused user=%s ws=%s: "
			    "the key's scopes lack exec", c->user, c->ws_id);
			return -1;
		}
		if (fwd_listen(c, SUP_FWD_TCP, bind_host(host), port, &f,
		    where, sizeof where) != 0) {
			log_info("ssh remote forward refused user=%s ws=%s "
			    "port=%d: %s", c->user, c->ws_id, port, err_msg());
			return -1;
		}
		free(f->host);
		f->host = xstrdup(host);	/* echoed back on each open */
		log_info("ssh remote forward user=%s ws=%s %s:%d", c->user,
		    c->ws_id, where, f->bport);
		ssh_message_global_request_reply_success(m,
		    (uint16_t)f->bport);
		return 0;
	case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
		for (fp = &c->fwds; (f = *fp) != NULL; fp = &f->next) {
			if (f->kind == SUP_FWD_TCP && strcmp(f->host,
			    host) == 0 && (f->bport == port ||
			    f->port == port)) {
				*fp = f->next;
				fwd_free(c, f);
				ssh_message_global_request_reply_success(m, 0);
				return 0;
			}
		}
		return -1;
	default:
		return -1;
	}
}

const char *
fwd_agent_sock(struct conn *c, ssh_channel ch)
{
	struct fwd *f;
	char where[128], *msg;

	if (c->agent_sock != NULL)
		return c->agent_sock;
	if (fwd_listen(c, SUP_FWD_AGENT, "", 0, &f, where,
	    sizeof where) != 0) {
		log_info("ssh agent forwarding user=%s ws=%s: %s", c->user,
		    c->ws_id, err_msg());
		msg = xasprintf("berth: no agent forwarding: %s\r\n",
		    err_msg());
		conn_note(ch, 1, msg);
		free(msg);
		return NULL;
	}
	c->agent_sock = xstrdup(where);
	log_debug("ssh agent socket user=%s ws=%s at %s", c->user, c->ws_id,
	    where);
	return c->agent_sock;
}

/* The next connection waiting at f, taken: 1 with *fc, 0 when none
 * waits, -1 when the listener is gone. */
static int
fwd_take(struct conn *c, struct fwd *f, struct fwd_conn *fc)
{
	struct proc *p;
	uint64_t id;
	char peer[64], *dir;
	int r, pport;

	while ((r = sup_incoming(f->l, &id, peer, sizeof peer, &pport)) > 0) {
		if (c->nchans >= SSH_MAX_CHANNELS)
			continue;	/* not taken: closed in 10 s */
		dir = sup_host_dir(c->ws_id);
		r = sup_take(dir, SUP_ATTACH, id, &p);
		free(dir);
		if (r != 0) {
			log_debug("ssh forward: attach: %s", err_msg());
			continue;
		}
		memset(fc, 0, sizeof *fc);
		fc->p = p;
		fc->kind = f->kind;
		fc->host = xstrdup(f->host);
		fc->port = f->bport;
		snprintf(fc->peer, sizeof fc->peer, "%s", *peer != '\0' ?
		    peer : "127.0.0.1");
		fc->pport = pport;
		return 1;
	}
	return r < 0 ? -1 : 0;
}

int
fwd_accept(struct conn *c, struct fwd_conn *fc)
{
	struct fwd **fp, *f;
	int r;

	for (fp = &c->fwds; (f = *fp) != NULL;) {
		if (!f->readable) {
			fp = &f->next;
			continue;
		}
		if ((r = fwd_take(c, f, fc)) > 0)
			return 1;	/* f stays readable: more may wait */
		f->readable = 0;
		if (r < 0) {
			log_info("ssh forward listener gone user=%s ws=%s: %s",
			    c->user, c->ws_id, err_msg());
			*fp = f->next;
			if (f->kind == SUP_FWD_AGENT) {
				free(c->agent_sock);
				c->agent_sock = NULL;
			}
			fwd_free(c, f);
			continue;
		}
		fp = &f->next;
	}
	return 0;
}

static int
on_fd(socket_t fd, int revents, void *ud)
{
	struct fwd *f = ud;

	f->readable = 1;
	return 0;
}

void
fwd_update_fds(struct conn *c)
{
	struct fwd *f;

	for (f = c->fwds; f != NULL; f = f->next) {
		if (f->pfd >= 0)
			continue;
		if (ssh_event_add_fd(c->ev, proc_fd(f->l), POLLIN, on_fd, f) ==
		    SSH_OK)
			f->pfd = proc_fd(f->l);
	}
}

void
fwd_free_all(struct conn *c)
{
	struct fwd *f;

	while ((f = c->fwds) != NULL) {
		c->fwds = f->next;
		fwd_free(c, f);
	}
	free(c->agent_sock);
	c->agent_sock = NULL;
}
