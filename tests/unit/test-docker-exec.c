/* test-docker-exec.c: proc.h on Docker exec against the real dockerd, in a
 * hardened container (CapDrop ALL, Init): exit codes, byte-exact separate
 * stdout/stderr, stdin with EOF, tty and resize, signals that reach the
 * whole process tree (checked with ps in the container), concurrency. */
#include <sys/time.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <openssl/evp.h>

#include "buf.h"
#include "docker-exec.h"
#include "proc.h"
#include "rt.h"
#include "timeutil.h"
#include "xmalloc.h"

#include "test-docker-util.h"

static struct rt *rt;
static char cid[80];
static char prefix[64];

struct res {
	struct buf	*out, *err;
	int		 status;
	int		 rc;
};

static void
res_free(struct res *r)
{
	buf_free(r->out);
	buf_free(r->err);
}

/* Pumps stdin in and stdout/stderr out of p (non-blocking, poll), then
 * waits. */
static int
pump(struct proc *p, int attach, const void *in, size_t inlen, struct res *res)
{
	struct pollfd pfd;
	char b[16384];
	size_t woff = 0;
	ssize_t n;
	int st, done = 0, r, closed = 0;

	res->out = buf_new(0);
	res->err = buf_new(0);
	if ((r = proc_set_nonblock(p, 1)) != 0)
		return r;
	if (attach && inlen == 0) {
		if ((r = proc_close_stdin(p)) != 0)
			return r;
		closed = 1;
	}
	while (!done) {
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN | (!closed && attach ? POLLOUT : 0);
		if (poll(&pfd, 1, 20000) <= 0)
			return err_set(ERR_TIMEOUT, "test: poll timed out");
		if (!closed && (pfd.revents & POLLOUT)) {
			n = proc_write(p, (const char *)in + woff, inlen - woff);
			if (n > 0)
				woff += (size_t)n;
			else if (n != ERR_AGAIN)
				return (int)n;
			if (woff == inlen) {
				if ((r = proc_close_stdin(p)) != 0)
					return r;
				closed = 1;
			}
		}
		for (;;) {
			n = proc_read(p, &st, b, sizeof b);
			if (n == ERR_AGAIN)
				break;
			if (n < 0)
				return (int)n;
			if (n == 0) {
				done = 1;
				break;
			}
			buf_append(st == PROC_STDERR ? res->err : res->out, b,
			    (size_t)n);
		}
	}
	return proc_wait(p, 20000, &res->status);
}

static int
run_spec(const struct proc_spec *s, const void *in, size_t inlen,
    struct res *res)
{
	struct proc *p = NULL;
	int r;

	memset(res, 0, sizeof *res);
	if ((r = proc_start(rt, cid, s, &p)) != 0) {
		res->rc = r;
		res->out = buf_new(0);
		res->err = buf_new(0);
		return r;
	}
	res->rc = r = pump(p, s->attach_stdin, in, inlen, res);
	proc_free(p);
	return r;
}

static int
run_sh(const char *script, struct res *res)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct proc_spec s = { .argv = argv };

	return run_spec(&s, NULL, 0, res);
}

/* 1 when `ps` in the container shows needle (printed when verbose). */
static int
ps_show(const char *needle, int verbose)
{
	struct res r;
	int has;

	REQUIRE(run_sh("ps -o pid,args", &r) == 0);
	has = strstr(buf_data(r.out), needle) != NULL;
	if (has && verbose)
		fprintf(stderr, "ps shows '%s':\n%s", needle, buf_data(r.out));
	res_free(&r);
	return has;
}

static int
ps_has(const char *needle)
{
	return ps_show(needle, 1);
}

