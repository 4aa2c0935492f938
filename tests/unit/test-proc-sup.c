/* test-proc-sup: proc.h through the real berth-sup (BUILD_DIR/berth-sup),
 * run here on the host in a temporary run directory, without Docker:
 * exit codes and signals, stdin both ways past the credit window, a tty's
 * size, a kill that takes a double-forked escapee, the supervisor's own
 * timeout, a process kept across its caller's crash (listed, then
 * killed), a wrong key falling back; forwarding (sup_listen, sup_incoming,
 * sup_take): a loopback port whose connection carries bytes both ways
 * past the credit window and half-closes, the agent socket's modes and
 * its removal, a bogus attach refused; a terminal-style process
 * (keep_idle) let go of and taken over again with its last output, and
 * killed by its timeout only once nobody holds it. */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "err.h"
#include "proc-sup.h"
#include "proc.h"
#include "sup-frame.h"

static char dir[256];
static pid_t sup_pid;

static const char key[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static void
sup_up(void)
{
	char path[300], bin[300];
	const char *bd = getenv("BUILD_DIR");
	int fd;

	snprintf(bin, sizeof bin, "%s/berth-sup", bd ? bd : ".");
	snprintf(dir, sizeof dir, "/tmp/test-proc-sup.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s.key", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, key, 64) != 64)
		exit(1);
	close(fd);
	if ((sup_pid = fork()) == 0) {
		/* Gone with the test, even one that dies on the way. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setenv("BERTH_SUP_SECRET", key, 1);
		execl(bin, "berth-sup", "-d", dir, (char *)NULL);
		_exit(127);
	}
	/* Until it accepts: the socket file exists between bind and
	 * listen, and a refused connect would send proc_start to the
	 * Docker fallback (no engine here). */
	snprintf(path, sizeof path, "%s/sup.sock", dir);
	for (int i = 0; i < 500; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int sfd = socket(AF_UNIX, SOCK_STREAM, 0), up;

		snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
		up = connect(sfd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(sfd);
		if (up)
			break;
		usleep(10000);
	}
}

static void
sup_down(void)
{
	char path[300];

	kill(sup_pid, SIGTERM);
	waitpid(sup_pid, NULL, 0);
	snprintf(path, sizeof path, "%s.key", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/sup.sock", dir);
	unlink(path);
	rmdir(dir);
}

/* Runs s with stdin in; output into out (up to cap); the status. */
static int
run(struct proc_spec *s, const char *in, size_t inlen, char *out,
    size_t cap, size_t *outlen)
{
	struct proc *p = NULL;
	struct pollfd pfd;
	char b[65536];
	size_t off = 0, got = 0;
	int st, status = -1, open_in;
	ssize_t n;

	s->sup_dir = dir;
	if (proc_start(NULL, "none", s, &p) != 0) {
		fprintf(stderr, "start: %s\n", err_msg());
		return -1;
	}
	CHECK_EQ_STR(proc_runner(p), "sup");
	proc_set_nonblock(p, 1);
	open_in = s->attach_stdin;
	if (open_in && inlen == 0) {
		proc_close_stdin(p);
		open_in = 0;
	}
	for (;;) {
		while ((n = proc_read(p, &st, b, sizeof b)) > 0) {
			size_t k = (size_t)n;
			if (got + k > cap)
				k = cap - got;
			memcpy(out + got, b, k);
			got += k;
		}
		if (n == 0)
			break;
		if (n != ERR_AGAIN) {
			fprintf(stderr, "read: %s\n", err_msg());
			break;
		}
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN | (open_in ? POLLOUT : 0);
		poll(&pfd, 1, 1000);
		if (open_in) {
			n = proc_write(p, in + off, inlen - off);
			if (n > 0)
				off += (size_t)n;
			if (off == inlen || (n < 0 && n != ERR_AGAIN)) {
				proc_close_stdin(p);
				open_in = 0;
			}
		}
	}
	if (proc_wait(p, 5000, &status) != 0)
		status = -1;
	proc_free(p);
	*outlen = got;
	return status;
}

/* Processes whose command line starts with needle. */
static int
count_procs(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], b[512];
	int n = 0, fd;
	ssize_t k;

	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		k = read(fd, b, sizeof b - 1);
		close(fd);
		if (k <= 0)
			continue;
		for (ssize_t i = 0; i < k; i++)
			if (b[i] == '\0')
				b[i] = ' ';
		b[k] = '\0';
		if (strncmp(b, needle, strlen(needle)) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Waits (up to 5 s) until no process matches needle for 200 ms in a row:
 * a process the supervisor has forked may not show its command line yet
 * (it is still berth-sup's until exec), so one empty look proves nothing.
 * Returns the last count. */
static int
wait_gone(const char *needle)
{
	int n = 0, quiet = 0;

	for (int i = 0; i < 250 && quiet < 10; i++) {
		n = count_procs(needle);
		quiet = n == 0 ? quiet + 1 : 0;
		if (quiet < 10)
			usleep(20000);
	}
	return n;
}

static void
test_codes(void)
{
	const char *a1[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
	    NULL };
	const char *a2[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *a3[] = { "no-such-command-here", NULL };
	const char *a4[] = { "sh", "-c", "echo $FOO; pwd", NULL };
	const char *env[] = { "FOO=bar baz", NULL };
	struct proc_spec s = { 0 };
	char out[4096];
	size_t n;

	s.argv = a1;
	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out, &n), 3);
	CHECK(n == 8);
	s.argv = a2;
	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out, &n), 143);
	s.argv = a3;
	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out, &n), 127);
	out[n] = '\0';
	CHECK_HAS(out, "executable file not found");
	s.argv = a4;
	s.env = env;
	s.workdir = "/tmp";
	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out, &n), 0);
	out[n] = '\0';
	CHECK_EQ_STR(out, "bar baz\n/tmp\n");
}

