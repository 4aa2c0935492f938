/* ssh-gw.c: the gateway's listener: the persistent ed25519 host key, the
 * accept thread (which also enforces the login grace time), a detached
 * thread per connection (bounded in number, per address before auth), and
 * how a key and a login become a user and a workspace. ssh_gw_start/stop
 * run on the main thread. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "db.h"
#include "auth.h"
#include "err.h"
#include "log.h"
#include "ssh-conn.h"
#include "ssh-gw.h"
#include "ssh-keydb.h"
#include "ssh-rate.h"
#include "timeutil.h"
#include "ws.h"
#include "xmalloc.h"

#define GW_MAX_CONN		256
#define GW_MAX_PREAUTH		32	/* per source address */
/* Early drop (as sshd's MaxStartups, but by address rather than at
 * random): past GW_PREAUTH_PRESSURE unauthenticated connections, or at
 * GW_MAX_CONN in all, a newcomer from an address holding none of them is
 * let in and the oldest one of the address holding the most is cut; a
 * newcomer from an address that holds some is refused. So a flood from a
 * few addresses cannot lock out another's login. Cut connections leave
 * within moments; GW_OVERSHOOT bounds the count meanwhile. */
#define GW_PREAUTH_PRESSURE	128
#define GW_OVERSHOOT		64
#define GW_PRESSURE_ADDRS	64
#define GW_FAIL_BURST		20.0	/* failed auths at once */
#define GW_FAIL_RATE		2.0	/* refilled per second */
#define GW_STOP_WAIT_MS		5000

struct slot {
	struct slot	*next;
	int		 fd;
	char		 addr[64];
	char		 ip[48];
	int64_t		 deadline_ms;
	volatile int	 authed;
	ssh_session	 s;
};

static struct {
	int			 started;
	int			 lfd;
	int			 wake[2];
	ssh_bind		 bind;
	pthread_t		 thr;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct slot		*slots;
	int			 nconn;
	volatile int		 stopping;
	struct ssh_gw_env	 env;
	struct ssh_rate		*rate;
} gw = { .lfd = -1, .wake = { -1, -1 },
	.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* Key -> user, login -> one of that user's workspaces. Both unknown and
 * not-yours answer the same. */
static int
gw_authorize(const struct ssh_gw_env *env, const char *login,
    const ssh_key key, char *user, size_t usz, char *wsid, size_t wsz,
    unsigned *scopes)
{
	struct db *db = db_thread();
	struct principal who;
	struct ws *w = NULL;
	char apikey[40];
	int r;

	if (db == NULL)
		return ERR_INTERNAL;
	if ((r = sshkeys_owner(db, key, user, usz, apikey, sizeof apikey)) !=
	    0)
		return r;
	memset(&who, 0, sizeof who);
	/* A key added with a limited API key: that key's limits, while it
	 * exists and has not expired. A shell, exec, forwarding or sftp
	 * needs its exec or files scope (ssh-chan.c checks which). */
	if (*apikey != '\0') {
		if ((r = auth_key_principal(db, apikey, &who)) != 0)
			return r;
		if (strcmp(who.user, user) != 0 || (!auth_scope_ok(&who,
		    AUTH_EXEC) && !auth_scope_ok(&who, AUTH_FILES)))
			return err_set(ERR_FORBIDDEN, "key's scopes allow no "
			    "SSH");
	}
	*scopes = who.lim.scopes;
	if (strlcpy_b(who.user, user, sizeof who.user) >= sizeof who.user)
		return ERR_INVAL;
	who.admin = 0;	/* SSH reaches only one's own workspaces */
	if ((r = ws_resolve(db, &who, login, &w)) != 0)
		return r;
	if (strcmp(w->state, "deleting") == 0 ||
	    strlcpy_b(wsid, w->id, wsz) >= wsz)
		r = ERR_NOTFOUND;
	ws_free(w);
	return r;
}

/* Loads the host key at path, generating it (0600) first when missing. */
static int
hostkey_load(const char *path, ssh_key *out)
{
	ssh_key k = NULL;
	char *b64 = NULL, *tmp = NULL;
	struct stat st;
	size_t len;
	int fd = -1, r = ERR_IO;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return err_set(ERR_IO, "host key %s: %s", path,
			    strerror(errno));
		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k) != SSH_OK ||
		    ssh_pki_export_privkey_base64(k, NULL, NULL, NULL, &b64) !=
		    SSH_OK) {
			r = err_set(ERR_INTERNAL, "cannot generate host key");
			goto out;
		}
		tmp = xasprintf("%s.tmp", path);
		unlink(tmp);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		len = strlen(b64);
		if (fd < 0 || write(fd, b64, len) != (ssize_t)len ||
		    fsync(fd) != 0 || close(fd) != 0 ||
		    rename(tmp, path) != 0) {
			r = err_set(ERR_IO, "writing host key %s: %s", path,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			unlink(tmp);
			goto out;
		}
		fd = -1;
		log_info("ssh host key generated path=%s", path);
		ssh_key_free(k);
		k = NULL;
	} else if ((st.st_mode & 077) != 0 && chmod(path, 0600) != 0)
		log_warn("host key %s is group/world readable", path);
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &k) !=
	    SSH_OK) {
		r = err_set(ERR_INVAL, "host key %s cannot be read", path);
		goto out;
	}
	*out = k;
	k = NULL;
	r = 0;
