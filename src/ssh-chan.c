/* ssh-chan.c: the gateway's channels: session channels (pty, env, shell,
 * exec, sftp) and direct-tcpip, each piped to a process in the workspace
 * through proc.h, with flow control both ways (two pumps, pump.h). Runs
 * on its connection's thread only.
 *
 * libssh calls the callbacks below from inside ssh_event_dopoll(), and
 * re-enters them from inside its own calls, so they only record what was
 * asked; all I/O happens in chan_pump_all() after each poll. Output is
 * read from the process no faster than the client's window allows, and
 * client data stays in libssh's buffer (counted against our window) until
 * the process takes it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "err.h"
#include "log.h"
#include "proc.h"
#include "sup-frame.h"
#include "sup-host.h"
#include "ssh-conn.h"
#include "task.h"
#include "timeutil.h"
#include "xmalloc.h"

#define PROC_WAIT_MS	5000

/* The image's login shell, or the first of bash and sh. */
static const char shell_script[] =
    "for s in /bin/bash /bin/sh; do "
    "[ -x \"$s\" ] && exec \"$s\" -l; done; "
    "echo 'berth: no shell in this workspace' >&2; exit 127";

/* Runs "$@" with the environment sshd gives a session: USER and LOGNAME
 * (the process's user), HOME and SHELL (its passwd entry, unless SHELL
 * came set: the workspace's own shell), SSH_TTY on a pty; SSH_CONNECTION
 * and SSH_CLIENT come in the exec's env, PATH from the image. */
static const char session_script[] =
    "u=$(id -un 2>/dev/null) && export USER=\"$u\" LOGNAME=\"$u\"; "
    "if [ -n \"$u\" ] && [ -r /etc/passwd ]; then "
    "while IFS=: read -r n _ _ _ _ d sh; do "
    "if [ \"$n\" = \"$u\" ]; then [ -n \"$d\" ] && export HOME=\"$d\"; "
    "[ -n \"$SHELL\" ] || SHELL=$sh; break; fi; done </etc/passwd; fi; "
    "export SHELL=\"${SHELL:-/bin/sh}\"; "
    "export PATH=\"${PATH:-/usr/local/bin:/usr/bin:/bin}\"; "
    "if [ -t 0 ]; then t=$(tty 2>/dev/null) && export SSH_TTY=\"$t\"; fi; "
    "unset u n d sh t; exec \"$@\"";

/* The image's sftp-server, wherever the distribution put it. */
static const char sftp_script[] =
    "for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server "
    "/usr/lib/ssh/sftp-server /usr/libexec/sftp-server "
    "/usr/lib/sftp-server; do [ -x \"$p\" ] && exec \"$p\"; done; "
    "echo 'berth: no sftp-server in this workspace' >&2; exit 127";

/* A byte relay to 127.0.0.1:$2 (or [::1] when $1 is 6) with whatever the
 * image has: socat, nc, busybox nc, or bash's /dev/tcp. First, as sshd
 * connects before it answers a channel open, it looks for a listening
 * socket there (in /proc/net/tcp and tcp6, state 0A, without connecting)
 * and says RELAY_OK on stderr when there is one, or why not and exits 1;
 * the gateway answers the open only then (relay_wait()). */
#define RELAY_OK	"berth-relay-ok"
#define RELAY_WAIT_MS	10000

/* Channels open in all connections (any thread). */
static int chans_open;