static void
test_stdin_window(void)
{
	const char *cat[] = { "cat", NULL };
	struct proc_spec s = { .argv = cat, .attach_stdin = 1 };
	size_t len = 3 * SUP_WINDOW + 12345, n;
	char *in = malloc(len), *out = malloc(len + 16);

	for (size_t i = 0; i < len; i++)
		in[i] = (char)(i * 7 + i / 251);
	CHECK_EQ_INT(run(&s, in, len, out, len + 16, &n), 0);
	CHECK_EQ_INT(n, len);
	CHECK(memcmp(in, out, len) == 0);
	free(in);
	free(out);
}

static void
test_tty(void)
{
	const char *a[] = { "sh", "-c", "stty size; tty >/dev/null && echo T",
	    NULL };
	struct proc_spec s = { .argv = a, .tty = 1, .rows = 33, .cols = 101 };
	char out[256];
	size_t n;

	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out - 1, &n), 0);
	out[n] = '\0';
	CHECK_HAS(out, "33 101");
	CHECK_HAS(out, "T");
}

static void
test_kill_tree(void)
{
	const char *a[] = { "sh", "-c", "setsid sh -c 'env -i sleep 1234.5 &'; "
	    "sleep 1234.6", NULL };
	struct proc_spec s = { .argv = a };
	struct proc *p = NULL;
	int status = -1;

	s.sup_dir = dir;
	CHECK_EQ_INT(proc_start(NULL, "none", &s, &p), 0);
	for (int i = 0; i < 100 && count_procs("sleep 1234.") < 2; i++)
		usleep(20000);
	CHECK_EQ_INT(count_procs("sleep 1234.5"), 1);
	CHECK_EQ_INT(proc_signal(p, SIGKILL), 0);
	CHECK_EQ_INT(proc_wait(p, 5000, &status), 0);
	CHECK_EQ_INT(status, 137);
	proc_free(p);
	CHECK_EQ_INT(wait_gone("sleep 1234."), 0);
}

static void
test_timeout(void)
{
	const char *a[] = { "sh", "-c", "sleep 1235.5 & sleep 1235.6", NULL };
	struct proc_spec s = { .argv = a, .timeout_ms = 300 };
	char out[64];
	size_t n;

	CHECK_EQ_INT(run(&s, NULL, 0, out, sizeof out, &n), 137);
	CHECK_EQ_INT(wait_gone("sleep 1235."), 0);
}

/* A caller that dies without a word (berthd's kill -9): a kept process
 * runs on, is listed, and is killed through its id. */
