/* ssh-conn.c: one gateway connection on its own thread: key exchange,
 * public-key authentication (the key names the user, the login names one
 * of their workspaces), then the event loop that drives its channels.
 * Every wait is bounded; nothing here can stall another connection. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activity.h"
#include "app.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "ssh-conn.h"
#include "ssh-rate.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define TOUCH_EVERY_MS	60000
#define POLL_MS		250
#define PENALTY_MS	1000

/* A failed attempt: counts toward MaxAuthTries and the address's bucket;
 * over budget, the answer is slow and the connection's last. */
static void
auth_failed(struct conn *c, const char *login, const char *why)
{
	c->tries++;
	metrics_inc("berth_ssh_auth_failures_total", "SSH gateway "
	    "authentication failures");
	log_info("ssh auth failed from=%s login=%s reason=%s try=%d", c->addr,
	    login != NULL ? login : "", why, c->tries);
	if (c->env->rate != NULL &&
	    ssh_rate_fail(c->env->rate, c->ip, mono_ms())) {
		log_warn("ssh auth rate limited from=%s", c->ip);
		usleep(PENALTY_MS * 1000);
		c->tries = SSH_MAX_AUTH_TRIES;
	}
}

static int
auth_pubkey(ssh_session s, const char *login, struct ssh_key_struct *key,
    char sigstate, void *ud)
{
	struct conn *c = ud;
	char user[40], wsid[40];
	unsigned scopes = 0;

	if (c->authed || c->tries >= SSH_MAX_AUTH_TRIES || login == NULL)
		return SSH_AUTH_DENIED;
	if (sigstate != SSH_PUBLICKEY_STATE_NONE &&
	    sigstate != SSH_PUBLICKEY_STATE_VALID) {
		auth_failed(c, login, "bad signature");
		return SSH_AUTH_DENIED;
	}
	if (c->env->authorize(c->env, login, key, user, sizeof user, wsid,
	    sizeof wsid, &scopes) != 0) {
		auth_failed(c, login, "unknown key or workspace");
		return SSH_AUTH_DENIED;
	}
	/* The probe: say the key would do, without a signature yet. */
	if (sigstate == SSH_PUBLICKEY_STATE_NONE)
		return SSH_AUTH_SUCCESS;
	strlcpy_b(c->user, user, sizeof c->user);
	strlcpy_b(c->ws_id, wsid, sizeof c->ws_id);
	strlcpy_b(c->login, login, sizeof c->login);
	c->scopes = scopes;
	c->authed = 1;
	return SSH_AUTH_SUCCESS;
}

static ssh_channel
open_session(ssh_session s, void *ud)
{
	return chan_open_session(ud);
}

/* Whatever the server callbacks don't take: direct-tcpip opens (ssh -L),
 * remote forwards (ssh -R, ssh-fwd.c). Returning 1 makes libssh refuse
 * (x11, anything else). */
static int
on_message(ssh_session s, ssh_message m, void *ud)
{
	struct conn *c = ud;

	if (ssh_message_type(m) == SSH_REQUEST_CHANNEL_OPEN &&
	    ssh_message_subtype(m) == SSH_CHANNEL_DIRECT_TCPIP &&
	    chan_open_tcpip(c, m) == 0)
		return 0;
	if (ssh_message_type(m) == SSH_REQUEST_GLOBAL && c->authed &&
	    fwd_global(c, m) == 0)
		return 0;
	/* X11 is refused, and said so on the session's stderr (the client
	 * adds "X11 forwarding request failed"). */
	if (ssh_message_type(m) == SSH_REQUEST_CHANNEL &&
	    ssh_message_subtype(m) == SSH_CHANNEL_REQUEST_X11)
		conn_note(ssh_message_channel_request_channel(m), 1,
		    "berth: X11 forwarding is not available through the "
		    "gateway\r\n");
	return 1;
}

