/* agent.c: `berthd agent` (agent.h). The main thread accepts; each link
 * is one detached thread that runs the handshake (agent-link.c) under a
 * deadline, opens the target (the engine's unix socket, or the
 * supervisor socket <state>/sup/<id>/sup.sock) and carries its bytes
 * in sealed records (agent-seal.c) until both ends are done; a record
 * that fails its check drops the link. Nothing is served before the manager
 * proved the join token; the number of links is capped. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent-link.h"
#include "agent.h"
#include "buf.h"
#include "err.h"
#include "gpu-inventory.h"
#include "gpu-nvml.h"
#include "log.h"
#include "rt.h"
#include "sup-host.h"
#include "xmalloc.h"

#define AGENT_AUTH_MS	5000
#define AGENT_LINKS_MAX	512
#define AGENT_RUNS_MAX	1024	/* run directories named per "runs" */
#define AGENT_SWEEP_S	10	/* unchanged that long: "sweep" may go */

static char		 token[256];
static char		*engine_sock;	/* path of the engine's socket */
static char		*state_dir;
static struct rt	*engine_rt;	/* the node's engine, for "port" */
static atomic_int	 nlinks;

static int
unix_connect(const char *path, int *fdp)
{
	struct sockaddr_un sa;
	int fd, fl;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlcpy_b(sa.sun_path, path, sizeof sa.sun_path) >=
	    sizeof sa.sun_path)
		return err_set(ERR_INVAL, "socket path too long");
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;

		close(fd);
		return err_set(ERR_NOTFOUND, "nothing answers at %s on this "
		    "node: %s", path, strerror(e));
	}
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return err_set(ERR_IO, "fcntl: %s", strerror(errno));
	}
	*fdp = fd;
	return 0;
}

/* "port <container id> <port>": a TCP connection to that port of the
 * container on this node, at its address on the node's network (the
 * port proxy's way to a workspace here). */
static int
port_connect(const char *arg, int *fdp)
{
	struct sockaddr_in sa;
	struct rt_state st;
	struct pollfd p;
	char cid[72];
	const char *sp;
	socklen_t sl = sizeof(int);
	long port;
	char *end;
	int fd, e = 0, one = 1;

	if ((sp = strchr(arg, ' ')) == NULL || (size_t)(sp - arg) >=
	    sizeof cid || sp == arg || strspn(arg, "0123456789abcdef") !=
	    (size_t)(sp - arg))
		return err_set(ERR_NOTFOUND, "no such container");
	memcpy(cid, arg, (size_t)(sp - arg));
	cid[sp - arg] = '\0';
	port = strtol(sp + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		return err_set(ERR_INVAL, "bad port");
	if (rt_inspect(engine_rt, cid, &st) != 0 || !st.running ||
	    st.ip[0] == '\0')
		return err_set(ERR_NOTFOUND, "container %s has no address on "
		    "this node", cid);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, st.ip, &sa.sin_addr) != 1)
		return err_set(ERR_NOTFOUND, "container %s has no IPv4 "
		    "address", cid);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return err_set(ERR_IO, "socket: %s", strerror(errno));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		p.fd = fd;
		p.events = POLLOUT;
		if (errno != EINPROGRESS)
			e = errno;
		else if (poll(&p, 1, 3000) != 1)
			e = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
			e = errno;
	}
	if (e != 0) {
		close(fd);
		return err_set(e == ECONNREFUSED ? ERR_NOTFOUND : ERR_TIMEOUT,
		    "port %ld: %s", port, e == ECONNREFUSED ? "connection "
		    "refused" : e == ETIMEDOUT ? "no answer in 3 s" :
		    strerror(e));
	}
	*fdp = fd;
	return 0;
}

/* The workspace id of path when it is this node's run directory of one
 * (<state>/sup/<id>), else NULL. */
static const char *
run_dir_id(const char *path)
{
	size_t n = strlen(state_dir);
	const char *id = path + n + 5;

	if (strncmp(path, state_dir, n) != 0 || strncmp(path + n, "/sup/",
	    5) != 0 || *id == '\0' || strlen(id) > 64 || strspn(id,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	    "-_") != strlen(id))
		return NULL;
	return id;
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)f;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) != 0 &&
	    errno != ENOENT ? -1 : 0;
}