static void
test_keep(void)
{
	const char *a[] = { "sleep", "1236.5", NULL };
	struct proc_spec s = { .argv = a, .keep = 1, .timeout_ms = 60000 };
	struct sup_ps *ps = NULL;
	size_t n = 0, i;
	pid_t c;

	s.sup_dir = dir;
	if ((c = fork()) == 0) {
		struct proc *p;
		_exit(proc_start(NULL, "none", &s, &p) == 0 ? 0 : 1);
	}
	waitpid(c, NULL, 0);
	usleep(100000);
	CHECK_EQ_INT(count_procs("sleep 1236.5"), 1);
	CHECK_EQ_INT(sup_list(dir, &ps, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(ps[i].argv0, "sleep") == 0)
			break;
	CHECK(i < n);
	if (i < n) {
		CHECK(ps[i].orphan);
		CHECK_EQ_INT(ps[i].timeout_ms, 60000);
		CHECK_EQ_INT(sup_kill(dir, ps[i].id, SIGKILL), 0);
	}
	free(ps);
	CHECK_EQ_INT(wait_gone("sleep 1236.5"), 0);
	/* Without keep, the connection's end kills it. */
	s.keep = 0;
	a[1] = "1236.7";
	if ((c = fork()) == 0) {
		struct proc *p;
		_exit(proc_start(NULL, "none", &s, &p) == 0 ? 0 : 1);
	}
	waitpid(c, NULL, 0);
	CHECK_EQ_INT(wait_gone("sleep 1236.7"), 0);
}

static void
test_fallback(void)
{
	const char *a[] = { "true", NULL };
	struct proc_spec s = { .argv = a, .user = "0:12345" };
	struct proc *p = NULL;
	char path[300];
	int fd;

	/* Not the supervisor's user: 1, the caller falls back. */
	s.sup_dir = dir;
	CHECK_EQ_INT(sup_proc_start(&s, &p), 1);
	CHECK(p == NULL);
	/* A wrong key: 1 too. */
	s.user = NULL;
	snprintf(path, sizeof path, "%s.key", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(write(fd, "ff112233445566778899aabbccddeeff00112233445566778899"
	    "aabbccddeeff", 64) == 64);
	close(fd);
	CHECK_EQ_INT(sup_proc_start(&s, &p), 1);
	CHECK(p == NULL);
	s.sup_dir = "/nonexistent/dir";
	CHECK_EQ_INT(sup_proc_start(&s, &p), 1);
}

#define FWD_UP		300000	/* client -> berthd, past the window */
#define FWD_DOWN	500000	/* berthd -> client */

/* The client side of a forwarded connection, in a child: FWD_UP bytes
 * up, then FWD_DOWN bytes down until EOF; exits 0 when all is right. */
static void
fwd_client(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static char b[65536];
	size_t off = 0, got = 0;
	ssize_t n;
	int fd, bad = 0;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		_exit(2);
	memset(b, 'u', sizeof b);
	while (off < FWD_UP) {
		n = write(fd, b, FWD_UP - off < sizeof b ? FWD_UP - off :
		    sizeof b);
		if (n <= 0)
			_exit(3);
		off += (size_t)n;
	}
	while ((n = read(fd, b, sizeof b)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad |= b[i] != 'd';
		got += (size_t)n;
	}
	_exit(got == FWD_DOWN && !bad ? 0 : 4);
}

static void
test_forward(void)
{
	struct proc *l = NULL, *p = NULL;
	struct pollfd pfd;
	struct stat st;
	char where[128], peer[64], b[65536], agent[128];
	size_t got = 0, sent = 0;
	uint64_t id;
	ssize_t n;
	int port = -1, pport, r = 0, s, status = -1, eof = 0;
	pid_t c;

	CHECK_EQ_INT(sup_listen(dir, SUP_FWD_TCP, "127.0.0.1", 0, &l, where,
	    sizeof where, &port), 0);
	CHECK_EQ_STR(where, "127.0.0.1");
	CHECK(port > 0);
	if ((c = fork()) == 0)
		fwd_client(port);
	for (int i = 0; i < 100 && (r = sup_incoming(l, &id, peer,
	    sizeof peer, &pport)) == 0; i++) {
		pfd.fd = proc_fd(l);
		pfd.events = POLLIN;
		poll(&pfd, 1, 100);
	}
	CHECK_EQ_INT(r, 1);
	CHECK_EQ_STR(peer, "127.0.0.1");
	CHECK(pport > 0);
	CHECK_EQ_INT(sup_take(dir, SUP_ATTACH, id, &p), 0);
	if (p == NULL)
		goto out;
	/* Taken once only. */
	{
		struct proc *q = NULL;

		CHECK(sup_take(dir, SUP_ATTACH, id, &q) < 0);
		CHECK(q == NULL);
	}
	proc_set_nonblock(p, 1);
	memset(b, 'd', sizeof b);
	for (int i = 0; i < 3000 && (got < FWD_UP || !eof); i++) {
		{
			char rb[65536];

			while ((n = proc_read(p, &s, rb, sizeof rb)) > 0) {
				for (ssize_t k = 0; k < n; k++)
					CHECK(rb[k] == 'u');
				got += (size_t)n;
			}
			if (n == 0)
				break;
		}
		if (got == FWD_UP && sent < FWD_DOWN) {
			n = proc_write(p, b, FWD_DOWN - sent < sizeof b ?
			    FWD_DOWN - sent : sizeof b);
			if (n > 0)
				sent += (size_t)n;
			if (sent == FWD_DOWN) {
				CHECK_EQ_INT(proc_close_stdin(p), 0);
				eof = 1;
			}
		}
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		poll(&pfd, 1, 10);
	}
	CHECK_EQ_INT((int)got, FWD_UP);
	CHECK_EQ_INT((int)sent, FWD_DOWN);
	/* The client closes after the EOF: the stream exits 0. */
	CHECK_EQ_INT(proc_wait(p, 5000, &status), 0);
	CHECK_EQ_INT(status, 0);
	waitpid(c, &s, 0);
	CHECK(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	proc_free(p);
	p = NULL;

	/* A bogus id is refused. */
	CHECK(sup_take(dir, SUP_ATTACH, 987654321, &p) < 0);

	/* The agent socket: 0600 in a 0700 directory, gone with l. */
	CHECK_EQ_INT(sup_listen(dir, SUP_FWD_AGENT, "", 0, &p, agent,
	    sizeof agent, &pport), 0);
	CHECK_EQ_INT(strncmp(agent, "/tmp/berth-agent-", 17), 0);
	CHECK(stat(agent, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    (st.st_mode & 0777) == 0600);
	*strrchr(agent, '/') = '\0';
	CHECK(stat(agent, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700);
	proc_free(p);
	p = NULL;
	for (int i = 0; i < 100 && access(agent, F_OK) == 0; i++)
		usleep(10000);
	CHECK(access(agent, F_OK) != 0);

	/* The port closes with its listener. */
	proc_free(l);
	l = NULL;
	{
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int fd = -1, ok = 0;

		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		for (int i = 0; i < 100 && !ok; i++) {
			fd = socket(AF_INET, SOCK_STREAM, 0);
			ok = connect(fd, (struct sockaddr *)&sa,
			    sizeof sa) != 0;
			close(fd);
			if (!ok)
				usleep(10000);
		}
		CHECK(ok);
	}
out:
	proc_free(p);
	proc_free(l);
}

/* Reads from p until want shows up (or 5 s): 1 when it did. */
static int
read_until(struct proc *p, const char *want)
{
	char b[70000];
	size_t got = 0;
	ssize_t n;
	int st;

	for (int i = 0; i < 500; i++) {
		while ((n = proc_read(p, &st, b + got, sizeof b - 1 - got)) >
		    0)
			got += (size_t)n;
		b[got] = '\0';
		if (strstr(b, want) != NULL)
			return 1;
		if (n == 0 || got >= sizeof b - 1)
			return 0;
		usleep(10000);
	}
	return 0;
}

static void
test_reattach(void)
{
	const char *a[] = { "sh", "-c", "echo first-line; exec cat", NULL };
	struct proc_spec s = { .argv = a, .tty = 1, .rows = 24, .cols = 80,
	    .attach_stdin = 1, .keep = 1, .keep_idle = 1, .timeout_ms = 400 };
	struct proc *p = NULL, *q = NULL;
	uint64_t id;

	s.sup_dir = dir;
	CHECK_EQ_INT(proc_start(NULL, "none", &s, &p), 0);
	if (p == NULL)
		return;
	proc_set_nonblock(p, 1);
	CHECK(read_until(p, "first-line"));
	id = sup_proc_id(p);
	CHECK(id != 0);
	/* Let go: the process stays (400 ms: its timeout runs from now). */
	sup_proc_detach(p);
	usleep(100000);
	CHECK_EQ_INT(sup_take(dir, SUP_REATTACH, id, &q), 0);
	if (q == NULL)
		return;
	proc_set_nonblock(q, 1);
	CHECK(read_until(q, "first-line"));	/* its last output */
	CHECK(proc_write(q, "typed\n", 6) == 6);
	CHECK(read_until(q, "typed"));
	/* Held, it outlives the timeout. */
	usleep(600000);
	CHECK(proc_write(q, "still\n", 6) == 6);
	CHECK(read_until(q, "still"));
	/* Taken by one connection at a time. */
	CHECK(sup_take(dir, SUP_REATTACH, id, &p) < 0);
	/* Let go again: gone after its timeout, so no reattach. */
	sup_proc_detach(q);
	usleep(900000);
	CHECK(sup_take(dir, SUP_REATTACH, id, &p) < 0);
	CHECK(sup_take(dir, SUP_REATTACH, 987654321, &p) < 0);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	sup_up();
	test_codes();
	test_stdin_window();
	test_tty();
	test_kill_tree();
	test_timeout();
	test_keep();
	test_forward();
	test_reattach();
	test_fallback();	/* spoils the key: last */
	sup_down();
	CHECK_DONE();
}
