/* cli-term.c: `berth ssh ID` over berthd's terminal endpoint: a small
 * WebSocket client (term-ws.c's codec over a plain socket) speaking
 * ttyd's protocol. The local terminal goes raw and is restored on every
 * way out (normal end, error, signal); SIGWINCH becomes a resize; the
 * shell's exit status (from the close reason) is the command's own.
 * --print still prints the OpenSSH command (cmd_ssh). Single-threaded. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "term-ws.h"
#include "xmalloc.h"

static struct termios	saved;
static int		raw_on;
static int		winch_pipe[2] = { -1, -1 };

static void
raw_restore(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		raw_on = 0;
	}
}

static void
on_fatal_signal(int sig)
{
	raw_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
on_winch(int sig)
{
	int e = errno;
	char c = 0;

	(void)sig;
	if (write(winch_pipe[1], &c, 1) < 0) {
		/* full: a resize is already pending */
	}
	errno = e;
}

static int
raw_enter(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved) != 0)
		return -1;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
		return -1;
	raw_on = 1;
	atexit(raw_restore);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGQUIT, on_fatal_signal);
	return 0;
}

static void
tty_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	*rows = 24;
	*cols = 80;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* Writes all of it to a blocking-or-not fd, waiting as needed. */
static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	struct pollfd pf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			pf.fd = fd;
			pf.events = POLLOUT;
			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Sends one masked client frame: the ttyd type byte, then data. */
static int
send_msg(int fd, char type, const void *data, size_t n)
{
	struct buf *b = buf_new(0);
	uint8_t mask[4];
	int r;

	if (RAND_bytes(mask, sizeof mask) != 1)
		memset(mask, 0x5a, sizeof mask);
	term_ws_frame(b, TERM_WS_BINARY, &type, 1, data, n, mask);
	r = write_all(fd, buf_data(b), buf_len(b));
	buf_free(b);
	return r;
}

/* Opens a TCP connection to an http:// URL's host. */
static int
dial(const char *url, char *hostport, size_t hpsz)
{
	char host[256], port[16];
	const char *p, *end;
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1;

	if (strncasecmp(url, "http://", 7) != 0)
		return err_set(ERR_INVAL, "berth ssh speaks to http:// API "
		    "URLs only ('%s'); use --print for OpenSSH", url);
	p = url + 7;
	end = p + strcspn(p, "/");
	snprintf(hostport, hpsz, "%.*s", (int)(end - p), p);
	snprintf(port, sizeof port, "80");
	if (*hostport == '[') {
		const char *rb = strchr(hostport, ']');

		if (rb == NULL)
			return err_set(ERR_INVAL, "bad API URL '%s'", url);
		snprintf(host, sizeof host, "%.*s", (int)(rb - hostport - 1),
		    hostport + 1);
		if (rb[1] == ':')
			snprintf(port, sizeof port, "%s", rb + 2);
	} else {
		const char *colon = strrchr(hostport, ':');

		snprintf(host, sizeof host, "%.*s", colon != NULL ?
		    (int)(colon - hostport) : (int)strlen(hostport), hostport);
		if (colon != NULL)
			snprintf(port, sizeof port, "%s", colon + 1);
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return err_set(ERR_IO, "cannot resolve %s", host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			int one = 1;

			/* Keystrokes go out at once (no Nagle delay). */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(ERR_IO, "cannot connect to %s: %s", hostport,
		    strerror(errno));
	return fd;
}

/* The handshake: sends the upgrade, reads the head, checks the accept
 * key. Bytes read past the head go into rest. */
static int
handshake(int fd, const char *hostport, const char *path, struct buf *rest)
{
	uint8_t raw[16];
	char key[32], want[29], head[8192], *req, *end, *line, *save = NULL;
	size_t got = 0;
	ssize_t n;
	int status = 0, ok = 0;

	if (RAND_bytes(raw, sizeof raw) != 1)
		return err_set(ERR_INTERNAL, "no random bytes");
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof raw);
	term_ws_accept(key, want);
	req = xasprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tty\r\n"
	    "User-Agent: berth/" BERTH_VERSION "\r\n\r\n", path, hostport,
	    key);
	n = write_all(fd, req, strlen(req));
	free(req);
	if (n != 0)
		return err_set(ERR_IO, "cannot send to %s", hostport);
	for (;;) {
		if (got == sizeof head - 1)
			return err_set(ERR_IO, "reply head too long");
		n = read(fd, head + got, sizeof head - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(ERR_IO, "connection closed during the "
			    "handshake");
		got += (size_t)n;
		head[got] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	buf_append(rest, end + 4, got - (size_t)(end + 4 - head));
	*end = '\0';
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1 || status != 101) {
		const char *body = strstr(end + 4, "\"message\"");

		(void)body;
		return err_set(status == 403 ? ERR_FORBIDDEN : ERR_IO,
		    "terminal refused: HTTP %d", status);
	}
	for (line = strtok_r(head, "\r\n", &save); line != NULL;
	    line = strtok_r(NULL, "\r\n", &save))
		if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) {
			line += 21;
			while (*line == ' ')
				line++;
			ok = strcmp(line, want) == 0;
		}
	if (!ok)
		return err_set(ERR_IO, "bad Sec-WebSocket-Accept");
	return 0;
}

