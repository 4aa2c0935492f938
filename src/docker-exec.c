/* docker-exec.c: proc.h on Docker exec. The exec is created over the API,
 * started with an HTTP/1.1 upgrade on a connection of its own (the
 * hijacked stream then carries stdin one way and stdout/stderr the other,
 * framed by docker-stream.c without a tty), and inspected for its exit
 * code. Docker cannot kill an exec, so proc_signal finds the process tree
 * itself (see "Signals" below). A struct proc is used by one thread at a
 * time; different procs on different threads are fine. */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "docker-client.h"
#include "docker-exec.h"
#include "docker-rt.h"
#include "docker-stream.h"
#include "err.h"
#include "log.h"
/* This file is the Docker exec runner of proc.h: its proc_* functions are
 * built as docker_proc_* and reached through docker_proc_ops (proc.c). */
#define proc_start		docker_proc_start
#define proc_fd			docker_proc_fd
#define proc_set_nonblock	docker_proc_set_nonblock
#define proc_read		docker_proc_read
#define proc_write		docker_proc_write
#define proc_close_stdin	docker_proc_close_stdin
#define proc_resize		docker_proc_resize
#define proc_signal		docker_proc_signal
#define proc_wait		docker_proc_wait
#define proc_free		docker_proc_free
#include "proc.h"
#include "timeutil.h"
#include "xmalloc.h"

#define PROC_HANDSHAKE_MS	15000	/* exec start until the 101 */
#define PROC_RBUF		(64 * 1024)
#define PROC_KILL_ROUNDS	20
#define PROC_TREE_MAX		65536

struct proc {
	const struct proc_ops *ops;	/* first: struct proc_base */
	struct dc	*dc;
	char		 exec_id[72];
	char		 container[72];	/* full id, from the exec's inspect */
	char		 token[33];
	char		*user;		/* for the in-container kill */
	int		 fd;
	int		 helper;	/* our own kill helper: never killed */
	int		 tty;
	int		 out_eof;
	int		 exited;
	int		 status;
	struct dstream	 ds;
	size_t		 roff, rlen;
	uint8_t		 rbuf[PROC_RBUF];
};

static volatile int kill_mode = DOCKER_KILL_AUTO;

