/* agent-link.c: the join-token handshake of agent-link.h, both sides,
 * with an ephemeral X25519 exchange (OpenSSL EVP) for the link's keys.
 * Lines are short and read a byte at a time under one deadline; proofs
 * are compared in constant time. Any thread after agent_link_init. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "agent-link.h"
#include "agent-seal.h"
#include "err.h"
#include "timeutil.h"
#include "xmalloc.h"

#define NONCE_HEX	32
#define MAC_HEX		64
#define PUB_HEX		64	/* an X25519 public key */
#define DH_LEN		32	/* and the secret of two */
#define GREETING	"BERTH-AGENT/3 "

static char	client_token[256];	/* set once at start-up */

int
agent_token_read(const char *path, char *tok, size_t size)
{
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(ERR_IO, "cannot read the agent token file %s: "
		    "%s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		return err_set(ERR_INVAL, "the agent token file %s is "
		    "readable by others (chmod 600 it)", path);
	}
	n = read(fd, tok, size - 1);
	close(fd);
	if (n < 0)
		return err_set(ERR_IO, "cannot read %s: %s", path,
		    strerror(errno));
	tok[n] = '\0';
	len = strcspn(tok, "\r\n");
	tok[len] = '\0';
	if (len < AGENT_TOKEN_MIN) {
		explicit_bzero(tok, size);
		return err_set(ERR_INVAL, "the agent token in %s is shorter "
		    "than %d characters", path, AGENT_TOKEN_MIN);
	}
	return 0;
}

int
agent_link_init(const char *token_file)
{
	if (token_file == NULL || *token_file == '\0')
		return err_set(ERR_INVAL, "no agent token file");
	return agent_token_read(token_file, client_token,
	    sizeof client_token);
}

static void
hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
nonce(char out[NONCE_HEX + 1])
{
	unsigned char r[NONCE_HEX / 2];

	if (RAND_bytes(r, sizeof r) != 1)
		return err_set(ERR_INTERNAL, "no randomness for a nonce");
	hex(r, sizeof r, out);
	return 0;
}

/* A fresh X25519 key pair: *kp and its public half in hex. */
static int
kx_new(EVP_PKEY **kp, char pub[PUB_HEX + 1])
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	unsigned char raw[PUB_HEX / 2];
	size_t n = sizeof raw;
	int ok;

	*kp = NULL;
	ok = c != NULL && EVP_PKEY_keygen_init(c) == 1 &&
	    EVP_PKEY_keygen(c, kp) == 1 &&
	    EVP_PKEY_get_raw_public_key(*kp, raw, &n) == 1 && n == sizeof raw;
	EVP_PKEY_CTX_free(c);
	if (!ok) {
		EVP_PKEY_free(*kp);
		*kp = NULL;
		return err_set(ERR_INTERNAL, "no X25519 key for the link");
	}
	hex(raw, sizeof raw, pub);
	return 0;
}

/* The X25519 secret of mine and the peer's public key (hex) into dh;
 * ERR_UNAUTH for a key that is not one (bad hex, a low-order point). */
static int
kx_secret(EVP_PKEY *mine, const char *peer_hex, unsigned char dh[DH_LEN])
{
	unsigned char raw[PUB_HEX / 2];
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *c = NULL;
	size_t n = DH_LEN;
	int ok;

	if (strlen(peer_hex) != PUB_HEX ||
	    strspn(peer_hex, "0123456789abcdef") != PUB_HEX)
		return err_set(ERR_UNAUTH, "a bad key on the agent link");
	for (size_t i = 0; i < sizeof raw; i++) {
		char b[3] = { peer_hex[2 * i], peer_hex[2 * i + 1], '\0' };

		raw[i] = (unsigned char)strtoul(b, NULL, 16);
	}
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, raw,
	    sizeof raw);
	ok = peer != NULL && (c = EVP_PKEY_CTX_new(mine, NULL)) != NULL &&
	    EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_derive_set_peer(c, peer) == 1 &&
	    EVP_PKEY_derive(c, dh, &n) == 1 && n == DH_LEN;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(peer);
	if (!ok) {
		OPENSSL_cleanse(dh, DH_LEN);
		return err_set(ERR_UNAUTH, "no key exchange on the agent "
		    "link (a bad public key)");
	}
	return 0;
}