out:
	if (b64 != NULL)
		ssh_string_free_char(b64);
	free(tmp);
	ssh_key_free(k);
	return r;
}

/* Parses "host:port" / "[v6]:port" and listens. */
static int
listen_on(const char *spec, int *fdp)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *port, *h = spec;
	size_t hl;
	int fd = -1, on = 1, e;

	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');

		if (end == NULL || end[1] != ':')
			return err_set(ERR_INVAL, "bad ssh listen address "
			    "'%s'", spec);
		h = spec + 1;
		hl = (size_t)(end - h);
		port = end + 2;
	} else {
		if ((port = strrchr(spec, ':')) == NULL)
			return err_set(ERR_INVAL, "bad ssh listen address "
			    "'%s' (want HOST:PORT)", spec);
		hl = (size_t)(port - spec);
		port++;
	}
	if (hl >= sizeof host)
		return err_set(ERR_INVAL, "bad ssh listen address '%s'", spec);
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(hl > 0 ? host : NULL, port, &hints, &res)) != 0)
		return err_set(ERR_INVAL, "ssh listen address '%s': %s", spec,
		    gai_strerror(e));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return err_set(ERR_IO, "ssh listen on %s: %s", spec,
		    strerror(e));
	}
	freeaddrinfo(res);
	*fdp = fd;
	return 0;
}

static void
fmt_addr(const struct sockaddr_storage *ss, char *addr, size_t asz,
    char *ip, size_t isz)
{
	char h[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, h, sizeof h);
		port = ntohs(a->sin_port);
		snprintf(addr, asz, "%s:%d", h, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof h);
		port = ntohs(a->sin6_port);
		snprintf(addr, asz, "[%s]:%d", h, port);
	} else
		snprintf(addr, asz, "unknown");
	snprintf(ip, isz, "%s", h);
}

static void
slot_unlink(struct slot *sl)
{
	struct slot **pp;

	pthread_mutex_lock(&gw.lock);
	for (pp = &gw.slots; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == sl) {
			*pp = sl->next;
			break;
		}
	}
	gw.nconn--;
	pthread_cond_broadcast(&gw.cond);
	pthread_mutex_unlock(&gw.lock);
}

static void *
conn_thread(void *arg)
{
	struct slot *sl = arg;

	ssh_conn_run(&gw.env, sl->s, sl->addr, &sl->authed);
	if (!sl->authed)
		ssh_rate_leave(gw.rate, sl->ip);
	/* Out of the watchdog's sight before the socket closes. */
	slot_unlink(sl);
	ssh_disconnect(sl->s);
	ssh_free(sl->s);
	free(sl);
	return NULL;
}

/* LoginGraceTime: cut connections that have not authenticated in time;
 * their thread sees the socket end and leaves. Lock held. */
static void
watchdog(int64_t now)
{
	struct slot *sl;

	for (sl = gw.slots; sl != NULL; sl = sl->next) {
		if (!sl->authed && now > sl->deadline_ms && sl->fd >= 0) {
			shutdown(sl->fd, SHUT_RDWR);
			sl->deadline_ms = INT64_MAX;
			log_info("ssh login grace time over from=%s",
			    sl->addr);
		}
	}
}

static void
keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 15, cnt = 4;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* Under pressure: the oldest unauthenticated slot of the address that
 * holds the most of them, if that is more than ip holds (NULL otherwise).
 * *preauth gets the unauthenticated count. Lock held. */