void
docker_exec_set_kill_mode(enum docker_kill_mode m)
{
	kill_mode = m;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
make_token(char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];

	if (size < 33)
		return ERR_INTERNAL;
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return err_set(ERR_INTERNAL, "getrandom: %s", strerror(errno));
	for (size_t i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

/* POST /containers/ID/exec: the exec's id into p->exec_id. */
static int
exec_create(struct proc *p, const char *cid, const struct proc_spec *s)
{
	json_t *body, *env, *cmd, *j = NULL;
	const char *const *v;
	const char *id, *m;
	char *path, *tok;
	long st = 0;
	int r;

	env = json_array();
	for (v = s->env; v != NULL && *v != NULL; v++)
		if (strncmp(*v, DOCKER_EXEC_TOKEN_VAR "=",
		    sizeof DOCKER_EXEC_TOKEN_VAR) != 0)
			json_array_append_new(env, json_string(*v));
	tok = xasprintf(DOCKER_EXEC_TOKEN_VAR "=%s", p->token);
	json_array_append_new(env, json_string(tok));
	free(tok);
	cmd = json_array();
	if (s->tty && s->rows > 0 && s->cols > 0) {
		/* API 1.41 has no initial size for an exec, and a resize can
		 * only follow the start, racing the process: a short-lived
		 * one (stty size) would see 0x0. So the pty gets its size
		 * from stty before argv runs. Newer engines read
		 * ConsoleSize. Only a 0x0 pty is set, so that an early
		 * resize is not undone. */
		char *pre = xasprintf("case $(stty size 2>/dev/null) in "
		    "''|'0 0') stty rows %u cols %u;; esac; exec \"$@\"",
		    s->rows, s->cols);
		json_array_append_new(cmd, json_string("/bin/sh"));
		json_array_append_new(cmd, json_string("-c"));
		json_array_append_new(cmd, json_string(pre));
		json_array_append_new(cmd, json_string("sh"));
		free(pre);
	}
	for (v = s->argv; *v != NULL; v++)
		json_array_append_new(cmd, json_string(*v));
	body = json_pack("{s:b, s:b, s:b, s:b, s:o, s:o}",
	    "AttachStdin", s->attach_stdin != 0, "AttachStdout", 1,
	    "AttachStderr", 1, "Tty", s->tty != 0, "Env", env, "Cmd", cmd);
	if (s->workdir != NULL)
		json_object_set_new(body, "WorkingDir",
		    json_string(s->workdir));
	if (s->user != NULL)
		json_object_set_new(body, "User", json_string(s->user));
	if (s->tty && s->rows > 0 && s->cols > 0)
		json_object_set_new(body, "ConsoleSize", json_pack("[i, i]",
		    (int)s->rows, (int)s->cols));
	path = xasprintf("/containers/%s/exec", cid);
	r = dc_request(p->dc, "POST", path, body, 0, &st, &j, NULL);
	free(path);
	json_decref(body);
	if (r != 0)
		goto out;
	m = dc_message(j);
	if (st == 404)
		r = err_set(ERR_NOTFOUND, "no such container '%s' (docker: "
		    "%s)", cid, m);
	else if (st == 409)
		r = err_set(ERR_CONFLICT, "container '%s' is not running; "
		    "start the workspace first (docker: %s)", cid, m);
	else if (st != 201)
		r = dc_error(st, j, "cannot create exec");
	if (r != 0)
		goto out;
	id = json_string_value(json_object_get(j, "Id"));
	if (id == NULL || !docker_safe_name(id) ||
	    strlen(id) >= sizeof p->exec_id) {
		r = err_set(ERR_BACKEND, "docker engine answered exec create "
		    "without an id");
		goto out;
	}
	strlcpy_b(p->exec_id, id, sizeof p->exec_id);
 out:
	json_decref(j);
	return r;
}

/* POST /exec/ID/start as an HTTP/1.1 upgrade on a connection of its own
 * (docker-http.c): after the 101 the socket carries the stream; any
 * stream bytes read past the head are kept. */
static int
exec_start(struct proc *p)
{
	struct dconn *c = NULL;
	char body[64], *path = NULL;
	int64_t deadline = mono_ms() + PROC_HANDSHAKE_MS;
	int r, status, left;
	json_t *j;

	if ((r = dc_open(p->dc, "the exec start", 16 * 1024, DC_CONNECT_MS,
	    &c)) != 0)
		return r;
	snprintf(body, sizeof body, "{\"Detach\":false,\"Tty\":%s}",
	    p->tty ? "true" : "false");
	path = xasprintf("/exec/%s/start", p->exec_id);
	if ((r = dconn_request(c, "POST", path, "application/json",
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n", body,
	    (int64_t)strlen(body))) != 0)
		goto out;
	left = (int)(deadline - mono_ms());
	if ((r = dconn_read_head(c, 0, left > 0 ? left : 0)) != 0) {
		if (r == ERR_TIMEOUT)
			r = err_set(ERR_TIMEOUT, "docker engine did not start "
			    "exec %.12s within %d ms", p->exec_id,
			    PROC_HANDSHAKE_MS);
		goto out;
	}
	if ((status = dconn_head(c)->status) != 101) {
		/* An error answer, with the engine's message. */
		left = (int)(deadline - mono_ms());
		j = dconn_error_body(c, left > 0 ? left : 0);
		if (status == 409)
			r = err_set(ERR_CONFLICT, "cannot start exec: %s",
			    dc_message(j));
		else
			r = dc_error(status, j, "cannot start exec");
		json_decref(j);
		goto out;
	}
	p->roff = 0;
	r = dconn_hijack(c, &p->fd, p->rbuf, sizeof p->rbuf, &p->rlen);
 out:
	dconn_free(c);
	free(path);
	return r;
}

/* GET /exec/ID/json. */
static int
exec_inspect(struct proc *p, int *running, int *exit_code, int *pid)
{
	json_t *j = NULL, *ec;
	char *path;
	const char *cid;
	long st = 0;
	int r;

	path = xasprintf("/exec/%s/json", p->exec_id);
	r = dc_request(p->dc, "GET", path, NULL, 0, &st, &j, NULL);
	free(path);
	if (r != 0)
		return r;
	if (st != 200) {
		r = dc_error(st, j, "cannot inspect exec");
		goto out;
	}
	*running = json_is_true(json_object_get(j, "Running"));
	ec = json_object_get(j, "ExitCode");
	*exit_code = json_is_integer(ec) ? (int)json_integer_value(ec) : -1;
	*pid = (int)json_integer_value(json_object_get(j, "Pid"));
	cid = json_string_value(json_object_get(j, "ContainerID"));
	if (cid != NULL && docker_safe_name(cid))
		strlcpy_b(p->container, cid, sizeof p->container);
 out:
	json_decref(j);
	return r;
}

int
proc_resize(struct proc *p, unsigned rows, unsigned cols)
{
	json_t *j = NULL;
	char *path;
	long st = 0;
	int r;

	if (!p->tty)
		return 0;
	if (rows == 0 || cols == 0 || rows > 10000 || cols > 10000)
		return err_set(ERR_INVAL, "bad terminal size %ux%u", cols,
		    rows);
	path = xasprintf("/exec/%s/resize?h=%u&w=%u", p->exec_id, rows, cols);
	r = dc_request(p->dc, "POST", path, NULL, 10000, &st, &j, NULL);
	free(path);
	/* The process may have exited already: not worth an error. */
	if (r == 0 && st != 200 && st != 201 && st != 404 && st != 409 &&
	    strstr(dc_message(j), "stopped") == NULL)
		r = dc_error(st, j, "cannot resize exec");
	json_decref(j);
	return r;
}

static int
proc_start_dc(struct dc *dc, const char *container_id,
    const struct proc_spec *s, int helper, struct proc **pp)
{
	struct proc *p;
	int r;

	*pp = NULL;
	if (s == NULL || s->argv == NULL || s->argv[0] == NULL)
		return err_set(ERR_INVAL, "no command to run");
	if (!docker_safe_name(container_id))
		return err_set(ERR_INVAL, "invalid container id '%.64s'",
		    container_id ? container_id : "");
	if (s->tty && (s->rows > 10000 || s->cols > 10000))
		return err_set(ERR_INVAL, "bad terminal size %ux%u", s->cols,
		    s->rows);
	p = xcalloc(1, sizeof *p);
	p->ops = &docker_proc_ops;
	p->dc = dc;
	p->helper = helper;
	p->fd = -1;
	p->tty = s->tty != 0;
	p->status = -1;
	strlcpy_b(p->container, container_id, sizeof p->container);
	if (s->user != NULL)
		p->user = xstrdup(s->user);
	dstream_init(&p->ds);
	if ((r = make_token(p->token, sizeof p->token)) != 0 ||
	    (r = exec_create(p, container_id, s)) != 0 ||
	    (r = exec_start(p)) != 0)
		goto fail;
	if (p->tty && s->rows > 0 && s->cols > 0 &&
	    (r = proc_resize(p, s->rows, s->cols)) != 0)
		log_debug("exec %.12s: initial resize failed: %s",
		    p->exec_id, err_msg());
	*pp = p;
	return 0;
 fail:
	/* A started exec whose stream we lost must not run on unseen. */
	if (p->exec_id[0] != '\0') {
		struct err_saved msg;
		err_save(&msg);
		proc_free(p);
		err_restore(r, &msg);
	} else {
		free(p->user);
		free(p);
	}
	return r;
}

int
proc_start(struct rt *rt, const char *container_id,
    const struct proc_spec *s, struct proc **pp)
{
	return proc_start_dc(docker_rt_client(rt), container_id, s, 0, pp);
}

int
proc_fd(const struct proc *p)
{
	return p->fd;
}

int
proc_set_nonblock(struct proc *p, int on)
{
	int fl = fcntl(p->fd, F_GETFL);

	if (fl == -1 || fcntl(p->fd, F_SETFL, on ? fl | O_NONBLOCK :
	    fl & ~O_NONBLOCK) == -1)
		return err_set(ERR_IO, "fcntl: %s", strerror(errno));
	return 0;
}

ssize_t
proc_read(struct proc *p, int *stream, void *buf, size_t len)
{
	const uint8_t *out;
	size_t outlen;
	ssize_t n;
	int st;

	*stream = PROC_STDOUT;
	if (len == 0)
		return 0;
	for (;;) {
		if (p->rlen > 0 && p->tty) {
			n = (ssize_t)(p->rlen < len ? p->rlen : len);
			memcpy(buf, p->rbuf + p->roff, (size_t)n);
			p->roff += (size_t)n;
			p->rlen -= (size_t)n;
			return n;
		}
		if (p->rlen > 0) {
			n = dstream_feed(&p->ds, p->rbuf + p->roff, p->rlen,
			    len, &st, &out, &outlen);
			if (n < 0)
				return err_set(ERR_BACKEND, "corrupt output "
				    "stream from docker engine (exec %.12s)",
				    p->exec_id);
			p->roff += (size_t)n;
			p->rlen -= (size_t)n;
			if (outlen > 0) {
				memcpy(buf, out, outlen);
				*stream = st == DSTREAM_STDOUT ? PROC_STDOUT :
				    PROC_STDERR;
				return (ssize_t)outlen;
			}
			continue;
		}
		if (p->out_eof)
			return 0;
		if (p->tty)
			n = recv(p->fd, buf, len, 0);
		else
			n = recv(p->fd, p->rbuf, sizeof p->rbuf, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ERR_AGAIN;
		if (n == -1 && errno == ECONNRESET)
			n = 0;
		if (n == -1)
			return err_set(ERR_IO, "exec stream: %s",
			    strerror(errno));
		if (n == 0) {
			p->out_eof = 1;
			return 0;
		}
		if (p->tty)
			return n;
		p->roff = 0;
		p->rlen = (size_t)n;
	}
}

ssize_t
proc_write(struct proc *p, const void *b, size_t len)
{
	ssize_t n;

	for (;;) {
		n = send(p->fd, b, len, MSG_NOSIGNAL);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return ERR_AGAIN;
		if (errno == EPIPE || errno == ECONNRESET)
			return err_set(ERR_EOF, "the process's stdin is "
			    "closed");
		return err_set(ERR_IO, "exec stream: %s", strerror(errno));
	}
}

int
proc_close_stdin(struct proc *p)
{
	if (shutdown(p->fd, SHUT_WR) == -1 && errno != ENOTCONN)
		return err_set(ERR_IO, "exec stream: shutdown: %s",
		    strerror(errno));
	return 0;
}

int
proc_wait(struct proc *p, int timeout_ms, int *status)
{
	int64_t deadline = timeout_ms < 0 ? 0 : mono_ms() + timeout_ms;
	int running, code, pid, delay = 1, r;

	if (p->exited) {
		*status = p->status;
		return 0;
	}
	for (;;) {
		if ((r = exec_inspect(p, &running, &code, &pid)) != 0)
			return r;
		if (!running && code >= 0) {
			p->exited = 1;
			p->status = code;
			*status = code;
			return 0;
		}
		if (timeout_ms >= 0 && mono_ms() >= deadline)
			return err_set(ERR_TIMEOUT, "exec %.12s still running "
			    "after %d ms", p->exec_id, timeout_ms);
		if (timeout_ms >= 0 && mono_ms() + delay > deadline)
			delay = (int)(deadline - mono_ms()) + 1;
		sleep_ms(delay);
		if (delay < 50)
			delay *= 2;
	}
}

/*
 * Signals. Docker has no API to signal an exec, and an exec'd process
 * outlives the client that started it. So:
 *  - host mode (berthd sees the host's pids: it runs on the host, or in a
 *    container with pid: host): the exec's host pid comes from
 *    GET /exec/ID/json; it is trusted only if its cgroup names the
 *    container. Its descendants (by ppid over /proc) and every process
 *    carrying our BERTH_EXEC_ID token in its environment (daemonized
 *    children too) are stopped with SIGSTOP round by round until no new
 *    one appears — a stopped process cannot fork — then signalled, then
 *    continued.
 *  - container mode (the pids are not visible): an exec in the container,
 *    as the same user, does the same by the token with sh, tr, grep and
 *    kill, which any workspace image has.
 */

/* Reads a small /proc file; its length, or -1. */
static ssize_t
read_small(const char *path, char *b, size_t size)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)got < size - 1) {
		n = read(fd, b + got, size - 1 - (size_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	b[got] = '\0';
	return got;
}

/* 1 when host pid belongs to container cid (by its cgroup). */
static int
pid_in_container(pid_t pid, const char *cid)
{
	char path[64], b[8192];

	if (pid <= 0 || strlen(cid) < 64)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
	if (read_small(path, b, sizeof b) <= 0)
		return 0;
	return strstr(b, cid) != NULL;
}

#define PROC_ENV_MAX	(256 * 1024)

/* 1 when pid's environment (read into env, PROC_ENV_MAX bytes) holds
 * var=token. */
static int
pid_has_token(pid_t pid, char *env, const char *want, size_t wlen)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
	if ((n = read_small(path, env, PROC_ENV_MAX)) <= 0)
		return 0;
	for (ssize_t i = 0; i + (ssize_t)wlen <= n; ) {
		size_t l = strnlen(env + i, (size_t)(n - i));
		if (l == wlen - 1 && memcmp(env + i, want, wlen - 1) == 0)
			return 1;
		i += (ssize_t)l + 1;
	}
	return 0;
}

struct ptab {
	pid_t	*pid, *ppid;
	size_t	 n;
};

/* All processes with their parents. */
static void
ptab_load(struct ptab *t)
{
	struct dirent *de;
	char path[64], b[1024], *rp;
	DIR *d;

	t->n = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL && t->n < PROC_TREE_MAX) {
		long pid, ppid;
		char *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		if (read_small(path, b, sizeof b) <= 0)
			continue;
		/* pid (comm) state ppid ...; comm may hold ") ". */
		if ((rp = strrchr(b, ')')) == NULL ||
		    sscanf(rp + 1, " %*c %ld", &ppid) != 1)
			continue;
		t->pid[t->n] = (pid_t)pid;
		t->ppid[t->n] = (pid_t)ppid;
		t->n++;
	}
	closedir(d);
}

static int
set_has(const pid_t *s, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == pid)
			return 1;
	return 0;
}