/* The key of one direction: HMAC-SHA256(tok, "key " who "\n" snonce
 * "\n" cnonce "\n" target "\n" hex(dh)); who is the side that seals
 * with it, dh the link's X25519 secret (forward secrecy: the token and
 * a recording of the link do not give it). */
static void
link_key(const char *tok, const char *who, const char *snonce,
    const char *cnonce, const char *target, const unsigned char *dh,
    unsigned char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mlen = 0;
	char dhx[2 * DH_LEN + 1], *msg;

	hex(dh, DH_LEN, dhx);
	msg = xasprintf("key %s\n%s\n%s\n%s\n%s", who, snonce, cnonce,
	    target, dhx);
	HMAC(EVP_sha256(), tok, (int)strlen(tok), (unsigned char *)msg,
	    strlen(msg), mac, &mlen);
	OPENSSL_cleanse(msg, strlen(msg));
	OPENSSL_cleanse(dhx, sizeof dhx);
	free(msg);
	memcpy(out, mac, AGENT_KEY_LEN);
	OPENSSL_cleanse(mac, sizeof mac);
}

/* HMAC-SHA256(tok, who "\n" snonce "\n" cnonce "\n" spub "\n" cpub
 * "\n" target) in hex: each side's proof covers both nonces and both
 * public keys, so nobody without the token can put a key of its own
 * in the middle. */
static void
proof(const char *tok, const char *who, const char *snonce,
    const char *cnonce, const char *spub, const char *cpub,
    const char *target, char out[MAC_HEX + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mlen = 0;
	char *msg = xasprintf("%s\n%s\n%s\n%s\n%s\n%s", who, snonce, cnonce,
	    spub, cpub, target);

	HMAC(EVP_sha256(), tok, (int)strlen(tok), (unsigned char *)msg,
	    strlen(msg), mac, &mlen);
	free(msg);
	hex(mac, 32, out);
	explicit_bzero(mac, sizeof mac);
}

static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left;
	int r;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			return err_set(ERR_TIMEOUT, "the agent link timed "
			    "out");
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_set(ERR_IO, "poll: %s", strerror(errno));
	}
}

static int
put_line(int fd, const char *s, int64_t deadline)
{
	size_t n = strlen(s), off = 0;
	ssize_t w;
	int r;

	while (off < n) {
		if ((r = wait_fd(fd, POLLOUT, deadline)) != 0)
			return r;
		w = send(fd, s + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return err_set(ERR_EOF, "the agent link broke: %s",
			    strerror(errno));
		off += (size_t)w;
	}
	return 0;
}

/* One line without its newline; no byte past it is consumed (what has
 * come is peeked at, and taken up to its newline). */
static int
get_line(int fd, char *b, size_t size, int64_t deadline)
{
	size_t n = 0, take;
	ssize_t r;
	char *nl;
	int rc;

	for (;;) {
		if ((rc = wait_fd(fd, POLLIN, deadline)) != 0)
			return rc;
		r = recv(fd, b + n, size - 1 - n, MSG_PEEK);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return err_set(ERR_EOF, "the agent link was closed");
		nl = memchr(b + n, '\n', (size_t)r);
		take = nl != NULL ? (size_t)(nl - (b + n)) + 1 : (size_t)r;
		if ((r = recv(fd, b + n, take, 0)) <= 0)
			return err_set(ERR_EOF, "the agent link was closed");
		n += (size_t)r;
		if (nl != NULL && (size_t)r == take) {
			b[n - 1] = '\0';
			return 0;
		}
		if (n >= size - 1)
			return err_set(ERR_EOF, "the agent link sent a line "
			    "too long");
	}
}

static int
set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK :
	    fl & ~O_NONBLOCK) < 0)
		return err_set(ERR_IO, "fcntl: %s", strerror(errno));
	return 0;
}

static int
tcp_connect(const char *hostport, int64_t deadline, int *fdp)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], *colon;
	const char *port;
	socklen_t sl;
	int fd = -1, r, soerr = 0, one = 1;

	if (strlcpy_b(host, hostport, sizeof host) >= sizeof host ||
	    (colon = strrchr(host, ':')) == NULL)
		return err_set(ERR_INVAL, "bad agent address '%s' (want "
		    "host:port)", hostport);
	*colon = '\0';
	port = colon + 1;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL)
		return err_set(ERR_BACKEND, "cannot resolve agent address "
		    "'%s'", hostport);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	}
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r != 0 && errno == EINPROGRESS) {
		if ((r = wait_fd(fd, POLLOUT, deadline)) != 0) {
			close(fd);
			return err_set(r, "berth agent at %s not reachable: "
			    "connect timed out", hostport);
		}
		sl = sizeof soerr;
		r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr == 0 ? 0 : -1;
		errno = soerr;
	}
	if (r != 0) {
		int e = errno;

		close(fd);
		return err_set(ERR_BACKEND, "berth agent at %s not reachable: "
		    "%s", hostport, strerror(e));
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	*fdp = fd;
	return 0;
}