static const char relay_script[] =
    "h=127.0.0.1; [ \"$1\" = 6 ] && h=::1; p=$2; "
    "x=$(printf '%04X' \"$p\"); "
    "if [ \"$1\" = 6 ]; then a6='(0{32}|0{24}01000000)'; a4=; "
    "else a6='(0{32}|0{16}FFFF00000100007F)'; a4='(0100007F|00000000)'; "
    "fi; ok=; [ -r /proc/net/tcp ] || ok=1; "
    "grep -qiE \"^ *[0-9]+: $a6:$x [0-9A-F]+:[0-9A-F]+ 0A \" "
    "/proc/net/tcp6 2>/dev/null && ok=1; "
    "[ -n \"$a4\" ] && grep -qiE \"^ *[0-9]+: $a4:$x [0-9A-F]+:[0-9A-F]+ "
    "0A \" /proc/net/tcp 2>/dev/null && ok=1; "
    "if [ -z \"$ok\" ]; then "
    "echo 'connect failed: Connection refused' >&2; exit 1; fi; "
    "echo " RELAY_OK " >&2; "
    "if command -v socat >/dev/null 2>&1; then "
    "exec socat - \"TCP:$h:$p\"; fi; "
    "if command -v nc >/dev/null 2>&1; then exec nc \"$h\" \"$p\"; fi; "
    "if command -v busybox >/dev/null 2>&1; then "
    "exec busybox nc \"$h\" \"$p\"; fi; "
    "if command -v bash >/dev/null 2>&1; then "
    "exec bash -c 'exec 3<>\"/dev/tcp/$0/$1\" || exit 1; "
    "cat <&3 & cat >&3; wait' \"$h\" \"$p\"; fi; "
    "echo 'berth: no socat, nc or bash in this workspace' >&2; exit 127";

static const struct {
	const char	*name;
	int		 sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "ABRT", SIGABRT }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },
};

/* A malloc'ed copy of the NULL-terminated vector in. */
static char **
argv_dup(const char *const *in)
{
	char **av;
	size_t i, n;

	for (n = 0; in[n] != NULL; n++)
		;
	av = xcalloc(n + 1, sizeof *av);
	for (i = 0; i < n; i++)
		av[i] = xstrdup(in[i]);
	return av;
}

static void
argv_free(char **av)
{
	size_t i;

	if (av == NULL)
		return;
	for (i = 0; av[i] != NULL; i++)
		free(av[i]);
	free(av);
}

static int
on_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *ud)
{
	struct chan *k = ud;

	if (is_stderr)
		return (int)len;	/* clients don't send stderr; drop it */
	/* Leave it in libssh's buffer; chan_pump() moves it when the
	 * process can take it. len is all that is buffered now. */
	k->pending_in = len;
	return 0;
}

static void
on_eof(ssh_session s, ssh_channel ch, void *ud)
{
	struct chan *k = ud;

	k->in_eof = 1;
}

static void
on_close(ssh_session s, ssh_channel ch, void *ud)
{
	struct chan *k = ud;

	k->remote_closed = 1;
}

static void
on_signal(ssh_session s, ssh_channel ch, const char *sig, void *ud)
{
	struct chan *k = ud;
	size_t i;

	if (k->p == NULL || sig == NULL)
		return;
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		if (strcmp(sig, signals[i].name) == 0) {
			proc_signal(k->p, signals[i].sig);
			return;
		}
	}
}

static int
printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static unsigned
clamp_dim(int v, unsigned dflt)
{
	if (v <= 0)
		return dflt;
	return v > 1000 ? 1000 : (unsigned)v;
}

static int
on_pty(ssh_session s, ssh_channel ch, const char *term, int cols, int rows,
    int px, int py, void *ud)
{
	struct chan *k = ud;

	if (k->argv != NULL || k->tty)
		return -1;
	k->tty = 1;
	k->cols = clamp_dim(cols, 80);
	k->rows = clamp_dim(rows, 24);
	free(k->term);
	k->term = NULL;
	if (term != NULL && *term != '\0' && printable(term, 64))
		k->term = xstrdup(term);
	return 0;
}

static int
on_winch(ssh_session s, ssh_channel ch, int cols, int rows, int px, int py,
    void *ud)
{
	struct chan *k = ud;

	k->cols = clamp_dim(cols, 80);
	k->rows = clamp_dim(rows, 24);
	k->resize_pending = 1;
	return 0;
}

static int
env_allowed(const char *name)
{
	return strcmp(name, "LANG") == 0 || strcmp(name, "TERM") == 0 ||
	    strncmp(name, "LC_", 3) == 0;
}