/* Host mode: root (0 when it is gone), its descendants and the token
 * holders. */
static int
signal_host(struct proc *p, pid_t root, int sig)
{
	struct ptab t;
	pid_t *set;
	char *env;
	size_t nset = 0, i, before;
	char want[64];
	size_t wlen;
	int round;

	wlen = (size_t)snprintf(want, sizeof want, "%s=%s",
	    DOCKER_EXEC_TOKEN_VAR, p->token) + 1;
	t.pid = xcalloc(PROC_TREE_MAX, sizeof *t.pid);
	t.ppid = xcalloc(PROC_TREE_MAX, sizeof *t.ppid);
	set = xcalloc(PROC_TREE_MAX, sizeof *set);
	env = xmalloc(PROC_ENV_MAX);
	if (root > 0) {
		set[nset++] = root;
		kill(root, SIGSTOP);
	}
	for (round = 0; round < PROC_KILL_ROUNDS; round++) {
		before = nset;
		ptab_load(&t);
		/* Children of members, to a fixed point over this table. */
		for (int grew = 1; grew; ) {
			grew = 0;
			for (i = 0; i < t.n && nset < PROC_TREE_MAX; i++) {
				if (set_has(set, nset, t.pid[i]) ||
				    !set_has(set, nset, t.ppid[i]))
					continue;
				set[nset++] = t.pid[i];
				kill(t.pid[i], SIGSTOP);
				grew = 1;
			}
		}
		/* Processes that left the tree but kept the token. */
		for (i = 0; i < t.n && nset < PROC_TREE_MAX; i++) {
			if (set_has(set, nset, t.pid[i]) ||
			    !pid_has_token(t.pid[i], env, want, wlen))
				continue;
			set[nset++] = t.pid[i];
			kill(t.pid[i], SIGSTOP);
		}
		if (nset == before && round > 0)
			break;
	}
	for (i = 0; i < nset; i++)
		kill(set[i], sig);
	if (sig != SIGSTOP)
		for (i = 0; i < nset; i++)
			kill(set[i], SIGCONT);
	log_debug("exec %.12s: signal %d to %zu process(es)", p->exec_id, sig,
	    nset);
	free(set);
	free(env);
	free(t.pid);
	free(t.ppid);
	return 0;
}