static void
md5hex(const void *d, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(d, n, md, &mdlen, EVP_md5(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
test_exit_codes(void)
{
	static const struct { const char *sh; int code; } t[] = {
		{ "true", 0 }, { "exit 1", 1 }, { "exit 3", 3 },
		{ "no-such-command-here", 127 },
	};
	const char *argv[] = { "/no/such/binary", NULL };
	struct proc_spec s = { .argv = argv };
	struct res r;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK_EQ(run_sh(t[i].sh, &r), 0);
		CHECK_EQ(r.status, t[i].code);
		res_free(&r);
	}
	/* A binary that does not exist, without a shell: 126/127 like the
	 * docker CLI, and a message on stdout or stderr. */
	CHECK_EQ(run_spec(&s, NULL, 0, &r), 0);
	CHECK(r.status == 126 || r.status == 127);
	res_free(&r);
}

static void
test_streams(void)
{
	struct res r;
	char want[33], got[33];
	const char *h;

	CHECK_EQ(run_sh("printf 'o\\000ut'; printf 'e\\000rr\\n' >&2; "
	    "printf '\\377\\376'", &r), 0);
	CHECK_EQ(buf_len(r.out), 6);
	CHECK(memcmp(buf_data(r.out), "o\0ut\377\376", 6) == 0);
	CHECK_EQ(buf_len(r.err), 5);
	CHECK(memcmp(buf_data(r.err), "e\0rr\n", 5) == 0);
	CHECK_EQ(r.status, 0);
	res_free(&r);

	/* 10 MiB of random bytes on stdout, its md5 on stderr. */
	CHECK_EQ(run_sh("head -c 10485760 /dev/urandom >/tmp/r && "
	    "md5sum /tmp/r >&2 && cat /tmp/r && rm /tmp/r", &r), 0);
	CHECK_EQ(buf_len(r.out), 10485760);
	md5hex(buf_data(r.out), buf_len(r.out), got);
	h = buf_data(r.err);
	CHECK(buf_len(r.err) > 32);
	memcpy(want, h, 32);
	want[32] = '\0';
	CHECK(strcmp(want, got) == 0);
	res_free(&r);
}

static void
test_stdin(void)
{
	const char *cat[] = { "cat", NULL };
	struct proc_spec s = { .argv = cat, .attach_stdin = 1 };
	struct res r;
	size_t n = 3 * 1024 * 1024 + 17;
	unsigned char *in = xmalloc(n);

	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)(i * 7 + (i >> 9));
	CHECK_EQ(run_spec(&s, in, n, &r), 0);
	CHECK_EQ(buf_len(r.out), n);
	CHECK(buf_len(r.out) == n && memcmp(buf_data(r.out), in, n) == 0);
	CHECK_EQ(r.status, 0);
	res_free(&r);
	/* Empty stdin: EOF at once. */
	CHECK_EQ(run_spec(&s, "", 0, &r), 0);
	CHECK_EQ(buf_len(r.out), 0);
	CHECK_EQ(r.status, 0);
	res_free(&r);
	/* Without attach, stdin is empty too. */
	s.attach_stdin = 0;
	CHECK_EQ(run_spec(&s, NULL, 0, &r), 0);
	CHECK_EQ(buf_len(r.out), 0);
	CHECK_EQ(r.status, 0);
	res_free(&r);
	free(in);
}

static void
test_env_user_workdir(void)
{
	const char *argv[] = { "sh", "-c", "echo \"$FOO\"; pwd; id -u", NULL };
	const char *env[] = { "FOO=bar baz", NULL };
	struct proc_spec s = { .argv = argv, .env = env, .workdir = "/home",
	    .user = "1000:1000" };
	struct res r;

	CHECK_EQ(run_spec(&s, NULL, 0, &r), 0);
	CHECK(strcmp(buf_data(r.out), "bar baz\n/home\n1000\n") == 0);
	res_free(&r);
}

static void
test_tty(void)
{
	const char *argv[] = { "stty", "size", NULL };
	const char *argv2[] = { "sh", "-c",
	    "echo ready; read x; stty size; echo \"$x\"", NULL };
	struct proc_spec s = { .argv = argv, .tty = 1, .rows = 33,
	    .cols = 101 };
	struct proc *p = NULL;
	struct res r;

	CHECK_EQ(run_spec(&s, NULL, 0, &r), 0);
	if (strstr(buf_data(r.out), "33 101") == NULL)
		fprintf(stderr, "stty size said '%s'\n", buf_data(r.out));
	CHECK(strstr(buf_data(r.out), "33 101") != NULL);
	CHECK_EQ(buf_len(r.err), 0);
	res_free(&r);

	/* Resize while it runs, then let it print its size. */
	s.argv = argv2;
	s.attach_stdin = 1;
	REQUIRE(proc_start(rt, cid, &s, &p) == 0);
	/* Once it prints "ready", its size is set and it waits for input. */
	memset(&r, 0, sizeof r);
	r.out = buf_new(0);
	while (strstr(buf_data(r.out), "ready") == NULL) {
		char b[256];
		int st;
		ssize_t n = proc_read(p, &st, b, sizeof b);
		REQUIRE(n > 0);
		buf_append(r.out, b, (size_t)n);
	}
	buf_free(r.out);
	CHECK_EQ(proc_resize(p, 50, 120), 0);
	CHECK_EQ(proc_write(p, "go\n", 3), 3);
	memset(&r, 0, sizeof r);
	CHECK_EQ(pump(p, 0, NULL, 0, &r), 0);
	CHECK(strstr(buf_data(r.out), "50 120") != NULL);
	CHECK(strstr(buf_data(r.out), "go") != NULL);
	CHECK_EQ(r.status, 0);
	res_free(&r);
	proc_free(p);
}

/* Starts script, lets it spawn, signals, and checks the tree is gone. */
static void
kill_tree(const char *script, const char *user, const char *const *marks)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct proc_spec s = { .argv = argv, .user = user };
	struct proc *p = NULL;
	struct res r;
	int64_t t0;

	REQUIRE(proc_start(rt, cid, &s, &p) == 0);
	/* Wait until every marked process shows up. */
	for (t0 = mono_ms(); mono_ms() - t0 < 10000; ) {
		int all = 1;
		for (const char *const *m = marks; *m != NULL; m++)
			if (!ps_show(*m, 0))
				all = 0;
		if (all)
			break;
		usleep(100000);
	}
	CHECK_EQ(proc_signal(p, SIGKILL), 0);
	memset(&r, 0, sizeof r);
	CHECK_EQ(pump(p, 0, NULL, 0, &r), 0);
	CHECK_EQ(r.status, 137);
	res_free(&r);
	proc_free(p);
	for (const char *const *m = marks; *m != NULL; m++)
		CHECK(!ps_has(*m));
}