int
agent_link_connect(int fd, const char *tok, const char *peer,
    const char *target, int timeout_ms, struct agent_keys *k)
{
	char line[AGENT_LINE_MAX], snonce[NONCE_HEX + 1], cnonce[NONCE_HEX + 1];
	char spub[PUB_HEX + 1], cpub[PUB_HEX + 1], mac[MAC_HEX + 1];
	unsigned char dh[DH_LEN];
	int64_t deadline = mono_ms() + timeout_ms;
	size_t gl = strlen(GREETING);
	EVP_PKEY *kx = NULL;
	char *msg = NULL;
	int r;

	if ((r = get_line(fd, line, sizeof line, deadline)) != 0)
		goto out;
	/* GREETING <snonce> <spub> */
	if (strncmp(line, GREETING, gl) != 0 ||
	    strlen(line + gl) != NONCE_HEX + 1 + PUB_HEX ||
	    line[gl + NONCE_HEX] != ' ') {
		r = err_set(ERR_BACKEND, "%s is not a berth agent of this "
		    "version (want %.13s)", peer, GREETING);
		goto out;
	}
	memcpy(snonce, line + gl, NONCE_HEX);
	snonce[NONCE_HEX] = '\0';
	memcpy(spub, line + gl + NONCE_HEX + 1, sizeof spub);
	if ((r = nonce(cnonce)) != 0 || (r = kx_new(&kx, cpub)) != 0)
		goto out;
	proof(tok, "manager", snonce, cnonce, spub, cpub, target, mac);
	msg = xasprintf("AUTH %s %s %s %s\n", cnonce, cpub, mac, target);
	if ((r = put_line(fd, msg, deadline)) != 0 ||
	    (r = get_line(fd, line, sizeof line, deadline)) != 0)
		goto out;
	if (strncmp(line, "NO ", 3) == 0) {
		r = err_set(strstr(line, "token") != NULL ? ERR_UNAUTH :
		    ERR_NOTFOUND, "berth agent at %s: %s", peer, line + 3);
		goto out;
	}
	proof(tok, "agent", snonce, cnonce, spub, cpub, target, mac);
	if (strncmp(line, "OK ", 3) != 0 || strlen(line + 3) != MAC_HEX ||
	    CRYPTO_memcmp(line + 3, mac, MAC_HEX) != 0) {
		r = err_set(ERR_UNAUTH, "berth agent at %s did not prove the "
		    "join token", peer);
		goto out;
	}
	if ((r = kx_secret(kx, spub, dh)) != 0)
		goto out;
	link_key(tok, "manager", snonce, cnonce, target, dh, k->tx);
	link_key(tok, "agent", snonce, cnonce, target, dh, k->rx);
	OPENSSL_cleanse(dh, sizeof dh);
	r = 0;
 out:
	EVP_PKEY_free(kx);
	free(msg);
	return r;
}

struct carrier {
	int			plain, wire;
	struct agent_keys	k;
};

/* One link's records on the manager's side, until both ends are done. */
static void *
carrier_main(void *arg)
{
	struct carrier *c = arg;

	(void)agent_seal_relay(c->plain, c->wire, &c->k);
	close(c->plain);
	close(c->wire);
	OPENSSL_cleanse(&c->k, sizeof c->k);
	free(c);
	return NULL;
}