/* Container mode: a helper exec finds the token holders and signals them. */
static int
signal_in_container(struct proc *p, int sig)
{
	static const char script[] =
	    "t=\"$2\"; all=\" \"\n"
	    "scan() {\n"
	    "  n=\n"
	    "  for d in /proc/[0-9]*; do\n"
	    "    q=${d#/proc/}\n"
	    "    case \"$all\" in *\" $q \"*) continue;; esac\n"
	    "    if tr '\\000' '\\n' <\"$d/environ\" 2>/dev/null |"
	    " grep -qxF \"$t\"; then\n"
	    "      kill -STOP \"$q\" 2>/dev/null; n=\"$n $q\"\n"
	    "    fi\n"
	    "  done\n"
	    "  all=\"$all${n# } \"\n"
	    "  [ -n \"$n\" ]\n"
	    "}\n"
	    "i=0\n"
	    "while scan && [ $i -lt 20 ]; do i=$((i+1)); done\n"
	    "[ \"$all\" = \" \" ] && exit 0\n"
	    "kill -\"$1\" $all 2>/dev/null\n"
	    "kill -CONT $all 2>/dev/null\n"
	    "exit 0\n";
	char signum[16], tok[64];
	const char *argv[] = { "sh", "-c", script, "berth-kill", signum, tok,
	    NULL };
	struct proc_spec ks = { .argv = argv, .user = p->user };
	struct proc *k = NULL;
	char b[4096];
	int st, status, r;

	snprintf(signum, sizeof signum, "%d", sig);
	snprintf(tok, sizeof tok, "%s=%s", DOCKER_EXEC_TOKEN_VAR, p->token);
	if ((r = proc_start_dc(p->dc, p->container, &ks, 1, &k)) != 0)
		return r;
	while (proc_read(k, &st, b, sizeof b) > 0)
		;
	r = proc_wait(k, 10000, &status);
	proc_free(k);
	if (r == 0 && status != 0)
		r = err_set(ERR_BACKEND, "signalling the process in the "
		    "container failed (status %d)", status);
	return r;
}