static void
test_signals(void)
{
	const char *m1[] = { "sleep 4242", "sleep 4243", NULL };
	const char *m2[] = { "sleep 4244", "sleep 4245", NULL };
	const char *m3[] = { "sleep 4252", "sleep 4253", NULL };
	const char *argv[] = { "sh", "-c", "sleep 4246 & sleep 4247", NULL };
	struct proc_spec s = { .argv = argv };
	struct proc *p = NULL;
	int status = -1;

	kill_tree("sleep 4242 & sleep 4243", NULL, m1);
	/* A daemonized grandchild (parent gone, new session). */
	kill_tree("(setsid sh -c 'sleep 4244' &); sleep 4245", "1000", m2);

	/* A timeout: proc_wait gives up, proc_free kills the tree. */
	REQUIRE(proc_start(rt, cid, &s, &p) == 0);
	CHECK_EQ(proc_wait(p, 300, &status), ERR_TIMEOUT);
	proc_free(p);
	CHECK(!ps_has("sleep 4246"));
	CHECK(!ps_has("sleep 4247"));

	/* SIGTERM reaches the shell: status 143. */
	argv[2] = "trap 'exit 9' TERM; sleep 4250 & wait";
	REQUIRE(proc_start(rt, cid, &s, &p) == 0);
	usleep(300000);
	CHECK_EQ(proc_signal(p, SIGTERM), 0);
	CHECK_EQ(proc_wait(p, 10000, &status), 0);
	CHECK(status == 9 || status == 143);
	proc_free(p);
	CHECK(!ps_has("sleep 4250"));

	/* Without host pids: the kill runs inside the container. */
	docker_exec_set_kill_mode(DOCKER_KILL_CONTAINER);
	kill_tree("(setsid sh -c 'sleep 4252' &); sleep 4253", "1000:1000",
	    m3);
	docker_exec_set_kill_mode(DOCKER_KILL_AUTO);
}