static int
on_env(ssh_session s, ssh_channel ch, const char *name, const char *value,
    void *ud)
{
	struct chan *k = ud;

	if (name == NULL || value == NULL || !env_allowed(name) ||
	    !printable(name, 64) || !printable(value, 256) ||
	    strchr(name, '=') != NULL || k->argv != NULL ||
	    k->nenv >= (int)(sizeof k->env / sizeof k->env[0]))
		return -1;
	k->env[k->nenv++] = xasprintf("%s=%s", name, value);
	return 0;
}

/* 1 when the connection's key may do scope (auth.h); says why not. */
static int
chan_scope_ok(struct conn *c, ssh_channel ch, unsigned scope)
{
	if (c->scopes == 0 || (c->scopes & scope) == scope)
		return 1;
	log_info("ssh refused user=%s ws=%s: the key's scopes (%s) lack %s",
	    c->user, c->ws_id, auth_scope_str(c->scopes),
	    auth_scope_str(scope));
	conn_note(ch, 1, scope == AUTH_FILES ? "berth: this key's scopes do "
	    "not include files\r\n" : "berth: this key's scopes do not "
	    "include exec\r\n");
	return 0;
}

/* 1 for the commands scp and rsync run on the far side ("scp -t",
 * "scp -f", "rsync --server"): a file copy, not a shell. */
static int
cmd_is_copy(const char *cmd)
{
	return strncmp(cmd, "scp ", 4) == 0 || strncmp(cmd, "rsync --server",
	    14) == 0;
}

static int
set_command(struct chan *k, char **argv, int login)
{
	if (k->argv != NULL || k->c->env->app == NULL) {
		argv_free(argv);
		return -1;
	}
	k->argv = argv;
	k->login_shell = login;
	k->start_pending = 1;
	return 0;
}

/* ssh -A: the session gets SSH_AUTH_SOCK (ssh-fwd.c) when it starts. */
static void
on_agent_req(ssh_session s, ssh_channel ch, void *ud)
{
	struct chan *k = ud;

	if (k->argv == NULL)
		k->agent = 1;
}

static int
on_shell(ssh_session s, ssh_channel ch, void *ud)
{
	struct chan *k = ud;
	struct conn *c = k->c;
	const char *login[] = { c->ws_shell, "-l", NULL };
	const char *dflt[] = { "/bin/sh", "-c", shell_script, NULL };

	if (!chan_scope_ok(c, ch, AUTH_EXEC))
		return -1;
	if (c->ws_shell != NULL && *c->ws_shell != '\0')
		return set_command(k, argv_dup(login), k->tty);
	return set_command(k, argv_dup(dflt), k->tty);
}