struct sess {
	int	 fd;
	int	 detach;	/* Ctrl-] ends it (berth attach) */
	int	 detached;
	int	 closed;	/* the server's CLOSE came */
	int	 code;
	char	 reason[128];
};

static int
on_frame(void *arg, int op, int code, const uint8_t *d, size_t n)
{
	struct sess *s = arg;
	static const uint8_t mask[4] = { 1, 2, 3, 4 };

	switch (op) {
	case TERM_WS_PING: {
		struct buf *b = buf_new(0);

		term_ws_frame(b, TERM_WS_PONG, d, n, NULL, 0, mask);
		write_all(s->fd, buf_data(b), buf_len(b));
		buf_free(b);
		return 0;
	}
	case TERM_WS_CLOSE:
		s->closed = 1;
		s->code = code;
		snprintf(s->reason, sizeof s->reason, "%.*s", (int)n,
		    (const char *)d);
		return 1;
	case TERM_WS_TEXT:
	case TERM_WS_BINARY:
		if (n > 0 && d[0] == '0' && write_all(STDOUT_FILENO, d + 1,
		    n - 1) != 0)
			return -1;
		return 0;
	}
	return 0;
}

/* The session: stdin to the socket, the socket to stdout. */
static int
relay(int fd, struct buf *rest, struct sess *s)
{
	struct term_ws *w = term_ws_new(0, 4 * 1024 * 1024);
	struct pollfd pf[3];
	uint8_t b[16384];
	int stdin_open = 1, r = 0;
	unsigned rows, cols;
	ssize_t n;
	char js[64];

	s->fd = fd;
	if (buf_len(rest) > 0 && term_ws_feed(w, buf_data(rest),
	    buf_len(rest), on_frame, s) != 0)
		goto out;
	while (!s->closed) {
		pf[0].fd = fd;
		pf[0].events = POLLIN;
		pf[1].fd = stdin_open ? STDIN_FILENO : -1;
		pf[1].events = POLLIN;
		pf[2].fd = winch_pipe[0];
		pf[2].events = POLLIN;
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[2].revents & POLLIN) {
			while (read(winch_pipe[0], b, sizeof b) > 0)
				;
			tty_size(&rows, &cols);
			snprintf(js, sizeof js, "{\"columns\":%u,\"rows\":%u}",
			    cols, rows);
			send_msg(fd, '1', js, strlen(js));
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			n = read(STDIN_FILENO, b, sizeof b);
			if (n > 0 && s->detach && memchr(b, 0x1d,
			    (size_t)n) != NULL) {
				n = (uint8_t *)memchr(b, 0x1d, (size_t)n) - b;
				if (n > 0)
					send_msg(fd, '0', b, (size_t)n);
				s->detached = 1;
				break;
			}
			if (n > 0)
				send_msg(fd, '0', b, (size_t)n);
			else if (n == 0 || errno != EINTR)
				stdin_open = 0;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, b, sizeof b);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			r = term_ws_feed(w, b, (size_t)n, on_frame, s);
			if (r < 0)
				break;
		}
	}