struct conc {
	pthread_t	t;
	int		i;
	int		ok;
};

static void *
conc_main(void *arg)
{
	struct conc *c = arg;
	char script[128], want[64];
	struct res r;

	snprintf(script, sizeof script, "echo out-%d; echo err-%d >&2; "
	    "exit %d", c->i, c->i, c->i % 7);
	snprintf(want, sizeof want, "out-%d\n", c->i);
	if (run_sh(script, &r) == 0 && r.status == c->i % 7 &&
	    strcmp(buf_data(r.out), want) == 0) {
		snprintf(want, sizeof want, "err-%d\n", c->i);
		c->ok = strcmp(buf_data(r.err), want) == 0;
	}
	res_free(&r);
	return NULL;
}

static void
test_concurrent(void)
{
	struct conc c[20];
	int ok = 0;

	for (int i = 0; i < 20; i++) {
		c[i].i = i;
		c[i].ok = 0;
		REQUIRE(pthread_create(&c[i].t, NULL, conc_main, &c[i]) == 0);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(c[i].t, NULL);
		ok += c[i].ok;
	}
	CHECK_EQ(ok, 20);
}

static void
test_errors(const char *stopped_id)
{
	const char *argv[] = { "true", NULL };
	struct proc_spec s = { .argv = argv };
	struct proc *p = NULL;

	CHECK_EQ(proc_start(rt, "berthtest-no-such-container", &s, &p),
	    ERR_NOTFOUND);
	CHECK(strstr(err_msg(), "berthtest-no-such-container") != NULL);
	CHECK_EQ(proc_start(rt, stopped_id, &s, &p), ERR_CONFLICT);
	CHECK(strstr(err_msg(), "not running") != NULL);
	CHECK_EQ(proc_start(rt, "../x", &s, &p), ERR_INVAL);
	s.argv = NULL;
	CHECK_EQ(proc_start(rt, cid, &s, &p), ERR_INVAL);
	CHECK(p == NULL);
}

int
main(void)
{
	char *name, *name2, *id = NULL, *id2 = NULL, *lab;
	struct rt_spec s = { .image = TEST_IMAGE, .pids_limit = 500,
	    .memory = 512LL << 20 };
	const char *labels[2] = { NULL, NULL };

	signal(SIGPIPE, SIG_IGN);
	snprintf(prefix, sizeof prefix, "berthtest-dkex-%ld", (long)getpid());
	test_image_ensure();
	REQUIRE((rt = rt_new("docker", getenv("BERTH_DOCKER_HOST"))) != NULL);
	name = xasprintf("%s-a", prefix);
	name2 = xasprintf("%s-stopped", prefix);
	lab = xasprintf("berth.workspace=%s", prefix);
	labels[0] = lab;
	s.labels = labels;
	s.name = name;
	REQUIRE(rt_create(rt, &s, &id) == 0);
	REQUIRE(rt_start(rt, id) == 0);
	strlcpy_b(cid, id, sizeof cid);
	s.name = name2;
	REQUIRE(rt_create(rt, &s, &id2) == 0);

	test_exit_codes();
	test_streams();
	test_stdin();
	test_env_user_workdir();
	test_tty();
	test_signals();
	test_concurrent();
	test_errors(id2);

	CHECK_EQ(rt_remove(rt, id, 1), 0);
	CHECK_EQ(rt_remove(rt, id2, 1), 0);
	free(id);
	free(id2);
	free(name);
	free(name2);
	free(lab);
	rt_free(rt);
	if (t_fails)
		fprintf(stderr, "%d check(s) failed\n", t_fails);
	else
		printf("test-docker-exec: ok\n");
	return t_fails ? 1 : 0;
}