/* "mkdir <path> [uid:gid]", "rmdir <path>": a workspace's run directory
 * on this node, made as berthd makes it on its own host (sup-host.c:
 * the user's, 0700; sticky and open to all for a user it cannot name)
 * or removed. Answered with a link that ends at once. */
static int
run_dir(const char *arg, int make, int *fdp)
{
	char path[512], *sp, *end;
	long uid = -1, gid = -1;
	int r = 0;

	if (strlcpy_b(path, arg, sizeof path) >= sizeof path)
		return err_set(ERR_INVAL, "path too long");
	if ((sp = strchr(path, ' ')) != NULL) {
		*sp++ = '\0';
		uid = strtol(sp, &end, 10);
		gid = *end == ':' ? strtol(end + 1, &end, 10) : uid;
		if (*end != '\0' || end == sp || uid < 0 || gid < 0)
			uid = gid = -1;
	}
	if (run_dir_id(path) == NULL)
		return err_set(ERR_NOTFOUND, "not a run directory of this "
		    "node: %s", path);
	if (!make) {
		/* All of it: the supervisor's socket, tasks' output. */
		if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS |
		    FTW_MOUNT) != 0 && errno != ENOENT)
			r = err_set(ERR_IO, "cannot remove %s: %s", path,
			    strerror(errno));
	} else if (mkdir(path, 0700) != 0 && errno != EEXIST)
		r = err_set(ERR_IO, "cannot create %s: %s", path,
		    strerror(errno));
	else if (uid >= 0 && getuid() == 0 ? chown(path, (uid_t)uid,
	    (gid_t)gid) != 0 || chmod(path, 0700) != 0 :
	    chmod(path, 01777) != 0)
		r = err_set(ERR_IO, "cannot set up %s: %s", path,
		    strerror(errno));
	if (r == 0 && (*fdp = open("/dev/null", O_RDWR | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		r = err_set(ERR_IO, "/dev/null: %s", strerror(errno));
	return r;
}

/* A link that answers text and ends (text is copied). */
static int
answer(const char *text, int *fdp)
{
	size_t n = strlen(text);
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return err_set(ERR_IO, "socketpair: %s", strerror(errno));
	/* Fits the socket's buffer: at most AGENT_RUNS_MAX short lines. */
	if ((n > 0 && send(sv[1], text, n, MSG_NOSIGNAL) != (ssize_t)n) ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
		close(sv[0]);
		close(sv[1]);
		return err_set(ERR_IO, "cannot answer: %s", strerror(errno));
	}
	close(sv[1]);
	*fdp = sv[0];
	return 0;
}

/* "runs": the run directories this node holds, "<id> <seconds since it
 * last changed>" a line, so that the manager can sweep those of
 * workspaces it no longer has (a delete while this node was down). */
static int
run_list(int *fdp)
{
	char *root = xasprintf("%s/sup", state_dir), *p;
	struct buf *b = buf_new(0);
	struct dirent *e;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int r, k = 0;

	if ((d = opendir(root)) != NULL) {
		while ((e = readdir(d)) != NULL && k < AGENT_RUNS_MAX) {
			p = xasprintf("%s/%s", root, e->d_name);
			if (e->d_name[0] != '.' && run_dir_id(p) != NULL &&
			    lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
				buf_appendf(b, "%s %lld\n", e->d_name,
				    (long long)(now - st.st_ctime));
				k++;
			}
			free(p);
		}
		closedir(d);
	}
	free(root);
	r = answer(buf_data(b) != NULL ? buf_data(b) : "", fdp);
	buf_free(b);
	return r;
}

/* "sweep <id>": removes that run directory when it has not changed for
 * AGENT_SWEEP_S (a create or start that makes it again meanwhile wins;
 * the manager asks only for those no workspace of its names). */
static int
run_sweep(const char *id, int *fdp)
{
	char *p = xasprintf("%s/sup/%s", state_dir, id);
	struct stat st;
	int r = 0;

	if (run_dir_id(p) == NULL || lstat(p, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		r = err_set(ERR_NOTFOUND, "no such run directory");
	else if (time(NULL) - st.st_ctime < AGENT_SWEEP_S)
		r = err_set(ERR_CONFLICT, "run directory %s changed in the "
		    "last %d s", id, AGENT_SWEEP_S);
	else {
		log_info("sweeping run directory %s (no workspace of the "
		    "manager's)", p);
		if (nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) !=
		    0 && errno != ENOENT)
			r = err_set(ERR_IO, "cannot remove %s: %s", p,
			    strerror(errno));
	}
	free(p);
	return r != 0 ? r : answer("", fdp);
}

/* The targets: "engine", "sup <id>" (id: letters, digits, '-', '_'),
 * "port <container id> <port>", "mkdir|rmdir <run directory> …",
 * "runs", "sweep <id>". */
static int
open_target(const char *target, void *arg, int *fdp)
{
	char *p;
	const char *id;
	int r;

	(void)arg;
	log_debug("link: %s", target);
	if (strcmp(target, "engine") == 0)
		return unix_connect(engine_sock, fdp);
	if (strncmp(target, "port ", 5) == 0)
		return port_connect(target + 5, fdp);
	if (strncmp(target, "mkdir ", 6) == 0)
		return run_dir(target + 6, 1, fdp);
	if (strncmp(target, "rmdir ", 6) == 0)
		return run_dir(target + 6, 0, fdp);
	if (strcmp(target, "runs") == 0)
		return run_list(fdp);
	if (strncmp(target, "sweep ", 6) == 0)
		return run_sweep(target + 6, fdp);
	if (strncmp(target, "sup ", 4) != 0)
		return err_set(ERR_NOTFOUND, "no such target");
	id = target + 4;
	if (*id == '\0' || strlen(id) > 64 || strspn(id, "abcdefghijklmnop"
	    "qrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
	    strlen(id))
		return err_set(ERR_NOTFOUND, "no such workspace");
	p = xasprintf("%s/sup/%s/sup.sock", state_dir, id);
	r = unix_connect(p, fdp);
	free(p);
	return r;
}

static void *
link_main(void *arg)
{
	struct agent_keys k;
	int fd = (int)(intptr_t)arg, tfd = -1, one = 1, r;

	/* Supervisor frames are small: no Nagle wait on them. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (agent_link_accept(fd, token, AGENT_AUTH_MS, open_target, NULL,
	    &tfd, &k) != 0)
		log_info("link refused: %s", err_msg());
	else if ((r = agent_seal_relay(tfd, fd, &k)) == ERR_UNAUTH ||
	    r == ERR_TOOBIG)
		log_warn("link dropped: %s", err_msg());
	explicit_bzero(&k, sizeof k);
	if (tfd >= 0)
		close(tfd);
	close(fd);
	atomic_fetch_sub(&nlinks, 1);
	return NULL;
}

static int
listen_on(const char *hostport)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], *colon;
	int fd, one = 1;

	if (strlcpy_b(host, hostport, sizeof host) >= sizeof host ||
	    (colon = strrchr(host, ':')) == NULL)
		return err_set(ERR_INVAL, "bad --listen '%s' (want "
		    "host:port)", hostport);
	*colon = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(*host != '\0' ? host : NULL, colon + 1, &hints,
	    &ai) != 0 || ai == NULL)
		return err_set(ERR_INVAL, "cannot resolve '%s'", hostport);
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		int e = errno;

		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return err_set(ERR_IO, "cannot listen on %s: %s", hostport,
		    strerror(e));
	}
	freeaddrinfo(ai);
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: berthd agent --listen HOST:PORT --token-file "
	    "FILE [--engine unix:///var/run/docker.sock] [--state DIR] [-v]\n"
	    "       berthd agent --resources [--nvml-lib LIB]\n");
}

/* Prints this node's GPUs and MIG slices, as NVML sees them, as the
 * "node-generic-resources" of the engine's daemon.json: whole GPUs
 * (MIG off) as NVIDIA_GPU, MIG slices as MIG_<profile> ('.' as '_'). */
static int
print_resources(const char *lib)
{
	struct gpu_inventory *inv = NULL;
	struct gpu_nvml *nv;
	json_t *a = json_array(), *o;
	char kind[64], *s;

	if ((nv = gpu_nvml_open(lib)) == NULL ||
	    !gpu_nvml_loaded(nv) || gpu_nvml_scan(nv, &inv) != 0) {
		fprintf(stderr, "berthd agent: no GPUs from NVML (%s): %s\n",
		    lib, nv != NULL ? gpu_nvml_note(nv) : err_msg());
		gpu_nvml_close(nv);
		json_decref(a);
		return 1;
	}
	for (size_t i = 0; i < inv->n; i++) {
		const struct gpu_dev *d = &inv->devs[i];

		if (strcmp(d->kind, "mig") == 0) {
			snprintf(kind, sizeof kind, "MIG_%s", d->profile);
			for (char *p = kind; *p; p++)
				if (*p == '.' || *p == '+' || *p == '-')
					*p = '_';
		} else if (!d->mig_enabled)
			snprintf(kind, sizeof kind, "%s", "NVIDIA_GPU");
		else
			continue;	/* its slices are the resources */
		s = xasprintf("%s=%s", kind, d->uuid);
		json_array_append_new(a, json_string(s));
		free(s);
	}
	o = json_pack("{s:o}", "node-generic-resources", a);
	s = json_dumps(o, JSON_COMPACT);
	printf("%s\n", s);
	free(s);
	json_decref(o);
	gpu_inventory_free(inv);
	gpu_nvml_close(nv);
	return 0;
}

int
agent_main(int argc, char **argv)
{
	const char *listen_addr = NULL, *tokfile = NULL;
	const char *engine = "unix:///var/run/docker.sock";
	const char *state = "/var/lib/berth";
	const char *nvml = "libnvidia-ml.so.1";
	int resources = 0, verbose = 0;
	pthread_attr_t at;
	pthread_t t;
	int lfd, fd;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--help") == 0) {
			usage();
			return 0;
		}
		if (strcmp(argv[i], "--resources") == 0) {
			resources = 1;
			continue;
		}
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;	/* each link's target in the log */
			continue;
		}
		if (v == NULL) {
			usage();
			return 2;
		}
		if (strcmp(argv[i], "--listen") == 0)
			listen_addr = v;
		else if (strcmp(argv[i], "--token-file") == 0)
			tokfile = v;
		else if (strcmp(argv[i], "--engine") == 0)
			engine = v;
		else if (strcmp(argv[i], "--state") == 0)
			state = v;
		else if (strcmp(argv[i], "--nvml-lib") == 0)
			nvml = v;
		else {
			usage();
			return 2;
		}
		i++;
	}
	if (resources)
		return print_resources(nvml);
	if (listen_addr == NULL || tokfile == NULL) {
		usage();
		return 2;
	}
	log_init(verbose ? LOG_DEBUG : LOG_INFO, 0);
	signal(SIGPIPE, SIG_IGN);
	if (agent_token_read(tokfile, token, sizeof token) != 0) {
		fprintf(stderr, "berthd agent: %s\n", err_msg());
		return 2;
	}
	engine_sock = xstrdup(strncmp(engine, "unix://", 7) == 0 ?
	    engine + 7 : engine);
	state_dir = xstrdup(state);
	/* Compared with the run directories berthd names: no trailing '/'. */
	for (size_t n = strlen(state_dir); n > 1 && state_dir[n - 1] == '/';
	    n--)
		state_dir[n - 1] = '\0';
	/* <state>/sup with berth-sup (from next to this binary) in it, as
	 * berthd installs it on its own host: workspaces here bind it. */
	if (sup_host_init(state, "auto") != 0)
		log_warn("%s", err_msg());
	if ((engine_rt = rt_new("docker", engine)) == NULL) {
		fprintf(stderr, "berthd agent: bad --engine '%s'\n", engine);
		return 2;
	}
	if ((lfd = listen_on(listen_addr)) < 0) {
		fprintf(stderr, "berthd agent: %s\n", err_msg());
		return 1;
	}
	log_info("agent on %s for the engine at %s", listen_addr,
	    engine_sock);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (;;) {
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				usleep(100000);
				continue;
			}
			log_error("accept: %s", strerror(errno));
			return 1;
		}
		if (atomic_fetch_add(&nlinks, 1) >= AGENT_LINKS_MAX ||
		    pthread_create(&t, &at, link_main,
		    (void *)(intptr_t)fd) != 0) {
			atomic_fetch_sub(&nlinks, 1);
			close(fd);
		}
	}
}