out:
	term_ws_free(w);
	return 0;
}

/* The terminal of ref, with query ("?session=..", "?task=..") on the
 * WebSocket's path; attach: Ctrl-] detaches. */
static int
term_open(struct cli *cli, const char *ref, const char *query, int attach)
{
	json_t *t = NULL;
	struct buf *rest = NULL;
	struct sess s;
	char *p, *path = NULL, hostport[300], hello[200];
	unsigned rows, cols;
	int fd = -1, r, status = EXIT_FAIL;

	if ((r = cli_auth_load(cli)) != 0)
		return EXIT_FAIL;
	p = cli_path("/v1/workspaces/%s/terminal", ref);
	r = cli_call(cli, "POST", p, NULL, &t);
	free(p);
	if (r != 0)
		return EXIT_FAIL;
	p = cli_path("/v1/workspaces/%s/terminal/ws", ref);
	path = xasprintf("%s%s", p, query != NULL ? query : "");
	free(p);
	rest = buf_new(0);
	if ((fd = dial(cli->api_url, hostport, sizeof hostport)) < 0 ||
	    handshake(fd, hostport, path, rest) != 0) {
		cli_err_last(cli, fd < 0 ? fd : ERR_IO);
		goto out;
	}
	tty_size(&rows, &cols);
	snprintf(hello, sizeof hello, "{\"AuthToken\":\"%s\",\"columns\":%u,"
	    "\"rows\":%u}", cli_str(t, "token"), cols, rows);
	{
		/* The first message has no type byte: send it whole. */
		struct buf *b = buf_new(0);
		uint8_t mask[4] = { 7, 7, 7, 7 };

		RAND_bytes(mask, sizeof mask);
		term_ws_frame(b, TERM_WS_TEXT, hello, strlen(hello), NULL, 0,
		    mask);
		r = write_all(fd, buf_data(b), buf_len(b));
		buf_free(b);
		if (r != 0) {
			cli_err(cli, "io", "connection lost");
			goto out;
		}
	}
	if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0)
		signal(SIGWINCH, on_winch);
	if (isatty(STDIN_FILENO))
		raw_enter();
	memset(&s, 0, sizeof s);
	s.detach = attach;
	relay(fd, rest, &s);
	raw_restore();
	if (s.detached) {
		if (!cli->quiet)
			fprintf(stderr, "\r\nberth: detached; the task runs "
			    "on\n");
		status = EXIT_OK;
	} else if (!s.closed) {
		cli_err(cli, "io", "connection to the terminal lost");
		status = 255;
	} else if (s.code == TERM_WS_NORMAL &&
	    strncmp(s.reason, "exit status ", 12) == 0)
		status = (int)strtol(s.reason + 12, NULL, 10) & 0xff;
	else
		cli_err(cli, s.code == TERM_WS_POLICY ? "unauthorized" :
		    "io", "terminal closed (%d): %s", s.code, s.reason);
out:
	raw_restore();
	if (fd >= 0)
		close(fd);
	buf_free(rest);
	free(path);
	json_decref(t);
	return status;
}

int
cmd_term(struct cli *cli)
{
	const char *name = cli_args_get(cli->args, "session");
	char *q = NULL;
	int r;

	if (cli_args_count(cli->args, "print"))
		return cmd_ssh(cli);
	if (name != NULL && *name != '\0')
		q = cli_path("?session=%s", name);
	r = term_open(cli, cli_args_pos(cli->args, 0), q, 0);
	free(q);
	return r;
}

int
cmd_attach(struct cli *cli)
{
	char *q = cli_path("?task=%s", cli_args_pos(cli->args, 1));
	int r = term_open(cli, cli_args_pos(cli->args, 0), q, 1);

	free(q);
	return r;
}
