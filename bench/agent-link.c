/* agent-link.c: what sealing costs on the agent link, on 127.0.0.1, in
 * one run, alternating: the sealed link as berthd and `berthd agent` run
 * it (agent_dial: handshake, a local socket pair and a thread on the
 * manager's side; agent_seal_relay on the agent's) against the same
 * handshake followed by plain bytes (the link before sealing: the TCP
 * socket itself on the manager's side, a plain copy on the agent's).
 *   1. dial + one 100-byte echo (what an exec's connection pays);
 *   2. 100-byte echo on an open link;
 *   3. MiB/s one way, manager -> target.
 * Usage: agent-link N MIB */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent-link.h"
#include "agent-seal.h"
#include "log.h"

#define TOKEN	"bench-join-token-0123456789abcdef"

static int	lfd;
static char	hp[64];

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The target: "sup echo" echoes, "sup sink" reads and drops. */
static void *
target_main(void *arg)
{
	int fd = (int)(long)arg & 0xffff, echo = (int)((long)arg >> 16);
	static __thread char b[65536];
	ssize_t n;

	while ((n = read(fd, b, sizeof b)) > 0)
		if (echo && write(fd, b, (size_t)n) != n)
			break;
	close(fd);
	return NULL;
}

static int
open_target(const char *target, void *arg, int *fdp)
{
	pthread_t t;
	int sv[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	pthread_create(&t, NULL, target_main, (void *)(long)(sv[1] |
	    (strstr(target, "echo") != NULL) << 16));
	pthread_detach(t);
	*fdp = sv[0];
	return 0;
}

/* The link before sealing: bytes copied as they come, both ways. */
static void
plain_relay(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN },
	    { .fd = b, .events = POLLIN } };
	static __thread char buf[65536];
	ssize_t n;

	fcntl(a, F_SETFL, 0);
	fcntl(b, F_SETFL, 0);
	while (poll(p, 2, -1) > 0)
		for (int i = 0; i < 2; i++) {
			if (p[i].revents == 0)
				continue;
			if ((n = read(p[i].fd, buf, sizeof buf)) <= 0 ||
			    write(p[1 - i].fd, buf, (size_t)n) != n)
				return;
		}
}

static void *
link_main(void *arg)
{
	int fd = (int)(long)arg & 0xffff, plain = (int)((long)arg >> 16);
	struct agent_keys k;
	int tfd = -1, one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (agent_link_accept(fd, TOKEN, 3000, open_target, NULL, &tfd,
	    &k) == 0) {
		if (plain)
			plain_relay(tfd, fd);
		else
			(void)agent_seal_relay(tfd, fd, &k);
	}
	if (tfd >= 0)
		close(tfd);
	close(fd);
	return NULL;
}

static int	next_plain;

static void *
accept_main(void *arg)
{
	pthread_t t;
	int fd;

	(void)arg;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		pthread_create(&t, NULL, link_main, (void *)(long)(fd |
		    __atomic_load_n(&next_plain, __ATOMIC_SEQ_CST) << 16));
		pthread_detach(t);
	}
	return NULL;
}

/* A link to target, sealed or plain; a blocking fd. */
static int
dial(const char *target, int plain)
{
	struct sockaddr_in sa;
	struct agent_keys k;
	int fd, one = 1;

	__atomic_store_n(&next_plain, plain, __ATOMIC_SEQ_CST);
	if (!plain) {
		if (agent_dial(hp, target, 3000, &fd) != 0)
			exit(1);
		fcntl(fd, F_SETFL, 0);
		return fd;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)atoi(strchr(hp, ':') + 1));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		exit(1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (agent_link_connect(fd, TOKEN, hp, target, 3000, &k) != 0)
		exit(1);
	fcntl(fd, F_SETFL, 0);
	return fd;
}

static void
echo_once(int fd)
{
	char b[100];
	size_t got = 0;
	ssize_t n;

	memset(b, 'x', sizeof b);
	if (write(fd, b, sizeof b) != (ssize_t)sizeof b)
		exit(1);
	while (got < sizeof b && (n = read(fd, b, sizeof b - got)) > 0)
		got += (size_t)n;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	long mib = argc > 2 ? atol(argv[2]) : 256;
	double *d[2], *r[2], mbs[2], t0;
	char path[] = "/tmp/agent-link-bench-XXXXXX";
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	static char chunk[65536];
	pthread_t t;
	int fd;

	log_init(LOG_ERROR, 0);
	if ((fd = mkstemp(path)) < 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, TOKEN "\n", strlen(TOKEN) + 1) < 0)
		return 1;
	close(fd);
	if (agent_link_init(path) != 0)
		return 1;
	unlink(path);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 64) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		return 1;
	snprintf(hp, sizeof hp, "127.0.0.1:%d", ntohs(sa.sin_port));
	pthread_create(&t, NULL, accept_main, NULL);
	for (int s = 0; s < 2; s++) {
		d[s] = calloc((size_t)n, sizeof(double));
		r[s] = calloc((size_t)n, sizeof(double));
	}
	for (int i = 0; i < n; i++)
		for (int s = 0; s < 2; s++) {	/* 0 sealed, 1 plain */
			double a = now_ms(), b;

			fd = dial("sup echo", s);
			echo_once(fd);
			b = now_ms();
			d[s][i] = b - a;
			echo_once(fd);
			r[s][i] = now_ms() - b;
			close(fd);
		}
	memset(chunk, 'y', sizeof chunk);
	for (int s = 0; s < 2; s++) {
		fd = dial("sup sink", s);
		t0 = now_ms();
		for (long i = 0; i < mib * 16; i++)
			if (write(fd, chunk, sizeof chunk) != sizeof chunk)
				return 1;
		shutdown(fd, SHUT_WR);
		while (read(fd, chunk, sizeof chunk) > 0)
			;
		mbs[s] = mib / ((now_ms() - t0) / 1e3);
		close(fd);
	}
	printf("dial + first 100-byte echo, median of %d: sealed %.3f ms, "
	    "plain %.3f ms, ratio %.2fx\n", n, median(d[0], n),
	    median(d[1], n), median(d[0], n) / median(d[1], n));
	printf("100-byte echo on an open link, median of %d: sealed %.3f ms, "
	    "plain %.3f ms, ratio %.2fx\n", n, median(r[0], n),
	    median(r[1], n), median(r[0], n) / median(r[1], n));
	printf("%ld MiB one way: sealed %.0f MiB/s, plain %.0f MiB/s, "
	    "ratio %.2fx\n", mib, mbs[0], mbs[1], mbs[0] / mbs[1]);
	return 0;
}