static struct slot *
pressure_victim(const char *ip, int *preauth)
{
	struct {
		const char	*ip;
		int		 n;
		struct slot	*oldest;
	} a[GW_PRESSURE_ADDRS];
	struct slot *sl;
	int na = 0, i, mine = 0, best = -1;

	*preauth = 0;
	for (sl = gw.slots; sl != NULL; sl = sl->next) {
		if (sl->authed || sl->deadline_ms == INT64_MAX)
			continue;	/* logged in, or already cut */
		(*preauth)++;
		if (strcmp(sl->ip, ip) == 0)
			mine++;
		for (i = 0; i < na && strcmp(a[i].ip, sl->ip) != 0; i++)
			;
		if (i == na) {
			if (na == GW_PRESSURE_ADDRS)
				continue;
			a[na].ip = sl->ip;
			a[na].n = 0;
			a[na].oldest = NULL;
			na++;
		}
		a[i].n++;
		/* The list is newest first: the last seen is the oldest. */
		a[i].oldest = sl;
	}
	for (i = 0; i < na; i++)
		if (best < 0 || a[i].n > a[best].n)
			best = i;
	/* Only for an address holding none: the flooding addresses are
	 * refused rather than churned (each cut would be redialled). */
	if (best < 0 || mine > 0 || a[best].n < 2)
		return NULL;
	return a[best].oldest;
}

/* Admission of a connection from ip: 0 to let it in (cutting another
 * unauthenticated one under pressure), -1 to refuse it. */
static int
admit(const struct slot *nsl)
{
	struct slot *victim;
	int preauth, r = 0;

	pthread_mutex_lock(&gw.lock);
	victim = pressure_victim(nsl->ip, &preauth);
	if (gw.nconn < GW_MAX_CONN && preauth < GW_PREAUTH_PRESSURE)
		goto out;
	if (victim == NULL || gw.nconn >= GW_MAX_CONN + GW_OVERSHOOT) {
		r = -1;
		goto out;
	}
	shutdown(victim->fd, SHUT_RDWR);
	victim->deadline_ms = INT64_MAX;
	log_info("ssh early drop from=%s (for from=%s: %d connections, %d "
	    "unauthenticated)", victim->addr, nsl->addr, gw.nconn, preauth);
out:
	pthread_mutex_unlock(&gw.lock);
	return r;
}

