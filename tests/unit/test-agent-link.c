/* test-agent-link.c: the agent link end to end on 127.0.0.1: a real
 * agent side (agent_link_accept + agent_seal_relay, as `berthd agent`
 * runs them) behind a man in the middle that watches, changes or
 * replays bytes, and the manager's agent_dial. What crosses the network
 * must not show the bytes carried; a changed or replayed record is
 * refused and the link dropped, with nothing of it reaching the target. */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-link.h"
#include "agent-seal.h"
#include "check.h"
#include "err.h"
#include "log.h"

#define TOKEN	"unit-join-token-0123456789abcdef"

enum mitm_mode { PASS, FLIP, REPLAY, KXFLIP };

#define GREET_PUB	47	/* "BERTH-AGENT/3 <32 hex> <64 hex: key>" */

struct agent_side {
	int		lfd;
	const char	*tok;
	int		target;		/* the test's end of the target */
	int		rc;		/* what the relay returned */
	int		accepted;
};

struct mitm {
	int		lfd, agent_port, mode;
	int		cfd, afd;	/* manager's and agent's connections */
	unsigned char	seen[1 << 21];	/* all bytes past it, both ways */
	size_t		nseen;
	pthread_mutex_t	lock;
};

static int
listen_local(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 4) != 0 || getsockname(fd, (struct sockaddr *)&sa,
	    &sl) != 0) {
		perror("listen");
		exit(1);
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static int
connect_local(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int
pair_target(const char *target, void *arg, int *fdp)
{
	struct agent_side *a = arg;
	int sv[2];

	if (strcmp(target, "sup ws-test") != 0)
		return err_set(ERR_NOTFOUND, "no such target");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return err_set(ERR_IO, "socketpair");
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	a->target = sv[1];
	*fdp = sv[0];
	return 0;
}

static void *
agent_main_one(void *arg)
{
	struct agent_side *a = arg;
	struct agent_keys k;
	int fd, tfd = -1;

	if ((fd = accept4(a->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return NULL;
	if (agent_link_accept(fd, a->tok, 3000, pair_target, a, &tfd,
	    &k) == 0) {
		a->accepted = 1;
		a->rc = agent_seal_relay(tfd, fd, &k);
		close(tfd);
	} else
		a->rc = -100;
	close(fd);
	return NULL;
}

static int
read_full(int fd, unsigned char *p, size_t n)
{
	size_t off = 0;
	ssize_t r;

	while (off < n) {
		if ((r = read(fd, p + off, n - off)) <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

static void
note(struct mitm *m, const unsigned char *p, size_t n)
{
	pthread_mutex_lock(&m->lock);
	if (m->nseen + n <= sizeof m->seen) {
		memcpy(m->seen + m->nseen, p, n);
		m->nseen += n;
	}
	pthread_mutex_unlock(&m->lock);
}

static void
pass(struct mitm *m, int to, const unsigned char *p, size_t n)
{
	note(m, p, n);
	(void)!write(to, p, n);
}

/* Agent -> manager: bytes as they come. */
static void *
mitm_back(void *arg)
{
	struct mitm *m = arg;
	unsigned char b[4096];
	ssize_t n;
	int first = 1;

	while ((n = read(m->afd, b, sizeof b)) > 0) {
		/* One hex digit of the agent's public key, changed: the
		 * key a man in the middle would put there. */
		if (first && m->mode == KXFLIP && n > GREET_PUB + 13)
			b[GREET_PUB + 13] = b[GREET_PUB + 13] == 'a' ? 'b' :
			    'a';
		first = 0;
		pass(m, m->cfd, b, (size_t)n);
	}
	shutdown(m->cfd, SHUT_WR);
	return NULL;
}

/* Manager -> agent: the AUTH line, then record by record, the first
 * one changed or sent twice as the mode says. */
static void *
mitm_main(void *arg)
{
	struct mitm *m = arg;
	static unsigned char rec[AGENT_REC_MAX + AGENT_REC_OVER];
	pthread_t t;
	size_t len;
	int first = 1;

	m->cfd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);
	m->afd = connect_local(m->agent_port);
	pthread_create(&t, NULL, mitm_back, m);
	do {
		if (read_full(m->cfd, rec, 1) != 0)
			goto out;
		pass(m, m->afd, rec, 1);
	} while (rec[0] != '\n');
	for (;;) {
		if (read_full(m->cfd, rec, AGENT_REC_HDR) != 0)
			break;
		len = (size_t)rec[0] << 24 | (size_t)rec[1] << 16 |
		    (size_t)rec[2] << 8 | rec[3];
		if (len > AGENT_REC_MAX || read_full(m->cfd, rec +
		    AGENT_REC_HDR, len + AGENT_REC_TAG) != 0)
			break;
		if (first && m->mode == FLIP)
			rec[AGENT_REC_HDR] ^= 0x20;
		pass(m, m->afd, rec, len + AGENT_REC_OVER);
		if (first && m->mode == REPLAY)
			pass(m, m->afd, rec, len + AGENT_REC_OVER);
		first = 0;
	}
 out:
	shutdown(m->afd, SHUT_WR);
	pthread_join(t, NULL);
	close(m->cfd);
	close(m->afd);
	return NULL;
}

/* Up to n bytes from fd until its end or 5 s pass; the count. */
static size_t
read_some(int fd, unsigned char *p, size_t n, int *eof)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	size_t off = 0;
	ssize_t r;

	*eof = 0;
	while (off < n && poll(&pf, 1, 5000) == 1) {
		r = read(fd, p + off, n - off);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			*eof = 1;
			break;
		}
		off += (size_t)r;
	}
	return off;
}

static int
contains(const unsigned char *h, size_t n, const char *needle)
{
	return memmem(h, n, needle, strlen(needle)) != NULL;
}

static struct mitm mitm_store;

struct run {
	struct agent_side	a;
	struct mitm		*m;
	pthread_t		at, mt;
	int			fd;	/* the manager's end */
	int			rc;	/* agent_dial's */
};

static void
run_start(struct run *r, int mode, const char *agent_tok,
    const char *target)
{
	char hp[64];
	int aport, mport;

	memset(&r->a, 0, sizeof r->a);
	r->a.tok = agent_tok;
	r->a.target = -1;
	r->a.lfd = listen_local(&aport);
	r->m = &mitm_store;	/* one run at a time; read after run_end */
	memset(r->m, 0, sizeof *r->m);
	pthread_mutex_init(&r->m->lock, NULL);
	r->m->mode = mode;
	r->m->agent_port = aport;
	r->m->lfd = listen_local(&mport);
	pthread_create(&r->at, NULL, agent_main_one, &r->a);
	pthread_create(&r->mt, NULL, mitm_main, r->m);
	snprintf(hp, sizeof hp, "127.0.0.1:%d", mport);
	r->rc = agent_dial(hp, target, 3000, &r->fd);
	if (r->rc == 0)
		fcntl(r->fd, F_SETFL, 0);	/* blocking, for the test */
}

static void
run_end(struct run *r)
{
	if (r->rc == 0)
		close(r->fd);
	pthread_join(r->at, NULL);
	pthread_join(r->mt, NULL);
	if (r->a.target >= 0)
		close(r->a.target);
	close(r->a.lfd);
	close(r->m->lfd);
	pthread_mutex_destroy(&r->m->lock);
}

static const char secret[] = "secret-payload-0123456789";
static unsigned char first_pub[64];	/* the agent's key in test_clean */
static const char answer[] = "answer-from-the-workspace";

/* Both ways, ended both ways, nothing readable on the wire. */
static void
test_clean(void)
{
	unsigned char b[256];
	struct run r;
	int eof;

	run_start(&r, PASS, TOKEN, "sup ws-test");
	CHECK_EQ_INT(r.rc, 0);
	if (r.rc != 0)
		return;
	CHECK(write(r.fd, secret, strlen(secret)) == (ssize_t)strlen(secret));
	CHECK_EQ_INT(read_some(r.a.target, b, strlen(secret), &eof),
	    strlen(secret));
	CHECK(memcmp(b, secret, strlen(secret)) == 0);
	CHECK(write(r.a.target, answer, strlen(answer)) ==
	    (ssize_t)strlen(answer));
	CHECK_EQ_INT(read_some(r.fd, b, strlen(answer), &eof),
	    strlen(answer));
	CHECK(memcmp(b, answer, strlen(answer)) == 0);
	/* a half-close crosses as the sealed end, both ways */
	shutdown(r.fd, SHUT_WR);
	CHECK_EQ_INT(read_some(r.a.target, b, sizeof b, &eof), 0);
	CHECK(eof);
	shutdown(r.a.target, SHUT_WR);
	CHECK_EQ_INT(read_some(r.fd, b, sizeof b, &eof), 0);
	CHECK(eof);
	run_end(&r);
	CHECK_EQ_INT(r.a.accepted, 1);
	CHECK_EQ_INT(r.a.rc, 0);
	CHECK(contains(r.m->seen, r.m->nseen, "BERTH-AGENT/3 "));
	memcpy(first_pub, r.m->seen + GREET_PUB, 64);
	CHECK(!contains(r.m->seen, r.m->nseen, "secret-payload"));
	CHECK(!contains(r.m->seen, r.m->nseen, "answer-from"));
}

/* A record changed on the way: refused, the link dropped, nothing of
 * it (nor anything after it) reaches the target. */
static void
test_tampered(int mode)
{
	unsigned char b[256];
	struct run r;
	size_t n;
	int eof;

	run_start(&r, mode, TOKEN, "sup ws-test");
	CHECK_EQ_INT(r.rc, 0);
	if (r.rc != 0)
		return;
	CHECK(write(r.fd, secret, strlen(secret)) == (ssize_t)strlen(secret));
	n = read_some(r.a.target, b, sizeof b, &eof);
	CHECK(eof);
	if (mode == FLIP)
		CHECK_EQ_INT(n, 0);
	else {
		/* the record once, then the link ends at its copy */
		CHECK_EQ_INT(n, strlen(secret));
		CHECK(memcmp(b, secret, n) == 0);
	}
	/* the manager's end sees the link gone */
	CHECK_EQ_INT(read_some(r.fd, b, sizeof b, &eof), 0);
	CHECK(eof);
	run_end(&r);
	CHECK_EQ_INT(r.a.accepted, 1);
	CHECK_EQ_INT(r.a.rc, ERR_UNAUTH);
}

struct writer {
	int			 fd;
	const unsigned char	*p;
	size_t			 n;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	size_t off = 0;
	ssize_t r;

	while (off < w->n && (r = write(w->fd, w->p + off, w->n - off)) > 0)
		off += (size_t)r;
	shutdown(w->fd, SHUT_WR);
	return NULL;
}

/* Bulk both ways at once, in many records, intact. */
static void
test_bulk(void)
{
	size_t n = 1 << 20;
	unsigned char *up = malloc(n), *down = malloc(n), *got = malloc(n);
	struct writer w1, w2;
	pthread_t t1, t2;
	struct run r;
	int eof;

	for (size_t i = 0; i < n; i++) {
		up[i] = (unsigned char)(i * 7 + (i >> 11));
		down[i] = (unsigned char)(i * 13 + 5);
	}
	run_start(&r, PASS, TOKEN, "sup ws-test");
	CHECK_EQ_INT(r.rc, 0);
	if (r.rc == 0) {
		w1 = (struct writer){ r.fd, up, n };
		w2 = (struct writer){ r.a.target, down, n };
		pthread_create(&t1, NULL, writer_main, &w1);
		pthread_create(&t2, NULL, writer_main, &w2);
		CHECK_EQ_INT(read_some(r.a.target, got, n, &eof), n);
		CHECK(memcmp(got, up, n) == 0);
		CHECK_EQ_INT(read_some(r.fd, got, n, &eof), n);
		CHECK(memcmp(got, down, n) == 0);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
		run_end(&r);
		CHECK_EQ_INT(r.a.rc, 0);
		/* A fresh key pair per link (forward secrecy). */
		CHECK(memcmp(r.m->seen + GREET_PUB, first_pub, 64) != 0);
	}
	free(up);
	free(down);
	free(got);
}

/* The agent's public key swapped on the way (by someone without the
 * token): the proofs cover both keys, so the link is refused. */
static void
test_key_swapped(void)
{
	struct run r;

	run_start(&r, KXFLIP, TOKEN, "sup ws-test");
	CHECK_EQ_INT(r.rc, ERR_UNAUTH);
	run_end(&r);
	CHECK_EQ_INT(r.a.accepted, 0);
	CHECK_EQ_INT(r.a.target, -1);
}

/* Either side without the token: refused before any target. */
static void
test_wrong_token(void)
{
	struct run r;

	run_start(&r, PASS, "another-token-0123456789abcdef", "sup ws-test");
	CHECK_EQ_INT(r.rc, ERR_UNAUTH);
	run_end(&r);
	CHECK_EQ_INT(r.a.accepted, 0);
	CHECK_EQ_INT(r.a.target, -1);
	run_start(&r, PASS, TOKEN, "sup nothere");
	CHECK_EQ_INT(r.rc, ERR_NOTFOUND);
	run_end(&r);
}

int
main(void)
{
	char path[] = "/tmp/test-agent-link-XXXXXX";
	int fd;

	log_init(LOG_ERROR, 0);
	if ((fd = mkstemp(path)) < 0 || fchmod(fd, 0600) != 0 ||
	    write(fd, TOKEN "\n", strlen(TOKEN) + 1) < 0) {
		perror("token file");
		return 1;
	}
	close(fd);
	CHECK_EQ_INT(agent_link_init(path), 0);
	unlink(path);
	test_clean();
	test_tampered(FLIP);
	test_tampered(REPLAY);
	test_bulk();
	test_key_swapped();
	test_wrong_token();
	CHECK_DONE();
}
