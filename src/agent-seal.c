/* agent-seal.c: the sealed records of the agent link (agent-seal.h):
 * ChaCha20-Poly1305 through OpenSSL's EVP, and the relay that carries a
 * local socket's bytes over the link in records. Any thread; an
 * agent_seal belongs to one thread at a time. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "agent-seal.h"
#include "err.h"
#include "log.h"
#include "xmalloc.h"

#define NONCE_LEN	12

struct agent_seal {
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 key[AGENT_KEY_LEN];
	uint64_t	 ctr;		/* records sealed or opened */
};

struct agent_seal *
agent_seal_new(const unsigned char *key)
{
	struct agent_seal *s = xcalloc(1, sizeof *s);

	if ((s->ctx = EVP_CIPHER_CTX_new()) == NULL)
		fatal("EVP_CIPHER_CTX_new failed");
	memcpy(s->key, key, AGENT_KEY_LEN);
	return s;
}

void
agent_seal_free(struct agent_seal *s)
{
	if (s == NULL)
		return;
	EVP_CIPHER_CTX_free(s->ctx);
	OPENSSL_cleanse(s->key, sizeof s->key);
	free(s);
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The nonce of record ctr: 4 zero bytes, the counter big-endian. */
static void
nonce_of(uint64_t ctr, unsigned char n[NONCE_LEN])
{
	memset(n, 0, NONCE_LEN);
	for (int i = 0; i < 8; i++)
		n[NONCE_LEN - 1 - i] = (unsigned char)(ctr >> (8 * i));
}

int
agent_seal_put(struct agent_seal *s, const void *p, size_t len,
    unsigned char *out)
{
	unsigned char n[NONCE_LEN];
	int l = 0, l2 = 0;

	if (len > AGENT_REC_MAX)
		return err_set(ERR_TOOBIG, "a record of %zu bytes", len);
	be32(out, (uint32_t)len);
	nonce_of(s->ctr, n);
	if (EVP_CipherInit_ex(s->ctx, EVP_chacha20_poly1305(), NULL, s->key,
	    n, 1) != 1 ||
	    EVP_CipherUpdate(s->ctx, NULL, &l, out, AGENT_REC_HDR) != 1 ||
	    (len > 0 && EVP_CipherUpdate(s->ctx, out + AGENT_REC_HDR, &l,
	    p, (int)len) != 1) ||
	    EVP_CipherFinal_ex(s->ctx, out + AGENT_REC_HDR + len, &l2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_GET_TAG, AGENT_REC_TAG,
	    out + AGENT_REC_HDR + len) != 1)
		return err_set(ERR_INTERNAL, "cannot seal a record");
	s->ctr++;
	return 0;
}

long
agent_seal_open(struct agent_seal *s, const unsigned char *in, size_t n,
    unsigned char *out, size_t *plen)
{
	unsigned char nb[NONCE_LEN], tag[AGENT_REC_TAG];
	size_t len;
	int l = 0, l2 = 0, ok;

	*plen = 0;
	if (n < AGENT_REC_HDR)
		return 0;
	len = (size_t)in[0] << 24 | (size_t)in[1] << 16 |
	    (size_t)in[2] << 8 | in[3];
	if (len > AGENT_REC_MAX)
		return err_set(ERR_TOOBIG, "the agent link sent a record of "
		    "%zu bytes", len);
	if (n < len + AGENT_REC_OVER)
		return 0;
	memcpy(tag, in + AGENT_REC_HDR + len, AGENT_REC_TAG);
	nonce_of(s->ctr, nb);
	ok = EVP_CipherInit_ex(s->ctx, EVP_chacha20_poly1305(), NULL, s->key,
	    nb, 0) == 1 &&
	    EVP_CipherUpdate(s->ctx, NULL, &l, in, AGENT_REC_HDR) == 1 &&
	    (len == 0 || EVP_CipherUpdate(s->ctx, out, &l,
	    in + AGENT_REC_HDR, (int)len) == 1) &&
	    EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_AEAD_SET_TAG, AGENT_REC_TAG,
	    tag) == 1 &&
	    EVP_CipherFinal_ex(s->ctx, out + len, &l2) == 1;
	if (!ok) {
		OPENSSL_cleanse(out, len);
		return err_set(ERR_UNAUTH, "a record on the agent link failed "
		    "its check (changed, replayed or out of order)");
	}
	s->ctr++;
	*plen = len;
	return (long)(len + AGENT_REC_OVER);
}

/* One relay: sealed plain -> wire through sbuf, opened wire -> plain
 * through rbuf (records as they come) and pbuf (one opened record). */
struct relay {
	struct agent_seal	*tx, *rx;
	unsigned char		*sbuf, *rbuf, *pbuf;
	size_t			 slen, soff, rlen, plen, poff;
	int			 plain_eof, end_sent, wire_shut;
	int			 wire_end, plain_shut;
};