static void
accept_one(void)
{
	struct sockaddr_storage ss;
	socklen_t sl_len = sizeof ss;
	struct slot *sl;
	pthread_attr_t attr;
	pthread_t t;
	long timeout = SSH_GRACE_MS / 1000;
	int fd;

	fd = accept4(gw.lfd, (struct sockaddr *)&ss, &sl_len, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	sl = xcalloc(1, sizeof *sl);
	sl->fd = fd;
	fmt_addr(&ss, sl->addr, sizeof sl->addr, sl->ip, sizeof sl->ip);
	if (ssh_rate_enter(gw.rate, sl->ip, mono_ms()) != 0) {
		log_debug("ssh connection refused from=%s: too many "
		    "unauthenticated connections", sl->addr);
		goto drop;
	}
	if (admit(sl) != 0) {
		/* Debug: a flood would fill the log. */
		log_debug("ssh connection refused from=%s: under pressure",
		    sl->addr);
		ssh_rate_leave(gw.rate, sl->ip);
		goto drop;
	}
	keepalive(fd);
	if ((sl->s = ssh_new()) == NULL) {
		ssh_rate_leave(gw.rate, sl->ip);
		goto drop;
	}
	ssh_options_set(sl->s, SSH_OPTIONS_TIMEOUT, &timeout);
	if (ssh_bind_accept_fd(gw.bind, sl->s, fd) != SSH_OK) {
		log_warn("ssh accept from=%s: %s", sl->addr,
		    ssh_get_error(gw.bind));
		ssh_rate_leave(gw.rate, sl->ip);
		ssh_free(sl->s);
		goto drop;
	}
	sl->deadline_ms = mono_ms() + SSH_GRACE_MS;
	pthread_mutex_lock(&gw.lock);
	sl->next = gw.slots;
	gw.slots = sl;
	gw.nconn++;
	pthread_mutex_unlock(&gw.lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	if (pthread_create(&t, &attr, conn_thread, sl) != 0) {
		log_error("ssh: cannot start a connection thread");
		ssh_rate_leave(gw.rate, sl->ip);
		slot_unlink(sl);
		ssh_free(sl->s);	/* closes fd */
		free(sl);
	}
	pthread_attr_destroy(&attr);
	return;
drop:
	close(fd);
	free(sl);
}

static void *
accept_thread(void *arg)
{
	struct pollfd pfd[2];

	while (!gw.stopping) {
		pfd[0].fd = gw.lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = gw.wake[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR) {
			log_error("ssh poll: %s", strerror(errno));
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		pthread_mutex_lock(&gw.lock);
		watchdog(mono_ms());
		pthread_mutex_unlock(&gw.lock);
		if (gw.stopping)
			break;
		if (pfd[0].revents & POLLIN)
			accept_one();
	}
	return NULL;
}

int
ssh_gw_start(struct app *app, const char *listen_addr,
    const char *hostkey_path)
{
	ssh_key hk = NULL;
	int r, verbosity = SSH_LOG_NOLOG, no = 0;

	if (gw.started)
		return err_set(ERR_CONFLICT, "ssh gateway already started");
	if (ssh_init() != SSH_OK)
		return err_set(ERR_INTERNAL, "libssh init failed");
	if ((r = hostkey_load(hostkey_path, &hk)) != 0)
		return r;
	if ((r = listen_on(listen_addr, &gw.lfd)) != 0) {
		ssh_key_free(hk);
		return r;
	}
	gw.bind = ssh_bind_new();
	ssh_bind_options_set(gw.bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
	    &verbosity);
	ssh_bind_options_set(gw.bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	if (ssh_bind_options_set(gw.bind, SSH_BIND_OPTIONS_IMPORT_KEY, hk) !=
	    SSH_OK) {
		r = err_set(ERR_INTERNAL, "ssh host key rejected: %s",
		    ssh_get_error(gw.bind));
		ssh_key_free(hk);
		goto fail;
	}
	if (pipe2(gw.wake, O_CLOEXEC) != 0) {
		r = err_set(ERR_IO, "pipe: %s", strerror(errno));
		goto fail;
	}
	gw.rate = ssh_rate_new(GW_FAIL_BURST, GW_FAIL_RATE, GW_MAX_PREAUTH);
	gw.env.app = app;
	gw.env.rate = gw.rate;
	gw.env.stopping = &gw.stopping;
	gw.env.authorize = gw_authorize;
	gw.stopping = 0;
	if (pthread_create(&gw.thr, NULL, accept_thread, NULL) != 0) {
		r = err_set(ERR_INTERNAL, "cannot start the ssh accept thread");
		goto fail;
	}
	gw.started = 1;
	log_info("ssh gateway listening on %s", listen_addr);
	return 0;
fail:
	if (gw.bind != NULL)
		ssh_bind_free(gw.bind);
	gw.bind = NULL;
	close(gw.lfd);
	gw.lfd = -1;
	ssh_rate_free(gw.rate);
	gw.rate = NULL;
	return r;
}

void
ssh_gw_stop(void)
{
	struct slot *sl;
	struct timespec ts;
	int64_t end;

	if (!gw.started)
		return;
	gw.stopping = 1;
	if (write(gw.wake[1], "x", 1) < 0)
		log_debug("ssh wake: %s", strerror(errno));
	pthread_join(gw.thr, NULL);
	close(gw.lfd);
	gw.lfd = -1;
	pthread_mutex_lock(&gw.lock);
	for (sl = gw.slots; sl != NULL; sl = sl->next)
		shutdown(sl->fd, SHUT_RDWR);
	end = mono_ms() + GW_STOP_WAIT_MS;
	while (gw.nconn > 0 && mono_ms() < end) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&gw.cond, &gw.lock, &ts);
	}
	if (gw.nconn > 0)
		log_warn("ssh gateway stopped with %d connections still "
		    "closing", gw.nconn);
	pthread_mutex_unlock(&gw.lock);
	/* Threads still closing keep using the bind's keys and the rate
	 * table: leave them be. */
	if (gw.nconn == 0) {
		ssh_bind_free(gw.bind);
		ssh_rate_free(gw.rate);
		gw.bind = NULL;
		gw.rate = NULL;
	}
	close(gw.wake[0]);
	close(gw.wake[1]);
	gw.wake[0] = gw.wake[1] = -1;
	gw.started = 0;
}

int
ssh_gw_connections(void)
{
	int n;

	pthread_mutex_lock(&gw.lock);
	n = gw.nconn;
	pthread_mutex_unlock(&gw.lock);
	return n;
}

int
ssh_gw_channels(void)
{
	return chan_count();
}