static int
on_exec(ssh_session s, ssh_channel ch, const char *cmd, void *ud)
{
	struct chan *k = ud;

	const char *av[] = { "/bin/sh", "-c", cmd, NULL };
	size_t n;

	if (cmd == NULL)
		return -1;
	/* scp and rsync run as commands: they need files, the rest exec. */
	if (!chan_scope_ok(k->c, ch, cmd_is_copy(cmd) ? AUTH_FILES :
	    AUTH_EXEC))
		return -1;
	/* "attach TID": a viewer of that task (docs/tasks.md). */
	if (strncmp(cmd, "attach ", 7) == 0 && k->attach == NULL) {
		const char *t = cmd + 7;

		while (*t == ' ')
			t++;
		n = strcspn(t, " \t\r\n");
		if (n > 0 && n <= 64 && t[n + strspn(t + n, " \t\r\n")] ==
		    '\0' && strspn(t, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n)
			k->attach = xstrndup(t, n);
	}
	return set_command(k, argv_dup(av), 0);
}

static int
on_subsystem(ssh_session s, ssh_channel ch, const char *name, void *ud)
{
	struct chan *k = ud;

	const char *av[] = { "/bin/sh", "-c", sftp_script, NULL };

	if (name == NULL || strcmp(name, "sftp") != 0 ||
	    !chan_scope_ok(k->c, ch, AUTH_FILES))
		return -1;
	return set_command(k, argv_dup(av), 0);
}

/* The process's side of the pumps (proc.h). */
static ssize_t
proc_src_read(void *ctx, int *stream, void *buf, size_t len)
{
	struct chan *k = ctx;
	ssize_t n;

	n = proc_read(k->p, stream, buf, len);
	if (n == ERR_AGAIN)
		k->readable = 0;
	else if (n < 0)
		log_debug("ssh channel %d read: %s", k->id, err_msg());
	return n;
}

static ssize_t
proc_dst_write(void *ctx, int stream, const void *buf, size_t len)
{
	struct chan *k = ctx;
	ssize_t n;

	n = proc_write(k->p, buf, len);
	if (n == ERR_AGAIN || n == 0) {
		k->writable = 0;
		return ERR_AGAIN;
	}
	if (n > 0)
		k->c->bytes_in += (uint64_t)n;
	return n;	/* <0: the process stopped reading; input is dropped */
}

static void
proc_dst_eof(void *ctx)
{
	struct chan *k = ctx;

	/* On a pty, EOF ends only the client's input, as with sshd (it
	 * closes its own copy of the pty master; the process sees
	 * nothing). Closing the process's stdin would make the engine close the
	 * tty's output too, and what the process still prints would be
	 * lost. */
	if (!k->tty)
		proc_close_stdin(k->p);
}

/* The client's side: the channel's window, stdout or stderr data. */
static size_t
ch_window(void *ctx)
{
	struct chan *k = ctx;

	return ssh_channel_window_size(k->ch);
}

static ssize_t
ch_write(void *ctx, int stream, const void *buf, size_t len)
{
	struct chan *k = ctx;
	int w;

	if (stream == PROC_STDERR && k->kind == CHAN_TCPIP) {
		/* The relay's complaints are not the connection's bytes. */
		log_debug("ssh channel %d relay: %.*s", k->id, (int)(len > 200 ?
		    200 : len), (const char *)buf);
		return (ssize_t)len;
	}
	if (stream == PROC_STDERR)
		w = ssh_channel_write_stderr(k->ch, buf, (uint32_t)len);
	else
		w = ssh_channel_write(k->ch, buf, (uint32_t)len);
	if (w < 0)
		return ERR_EOF;		/* the channel is gone on the client */
	k->c->bytes_out += (uint64_t)w;
	return w;			/* 0: key re-exchange, later */
}

/* Client data stays in libssh's buffer (counted against our window)
 * until the process can take it. */
static ssize_t
ch_read(void *ctx, int *stream, void *buf, size_t len)
{
	struct chan *k = ctx;
	size_t want;
	int rd;

	*stream = PROC_STDOUT;
	if (k->pending_in > 0) {
		want = k->pending_in < len ? k->pending_in : len;
		/* Data is known to be buffered, so this does not poll (and
		 * so does not re-enter us). */
		rd = ssh_channel_read_nonblocking(k->ch, buf, (uint32_t)want,
		    0);
		if (rd > 0) {
			k->pending_in -= (size_t)rd > k->pending_in ?
			    k->pending_in : (size_t)rd;
			return rd;
		}
		k->pending_in = 0;
	}
	return k->in_eof ? 0 : ERR_AGAIN;
}

/* Sets up both pumps once the process runs: input after the process
 * stopped reading is consumed and dropped, so the client's window does
 * not stall the channel; output stops when the channel is gone. */
static void
chan_pumps_init(struct chan *k)
{
	k->proc_src = (struct pump_peer){ .ctx = k, .read = proc_src_read };
	k->proc_dst = (struct pump_peer){ .ctx = k, .write = proc_dst_write,
	    .eof = proc_dst_eof };
	k->ch_src = (struct pump_peer){ .ctx = k, .read = ch_read };
	k->ch_dst = (struct pump_peer){ .ctx = k, .window = ch_window,
	    .write = ch_write };
	pump_init(&k->out, &k->proc_src, &k->ch_dst, k->obuf, sizeof k->obuf,
	    PUMP_STOP);
	pump_init(&k->in, &k->ch_src, &k->proc_dst, k->ibuf, sizeof k->ibuf,
	    PUMP_DRAIN);
}

static struct chan *
chan_new(struct conn *c, ssh_channel ch, enum chan_kind kind)
{
	struct chan *k = xcalloc(1, sizeof *k);

	k->c = c;
	k->ch = ch;
	k->kind = kind;
	k->id = c->nchans_total++;
	k->pfd = -1;
	k->rows = 24;
	k->cols = 80;
	ssh_callbacks_init(&k->cb);
	k->cb.userdata = k;
	k->cb.channel_data_function = on_data;
	k->cb.channel_eof_function = on_eof;
	k->cb.channel_close_function = on_close;
	k->cb.channel_signal_function = on_signal;
	if (kind == CHAN_SESSION) {
		k->cb.channel_pty_request_function = on_pty;
		k->cb.channel_pty_window_change_function = on_winch;
		k->cb.channel_env_request_function = on_env;
		k->cb.channel_shell_request_function = on_shell;
		k->cb.channel_exec_request_function = on_exec;
		k->cb.channel_subsystem_request_function = on_subsystem;
		k->cb.channel_auth_agent_req_function = on_agent_req;
	}
	/* Set inside the open callback: later would race the requests. */
	ssh_set_channel_callbacks(ch, &k->cb);
	k->next = c->chans;
	c->chans = k;
	c->nchans++;
	__atomic_add_fetch(&chans_open, 1, __ATOMIC_RELAXED);
	return k;
}

ssh_channel
chan_open_session(struct conn *c)
{
	ssh_channel ch;

	if (!c->authed || c->nchans >= SSH_MAX_CHANNELS)
		return NULL;
	if ((ch = ssh_channel_new(c->s)) == NULL)
		return NULL;
	chan_new(c, ch, CHAN_SESSION);
	return ch;
}

/* Waits for the relay's verdict: 0 once it found a listener (RELAY_OK on
 * its stderr), else <0 with why in why (its stderr, or the wait). */
static int
relay_wait(struct proc *p, char *why, size_t whysz)
{
	int64_t deadline = mono_ms() + RELAY_WAIT_MS, left;
	struct pollfd pfd;
	char b[256];
	ssize_t n;
	int st;

	snprintf(why, whysz, "the relay ended");
	proc_set_nonblock(p, 1);
	for (;;) {
		n = proc_read(p, &st, b, sizeof b - 1);
		if (n > 0) {
			b[n] = '\0';
			if (st != PROC_STDERR)
				continue;	/* nothing comes before it */
			if (strstr(b, RELAY_OK) != NULL)
				return 0;
			b[strcspn(b, "\r\n")] = '\0';
			snprintf(why, whysz, "%.100s", b);
			continue;
		}
		if (n != ERR_AGAIN)
			return ERR_EOF;
		if ((left = deadline - mono_ms()) <= 0) {
			snprintf(why, whysz, "no answer from the relay");
			return ERR_TIMEOUT;
		}
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		poll(&pfd, 1, (int)left);
	}
}

/* A direct-tcpip open (ssh -L, -D, -W): the relay is started, and the
 * open accepted, only when something listens there; refused otherwise, as
 * sshd refuses it when its connect fails. */
int
chan_open_tcpip(struct conn *c, ssh_message m)
{
	const char *host = ssh_message_channel_request_open_destination(m);
	int port = ssh_message_channel_request_open_destination_port(m);
	struct proc_spec ps;
	struct proc *p = NULL;
	const char *fam;
	char pbuf[16], why[160];
	struct chan *k;
	ssh_channel ch;

	if (!c->authed || c->nchans >= SSH_MAX_CHANNELS ||
	    c->env->app == NULL || host == NULL || port < 1 || port > 65535)
		return -1;
	/* A forward reaches a server inside: exec's reach. */
	if (!chan_scope_ok(c, NULL, AUTH_EXEC))
		return -1;
	/* Only the workspace's own loopback: never a hop elsewhere. */
	if (strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0)
		fam = "4";
	else if (strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0)
		fam = "6";
	else {
		log_info("ssh forward refused user=%s to=%s:%d", c->user, host,
		    port);
		return -1;
	}
	snprintf(pbuf, sizeof pbuf, "%d", port);
	{
		const char *av[] = { "/bin/sh", "-c", relay_script,
		    "berth-relay", fam, pbuf, NULL };
		char *supdir;
		int r;

		/* conn_prepare() renews c's workspace settings first. */
		if ((r = conn_prepare(c, NULL)) == 0) {
			memset(&ps, 0, sizeof ps);
			ps.argv = av;
			ps.workdir = c->ws_workdir;
			ps.user = c->ws_user;
			ps.attach_stdin = 1;
			/* berth-sup when the workspace has it (proc.h) */
			ps.sup_dir = supdir = sup_host_dir(c->ws_id);
			r = proc_start(c->env->app->rt, c->container, &ps, &p);
			free(supdir);
		}
		if (r != 0) {
			log_warn("ssh forward user=%s to=%s:%d: %s", c->user,
			    host, port, err_msg());
			return -1;
		}
	}
	if (relay_wait(p, why, sizeof why) != 0) {
		log_info("ssh forward user=%s to=%s:%d: %s", c->user, host,
		    port, why);
		proc_free(p);
		return -1;
	}
	if ((ch = ssh_message_channel_request_open_reply_accept(m)) == NULL) {
		proc_free(p);
		return -1;
	}
	k = chan_new(c, ch, CHAN_TCPIP);
	k->p = p;
	chan_pumps_init(k);
	k->started = 1;
	conn_touch(c);
	log_debug("ssh forward user=%s to=%s:%d", c->user, host, port);
	return 0;
}

void
chan_open_fwd(struct conn *c, struct fwd_conn *fc)
{
	struct chan *k;
	ssh_channel ch;

	if (c->nchans >= SSH_MAX_CHANNELS ||
	    (ch = ssh_channel_new(c->s)) == NULL) {
		proc_free(fc->p);
		free(fc->host);
		return;
	}
	k = chan_new(c, ch, CHAN_TCPIP);
	k->p = fc->p;
	k->opening = fc->kind;
	k->o_host = fc->host;
	k->o_port = fc->port;
	snprintf(k->o_peer, sizeof k->o_peer, "%s", fc->peer);
	k->o_pport = fc->pport;
}

/* Goes on opening k to the client: 0 once open, 1 while pending, -1
 * when refused. */
static int
chan_open_step(struct chan *k)
{
	int r;

	if (k->opening == SUP_FWD_AGENT)
		r = ssh_channel_open_auth_agent(k->ch);
	else
		r = ssh_channel_open_reverse_forward(k->ch, k->o_host,
		    k->o_port, k->o_peer, k->o_pport);
	if (r == SSH_AGAIN)
		return 1;
	if (r != SSH_OK) {
		log_debug("ssh %s channel refused by the client: %s",
		    k->opening == SUP_FWD_AGENT ? "agent" : "forwarded-tcpip",
		    ssh_get_error(k->c->s));
		return -1;
	}
	k->opening = 0;
	return 0;
}

/* Ends a channel: exit status (and signal), EOF, close. */
static void
chan_finish(struct chan *k, int status, int send_status)
{
	size_t i;

	if (k->finished)
		return;
	k->finished = 1;
	if (k->remote_closed)
		return;
	if (send_status && k->kind == CHAN_SESSION) {
		ssh_channel_request_send_exit_status(k->ch, status);
		if (status > 128 && k->p != NULL) {
			for (i = 0; i < sizeof signals / sizeof signals[0];
			    i++) {
				/* A shell can't exit 137 by being KILLed
				 * itself; send the signal only for that. */
				if (signals[i].sig == status - 128 &&
				    signals[i].sig == SIGKILL)
					ssh_channel_request_send_exit_signal(
					    k->ch, signals[i].name, 0, "", "");
			}
		}
	}
	ssh_channel_send_eof(k->ch);
	ssh_channel_close(k->ch);
}

/* argv run through session_script (the vector is malloc'ed, its strings
 * are argv's). */
static const char **
session_argv(char **argv)
{
	const char **av;
	size_t n, i;

	for (n = 0; argv[n] != NULL; n++)
		;
	av = xcalloc(n + 5, sizeof *av);
	av[0] = "/bin/sh";
	av[1] = "-c";
	av[2] = session_script;
	av[3] = "berth-session";
	for (i = 0; i < n; i++)
		av[4 + i] = argv[i];
	return av;
}

/* Starts the channel's process; on failure tells the client why. */
static void
chan_start(struct chan *k)
{
	struct conn *c = k->c;
	struct proc_spec ps;
	const char *envp[24], **argv = NULL;
	char *term = NULL, *shellenv = NULL, *agentenv = NULL, *banner;
	char *supdir;
	const char *sock;
	int r, i, n = 0, has_term = 0;

	k->start_pending = 0;
	if ((r = conn_prepare(c, k->ch)) != 0)
		goto fail;
	if (k->attach != NULL) {
		struct db *db = db_thread();

		r = db == NULL ? err_set(ERR_INTERNAL, "store unavailable") :
		    task_attach(db, c->ws_id, k->attach, k->rows, k->cols,
		    &k->p);
		if (r != 0)
			goto fail;
		goto started;
	}
	for (i = 0; i < k->nenv; i++) {
		if (strncmp(k->env[i], "TERM=", 5) == 0) {
			if (k->tty && k->term != NULL)
				continue;	/* pty-req's TERM wins */
			has_term = 1;
		}
		envp[n++] = k->env[i];
	}
	if (k->tty && !has_term) {
		term = xasprintf("TERM=%s", k->term != NULL ? k->term :
		    "xterm");
		envp[n++] = term;
	}
	if (k->kind == CHAN_SESSION) {
		envp[n++] = c->env_connection;
		envp[n++] = c->env_client;
		if (c->ws_shell != NULL && *c->ws_shell == '/')
			envp[n++] = shellenv = xasprintf("SHELL=%s",
			    c->ws_shell);
		argv = session_argv(k->argv);
		if (k->agent && (sock = fwd_agent_sock(c, k->ch)) != NULL)
			envp[n++] = agentenv = xasprintf("SSH_AUTH_SOCK=%s",
			    sock);
	}
	envp[n] = NULL;
	memset(&ps, 0, sizeof ps);
	ps.argv = argv != NULL ? (const char *const *)argv :
	    (const char *const *)k->argv;
	ps.env = envp;
	ps.workdir = c->ws_workdir;
	ps.user = c->ws_user;
	ps.tty = k->tty;
	ps.rows = k->rows;
	ps.cols = k->cols;
	ps.attach_stdin = 1;
	if (k->login_shell && k->tty) {
		if ((banner = conn_banner(c)) != NULL) {
			conn_note(k->ch, 0, banner);
			free(banner);
		}
	}
	/* Through berth-sup when the workspace has it (proc.h): the session's
	 * processes then end with the connection, even if berthd dies. */
	ps.sup_dir = supdir = sup_host_dir(c->ws_id);
	r = proc_start(c->env->app->rt, c->container, &ps, &k->p);
	free(supdir);
	free(term);
	free(shellenv);
	free(agentenv);
	free(argv);
	if (r != 0)
		goto fail;
 started:
	proc_set_nonblock(k->p, 1);
	chan_pumps_init(k);
	k->pfd = -1;
	k->started = 1;
	k->resize_pending = 0;
	if (k->tty)	/* a TTL warning due shows after the prompt */
		c->ttl_check_ms = mono_ms() + 1000;
	conn_touch(c);
	log_debug("ssh channel %d started user=%s ws=%s", k->id, c->user,
	    c->ws_id);
	return;
fail:
	{
		char *msg = xasprintf("berth: %s\r\n", err_msg()[0] != '\0' ?
		    err_msg() : "cannot start the process in the workspace");

		log_warn("ssh channel start failed user=%s ws=%s: %s",
		    c->user, c->ws_id, err_msg());
		conn_note(k->ch, 1, msg);
		free(msg);
	}
	chan_finish(k, 255, 1);
}

static void
chan_pump(struct chan *k)
{
	int status = 255, r;

	if (k->finished || k->remote_closed)
		return;
	if (k->opening) {	/* a channel to the client (ssh-fwd.c) */
		if ((r = chan_open_step(k)) < 0)
			k->finished = 1;
		if (r != 0)
			return;
		proc_set_nonblock(k->p, 1);
		chan_pumps_init(k);
		k->started = 1;
		conn_touch(k->c);
	}
	if (k->start_pending)
		chan_start(k);
	if (!k->started || k->finished)
		return;
	if (k->resize_pending) {
		k->resize_pending = 0;
		if (k->tty)
			proc_resize(k->p, k->rows, k->cols);
	}
	pump_run(&k->in);
	pump_run(&k->out);
	if (k->out.state == PUMP_DONE) {
		r = proc_wait(k->p, PROC_WAIT_MS, &status);
		if (r != 0) {
			log_warn("ssh channel %d: no exit status: %s", k->id,
			    err_msg());
			status = 255;
		}
		chan_finish(k, status, 1);
	}
}

static void
chan_unregister(struct chan *k)
{
	if (k->pfd >= 0) {
		ssh_event_remove_fd(k->c->ev, k->pfd);
		k->pfd = -1;
		k->pev = 0;
	}
}

static void
chan_free(struct chan *k)
{
	size_t i;

	chan_unregister(k);
	proc_free(k->p);
	k->p = NULL;
	if (k->ch != NULL) {
		ssh_remove_channel_callbacks(k->ch, &k->cb);
		ssh_channel_free(k->ch);
	}
	argv_free(k->argv);
	free(k->attach);
	free(k->term);
	free(k->o_host);
	__atomic_sub_fetch(&chans_open, 1, __ATOMIC_RELAXED);
	for (i = 0; i < (size_t)k->nenv; i++)
		free(k->env[i]);
	free(k);
}

void
chan_pump_all(struct conn *c)
{
	struct chan **kp, *k;

	for (k = c->chans; k != NULL; k = k->next)
		chan_pump(k);
	for (kp = &c->chans; (k = *kp) != NULL;) {
		if (k->remote_closed || (k->finished &&
		    ssh_channel_is_closed(k->ch))) {
			if (!k->finished)
				k->finished = 1;
			*kp = k->next;
			c->nchans--;
			chan_free(k);
			continue;
		}
		kp = &k->next;
	}
}

static int
on_fd(socket_t fd, int revents, void *ud)
{
	struct chan *k = ud;

	if (revents & (POLLIN | POLLHUP | POLLERR))
		k->readable = 1;
	if (revents & (POLLOUT | POLLERR))
		k->writable = 1;
	return 0;
}

void
chan_update_fds(struct conn *c)
{
	struct chan *k;
	short want;
	int fd;

	for (k = c->chans; k != NULL; k = k->next) {
		want = 0;
		if (k->started && !k->finished && !k->remote_closed) {
			/* Read only when the client can take it (the
			 * pump waits for the window otherwise). */
			if (pump_wants_read(&k->out))
				want |= POLLIN;
			if (pump_wants_write(&k->in))
				want |= POLLOUT;
		}
		fd = want != 0 ? proc_fd(k->p) : -1;
		if (fd == k->pfd && want == k->pev)
			continue;
		chan_unregister(k);
		if (want != 0 && fd >= 0 &&
		    ssh_event_add_fd(c->ev, fd, want, on_fd, k) == SSH_OK) {
			k->pfd = fd;
			k->pev = want;
		}
	}
}

void
chan_free_all(struct conn *c)
{
	struct chan *k;

	while ((k = c->chans) != NULL) {
		c->chans = k->next;
		c->nchans--;
		chan_free(k);
	}
}

int
chan_count(void)
{
	return __atomic_load_n(&chans_open, __ATOMIC_RELAXED);
}