int
agent_dial(const char *hostport, const char *target, int timeout_ms,
    int *fdp)
{
	int64_t deadline = mono_ms() + timeout_ms;
	struct carrier *c = NULL;
	pthread_attr_t at;
	pthread_t t;
	int fd = -1, sv[2] = { -1, -1 }, r, left;

	*fdp = -1;
	if (client_token[0] == '\0')
		return err_set(ERR_INVAL, "no agent token configured");
	if ((r = tcp_connect(hostport, deadline, &fd)) != 0)
		return r;
	c = xcalloc(1, sizeof *c);
	left = (int)(deadline - mono_ms());
	if ((r = agent_link_connect(fd, client_token, hostport, target,
	    left > 0 ? left : 1, &c->k)) != 0)
		goto out;
	/* The caller gets a local socket; a thread seals and opens. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
	    sv) != 0) {
		r = err_set(ERR_IO, "socketpair: %s", strerror(errno));
		goto out;
	}
	c->plain = sv[1];
	c->wire = fd;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &at, carrier_main, c);
	pthread_attr_destroy(&at);
	if (r != 0) {
		r = err_set(ERR_INTERNAL, "pthread_create: %s", strerror(r));
		goto out;
	}
	*fdp = sv[0];
	return 0;
 out:
	if (c != NULL)
		OPENSSL_cleanse(&c->k, sizeof c->k);
	free(c);
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	close(fd);
	return r;
}

int
agent_link_accept(int fd, const char *tok, int timeout_ms,
    int (*open_target)(const char *, void *, int *), void *arg, int *tfdp,
    struct agent_keys *k)
{
	char line[AGENT_LINE_MAX], snonce[NONCE_HEX + 1], mac[MAC_HEX + 1];
	char spub[PUB_HEX + 1], *hello = NULL, *ok = NULL, *cn, *cp, *cm, *tg;
	unsigned char dh[DH_LEN];
	int64_t deadline = mono_ms() + timeout_ms;
	EVP_PKEY *kx = NULL;
	int r;

	*tfdp = -1;
	if ((r = set_nonblock(fd, 1)) != 0 || (r = nonce(snonce)) != 0 ||
	    (r = kx_new(&kx, spub)) != 0)
		goto out;
	hello = xasprintf(GREETING "%s %s\n", snonce, spub);
	if ((r = put_line(fd, hello, deadline)) != 0 ||
	    (r = get_line(fd, line, sizeof line, deadline)) != 0)
		goto out;
	/* AUTH <cnonce> <cpub> <mac> <target...> */
	cn = line + 5;
	if (strncmp(line, "AUTH ", 5) != 0 || strlen(cn) < NONCE_HEX +
	    PUB_HEX + MAC_HEX + 4 || cn[NONCE_HEX] != ' ' ||
	    cn[NONCE_HEX + 1 + PUB_HEX] != ' ' ||
	    cn[NONCE_HEX + 1 + PUB_HEX + 1 + MAC_HEX] != ' ') {
		r = err_set(ERR_UNAUTH, "not a berth manager");
		goto out;
	}
	cn[NONCE_HEX] = '\0';
	cp = cn + NONCE_HEX + 1;
	cp[PUB_HEX] = '\0';
	cm = cp + PUB_HEX + 1;
	cm[MAC_HEX] = '\0';
	tg = cm + MAC_HEX + 1;
	proof(tok, "manager", snonce, cn, spub, cp, tg, mac);
	if (CRYPTO_memcmp(cm, mac, MAC_HEX) != 0 ||
	    strspn(cn, "0123456789abcdef") != NONCE_HEX) {
		(void)put_line(fd, "NO bad join token\n", deadline);
		r = err_set(ERR_UNAUTH, "a manager failed the join token");
		goto out;
	}
	/* Proved: its key must make a secret with ours. */
	if ((r = kx_secret(kx, cp, dh)) != 0) {
		(void)put_line(fd, "NO bad key exchange\n", deadline);
		goto out;
	}
	/* Say plainly when the target is not there. */
	if ((r = open_target(tg, arg, tfdp)) != 0) {
		ok = xasprintf("NO %s\n", err_msg());
		(void)put_line(fd, ok, deadline);
		goto out;
	}
	proof(tok, "agent", snonce, cn, spub, cp, tg, mac);
	ok = xasprintf("OK %s\n", mac);
	if ((r = put_line(fd, ok, deadline)) != 0) {
		close(*tfdp);
		*tfdp = -1;
		goto out;
	}
	link_key(tok, "agent", snonce, cn, tg, dh, k->tx);
	link_key(tok, "manager", snonce, cn, tg, dh, k->rx);
 out:
	OPENSSL_cleanse(dh, sizeof dh);
	EVP_PKEY_free(kx);
	free(hello);
	free(ok);
	return r;
}

int
agent_dial_port(const char *hostport, const char *cid, int port,
    int timeout_ms, int *fdp)
{
	char *target = xasprintf("port %s %d", cid, port);
	int r;

	r = agent_dial(hostport, target, timeout_ms, fdp);
	free(target);
	return r;
}