/* Opens the next record in rbuf when pbuf is empty. */
static int
open_next(struct relay *y)
{
	long k;

	if (y->poff < y->plen || y->wire_end)
		return 0;
	y->plen = y->poff = 0;
	if ((k = agent_seal_open(y->rx, y->rbuf, y->rlen, y->pbuf,
	    &y->plen)) <= 0)
		return (int)k;
	memmove(y->rbuf, y->rbuf + k, y->rlen - (size_t)k);
	y->rlen -= (size_t)k;
	if (y->plen == 0) {
		y->wire_end = 1;
		if (y->rlen > 0)
			return err_set(ERR_UNAUTH, "bytes after the end of "
			    "the agent link");
	}
	return 0;
}

static int
step(struct relay *y, int plain, int wire)
{
	struct pollfd p[2] = { { .fd = plain }, { .fd = wire } };
	ssize_t n;
	int r;

	if ((r = open_next(y)) != 0)
		return r;
	if (y->soff == y->slen && y->plain_eof && !y->end_sent) {
		if ((r = agent_seal_put(y->tx, NULL, 0, y->sbuf)) != 0)
			return r;
		y->slen = AGENT_REC_OVER;
		y->soff = 0;
		y->end_sent = 1;
	}
	if (y->end_sent && y->soff == y->slen && !y->wire_shut) {
		(void)shutdown(wire, SHUT_WR);
		y->wire_shut = 1;
	}
	if (y->wire_end && y->poff == y->plen && !y->plain_shut) {
		(void)shutdown(plain, SHUT_WR);
		y->plain_shut = 1;
	}
	if (y->wire_shut && y->plain_shut)
		return 1;
	if (y->soff < y->slen)
		p[1].events |= POLLOUT;
	else if (!y->plain_eof)
		p[0].events |= POLLIN;
	if (y->poff < y->plen)
		p[0].events |= POLLOUT;
	else if (!y->wire_end)
		p[1].events |= POLLIN;
	/* A hung-up fd nobody waits on would wake poll at once. */
	for (int i = 0; i < 2; i++)
		if (p[i].events == 0)
			p[i].fd = -1;
	if (poll(p, 2, -1) < 0)
		return errno == EINTR ? 0 : err_set(ERR_IO, "poll: %s",
		    strerror(errno));
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR) && !y->plain_eof &&
	    y->soff == y->slen) {
		n = recv(plain, y->sbuf + AGENT_REC_HDR, AGENT_REC_MAX, 0);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return err_set(ERR_IO, "recv: %s", strerror(errno));
		if (n == 0)
			y->plain_eof = 1;
		else if (n > 0) {
			/* sealed in place: the header goes before the data */
			if ((r = agent_seal_put(y->tx, y->sbuf +
			    AGENT_REC_HDR, (size_t)n, y->sbuf)) != 0)
				return r;
			y->slen = (size_t)n + AGENT_REC_OVER;
			y->soff = 0;
		}
	}
	if (p[1].revents & (POLLOUT | POLLERR) && y->soff < y->slen) {
		n = send(wire, y->sbuf + y->soff, y->slen - y->soff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return err_set(ERR_IO, "send: %s", strerror(errno));
		if (n > 0)
			y->soff += (size_t)n;
	}
	if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !y->wire_end &&
	    y->poff == y->plen) {
		n = recv(wire, y->rbuf + y->rlen, AGENT_REC_MAX +
		    AGENT_REC_OVER - y->rlen, 0);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return err_set(ERR_IO, "recv: %s", strerror(errno));
		if (n == 0)
			return err_set(ERR_EOF, "the agent link was cut "
			    "without its end");
		if (n > 0)
			y->rlen += (size_t)n;
	}
	if (p[0].revents & (POLLOUT | POLLERR) && y->poff < y->plen) {
		n = send(plain, y->pbuf + y->poff, y->plen - y->poff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return err_set(ERR_IO, "send: %s", strerror(errno));
		if (n > 0)
			y->poff += (size_t)n;
	}
	return 0;
}

int
agent_seal_relay(int plain, int wire, const struct agent_keys *k)
{
	struct relay y;
	int r;

	memset(&y, 0, sizeof y);
	y.tx = agent_seal_new(k->tx);
	y.rx = agent_seal_new(k->rx);
	y.sbuf = xmalloc(AGENT_REC_MAX + AGENT_REC_OVER);
	y.rbuf = xmalloc(AGENT_REC_MAX + AGENT_REC_OVER);
	y.pbuf = xmalloc(AGENT_REC_MAX);
	while ((r = step(&y, plain, wire)) == 0)
		;
	agent_seal_free(y.tx);
	agent_seal_free(y.rx);
	free(y.sbuf);
	free(y.rbuf);
	OPENSSL_cleanse(y.pbuf, AGENT_REC_MAX);
	free(y.pbuf);
	return r > 0 ? 0 : r;
}