static int
session_closed(ssh_session s)
{
	return !ssh_is_connected(s) ||
	    (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

static void
conn_record(struct conn *c)
{
	struct db *db;
	char detail[256];

	snprintf(detail, sizeof detail, "from %s, %llds, %d channels, "
	    "%llu bytes in, %llu bytes out", c->addr,
	    (long long)((mono_ms() - c->start_ms) / 1000), c->nchans_total,
	    (unsigned long long)c->bytes_in,
	    (unsigned long long)c->bytes_out);
	log_info("ssh session end user=%s ws=%s %s", c->user, c->ws_id,
	    detail);
	metrics_observe("berth_ssh_session_seconds", "SSH gateway session "
	    "length, connect to disconnect", (double)(mono_ms() - c->start_ms) /
	    1000);
	if (c->env->app == NULL || (db = db_thread()) == NULL)
		return;
	db_event(db, c->user, "ssh.session", c->ws_id, "ok", detail);
}

/* SSH_CONNECTION and SSH_CLIENT as sshd sets them: addresses without
 * brackets, the client's then the gateway's. */
static void
conn_env_addrs(struct conn *c, const char *cport)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char sip[INET6_ADDRSTRLEN] = "0.0.0.0", cip[64];
	int sport = 0, fd = ssh_get_fd(c->s);
	size_t n;

	snprintf(cip, sizeof cip, "%s", c->ip);
	n = strlen(cip);
	if (n >= 2 && cip[0] == '[' && cip[n - 1] == ']') {
		memmove(cip, cip + 1, n - 2);
		cip[n - 2] = '\0';
	}
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, sip, sizeof sip);
			sport = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, sip, sizeof sip);
			sport = ntohs(a->sin6_port);
		}
	}
	snprintf(c->env_connection, sizeof c->env_connection,
	    "SSH_CONNECTION=%s %s %s %d", cip, cport, sip, sport);
	snprintf(c->env_client, sizeof c->env_client, "SSH_CLIENT=%s %s %d",
	    cip, cport, sport);
}

void
ssh_conn_run(const struct ssh_gw_env *env, ssh_session s, const char *addr,
    volatile int *authed)
{
	struct conn *c = xcalloc(1, sizeof *c);
	struct fwd_conn fc;
	const char *colon;
	int64_t deadline;
	int rc;

	c->env = env;
	c->s = s;
	c->start_ms = mono_ms();
	strlcpy_b(c->addr, addr, sizeof c->addr);
	/* "1.2.3.4:5" or "[::1]:5" -> the address alone. */
	colon = strrchr(addr, ':');
	snprintf(c->ip, sizeof c->ip, "%.*s",
	    colon != NULL ? (int)(colon - addr) : (int)strlen(addr), addr);
	conn_env_addrs(c, colon != NULL ? colon + 1 : "0");

	ssh_set_auth_methods(s, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_callbacks_init(&c->scb);
	c->scb.userdata = c;
	c->scb.auth_pubkey_function = auth_pubkey;
	c->scb.channel_open_request_session_function = open_session;
	ssh_set_server_callbacks(s, &c->scb);
	ssh_set_message_callback(s, on_message, c);

	if (ssh_handle_key_exchange(s) != SSH_OK) {
		log_debug("ssh kex failed from=%s: %s", c->addr,
		    ssh_get_error(s));
		goto out;
	}
	if ((c->ev = ssh_event_new()) == NULL ||
	    ssh_event_add_session(c->ev, s) != SSH_OK)
		goto out;
	deadline = c->start_ms + SSH_GRACE_MS;
	while (!c->authed) {
		if (*env->stopping || mono_ms() > deadline ||
		    c->tries >= SSH_MAX_AUTH_TRIES)
			goto out;
		rc = ssh_event_dopoll(c->ev, POLL_MS);
		if (session_closed(s) || (rc == SSH_ERROR && !c->authed))
			goto out;
	}
	*authed = 1;
	if (env->rate != NULL)
		ssh_rate_leave(env->rate, c->ip);
	log_info("ssh login user=%s ws=%s login=%s from=%s", c->user,
	    c->ws_id, c->login, c->addr);
	metrics_inc("berth_ssh_logins_total", "SSH gateway logins");
	metrics_observe("berth_ssh_login_seconds", "SSH gateway connect to "
	    "authenticated", (double)(mono_ms() - c->start_ms) / 1000);
	conn_load(c);
	conn_touch(c);
	/* An open connection is activity, channels or not (ssh -N -L). */
	if (env->app != NULL)
		ws_activity_hold(c->ws_id, "ssh");
	ssh_set_blocking(s, 0);
	while (!*env->stopping) {
		chan_update_fds(c);
		fwd_update_fds(c);
		rc = ssh_event_dopoll(c->ev, POLL_MS);
		while (fwd_accept(c, &fc) == 1)
			chan_open_fwd(c, &fc);
		chan_pump_all(c);
		if (session_closed(s) || rc == SSH_ERROR)
			break;
		if (c->nchans > 0 &&
		    mono_ms() - c->last_touch_ms > TOUCH_EVERY_MS)
			conn_touch(c);
		if (c->ttl_check_ms != 0 && mono_ms() >= c->ttl_check_ms)
			conn_ttl_check(c);
	}
	conn_record(c);
	if (env->app != NULL)
		ws_activity_release(c->ws_id, "ssh");
out:
	chan_free_all(c);
	fwd_free_all(c);
	if (c->ev != NULL) {
		ssh_event_remove_session(c->ev, s);
		ssh_event_free(c->ev);
	}
	free(c->container);
	free(c->ws_user);
	free(c->ws_workdir);
	free(c->ws_shell);
	free(c);
}
