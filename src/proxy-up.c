/* proxy-up.c: the port proxy's side towards the server inside a
 * workspace: the container's address (cached), connecting to it, and
 * idle connections kept after a response for the next request to the
 * same server (as a browser keeps its own). Request threads; one lock
 * for each table, never held across a peer's I/O. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proxy.h"
#include "rt.h"
#include "timeutil.h"
#include "xmalloc.h"

#define CONNECT_MS	3000

/* Container addresses, looked up again after ADDR_TTL or when a connect
 * fails: asking the engine for each request would double a page's
 * latency. */
#define ADDR_TTL	10	/* s */
static struct {
	char	cid[72];
	char	ip[48];
	int64_t	at;
} addrs[64];
static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;

int
proxy_addr(struct rt *rt, const char *cid, int fresh, char *ip, size_t ipsz)
{
	struct rt_state st;
	unsigned h = 0;
	int rc;

	for (const char *p = cid; *p != '\0'; p++)
		h = h * 31 + (unsigned char)*p;
	h %= sizeof addrs / sizeof addrs[0];
	pthread_mutex_lock(&addr_lock);
	if (!fresh && strcmp(addrs[h].cid, cid) == 0 &&
	    now_s() - addrs[h].at < ADDR_TTL) {
		strlcpy_b(ip, addrs[h].ip, ipsz);
		pthread_mutex_unlock(&addr_lock);
		return 1;
	}
	pthread_mutex_unlock(&addr_lock);
	if ((rc = rt_inspect(rt, cid, &st)) != 0)
		return rc;
	if (st.ip[0] == '\0')
		return err_set(ERR_NOTFOUND, "no address");
	strlcpy_b(ip, st.ip, ipsz);
	pthread_mutex_lock(&addr_lock);
	strlcpy_b(addrs[h].cid, cid, sizeof addrs[h].cid);
	strlcpy_b(addrs[h].ip, st.ip, sizeof addrs[h].ip);
	addrs[h].at = now_s();
	pthread_mutex_unlock(&addr_lock);
	return 0;
}

int
proxy_connect(const char *ip, int port)
{
	struct sockaddr_in sa;
	struct pollfd p;
	socklen_t sl = sizeof(int);
	int fd, e = 0, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, CONNECT_MS) != 1) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0 || e != 0) {
		errno = e != 0 ? e : EIO;
		goto fail;
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Idle connections to servers inside workspaces. A server may close an
 * idle connection at any time (Node's default is after 5 s), so one is
 * kept for less than that, checked before it is used again, and a
 * request that finds it closed before any answer is sent again on a new
 * connection (proxy.c). */
#define POOL_N		64
#define POOL_IDLE_MS	4000
static struct {
	int	fd;		/* 0: the slot is free (0 is never ours) */
	int	port;
	char	cid[72];
	char	ip[48];
	int64_t	at;		/* mono_ms() when it was put back */
} pool[POOL_N];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the idle connection fd is still open and quiet. */
static int
alive(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* Takes one idle connection to the server out of the pool, closing
 * those kept too long on the way: the fd, or -1. */
static int
pool_take(const char *cid, const char *ip, int port)
{
	int64_t now = mono_ms();
	int fd = -1, stale[POOL_N], nstale = 0;

	pthread_mutex_lock(&pool_lock);
	for (int i = 0; i < POOL_N; i++) {
		if (pool[i].fd <= 0)
			continue;
		if (now - pool[i].at > POOL_IDLE_MS) {
			stale[nstale++] = pool[i].fd;
			pool[i].fd = 0;
			continue;
		}
		if (fd < 0 && pool[i].port == port &&
		    strcmp(pool[i].cid, cid) == 0 &&
		    strcmp(pool[i].ip, ip) == 0) {
			fd = pool[i].fd;
			pool[i].fd = 0;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	for (int i = 0; i < nstale; i++)
		close(stale[i]);
	return fd;
}

int
proxy_pool_get(const char *cid, const char *ip, int port)
{
	int fd;

	while ((fd = pool_take(cid, ip, port)) >= 0 && !alive(fd))
		close(fd);
	return fd;
}

void
proxy_pool_put(int fd, const char *cid, const char *ip, int port)
{
	int64_t now = mono_ms(), oldest = INT64_MAX;
	int slot = -1, old = -1;

	if (fd <= 0)
		return;
	pthread_mutex_lock(&pool_lock);
	for (int i = 0; i < POOL_N && slot < 0; i++) {
		if (pool[i].fd <= 0)
			slot = i;
		else if (pool[i].at < oldest) {
			oldest = pool[i].at;
			old = i;
		}
	}
	if (slot < 0) {
		/* Full: the longest idle makes room. */
		slot = old;
		old = pool[slot].fd;
	} else
		old = -1;
	pool[slot].fd = fd;
	pool[slot].port = port;
	strlcpy_b(pool[slot].cid, cid, sizeof pool[slot].cid);
	strlcpy_b(pool[slot].ip, ip, sizeof pool[slot].ip);
	pool[slot].at = now;
	pthread_mutex_unlock(&pool_lock);
	if (old >= 0)
		close(old);
}