/* 1 when this process sees the container's processes by host pid. */
static int
host_pids_visible(struct proc *p)
{
	json_t *j = NULL;
	char *path;
	long st = 0;
	int pid = 0;

	if (kill_mode == DOCKER_KILL_CONTAINER)
		return 0;
	path = xasprintf("/containers/%s/json", p->container);
	if (dc_request(p->dc, "GET", path, NULL, 0, &st, &j, NULL) == 0 &&
	    st == 200)
		pid = (int)json_integer_value(json_object_get(json_object_get(
		    j, "State"), "Pid"));
	free(path);
	json_decref(j);
	return pid_in_container(pid, p->container);
}

int
proc_signal(struct proc *p, int sig)
{
	int running, code, pid, r;

	if (sig <= 0 || sig >= NSIG)
		return err_set(ERR_INVAL, "bad signal %d", sig);
	if ((r = exec_inspect(p, &running, &code, &pid)) != 0)
		return r;
	if (host_pids_visible(p)) {
		if (!running || !pid_in_container(pid, p->container))
			pid = 0;
		return signal_host(p, pid, sig);
	}
	return signal_in_container(p, sig);
}

void
proc_free(struct proc *p)
{
	int running = 0, code, pid;

	if (p == NULL)
		return;
	if (!p->exited && !p->helper && p->exec_id[0] != '\0' &&
	    exec_inspect(p, &running, &code, &pid) == 0 && running) {
		if (proc_signal(p, SIGKILL) != 0)
			log_warn("exec %.12s: cannot kill: %s", p->exec_id,
			    err_msg());
	}
	if (p->fd != -1)
		close(p->fd);
	free(p->user);
	free(p);
}

const struct proc_ops docker_proc_ops = {
	"docker-exec", proc_fd, proc_set_nonblock, proc_read, proc_write,
	proc_close_stdin, proc_resize, proc_signal, proc_wait, proc_free
};
