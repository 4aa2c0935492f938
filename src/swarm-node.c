/* swarm-node.c: the Swarm backend's per-node side (swarm-rt.h): which
 * node runs a workspace, and the calls that go to that node's engine
 * through its berth agent: volumes (made on every node, since the engine
 * places a workspace where it likes; pinned there after its first run),
 * the volume chown helper, the workspace network's per-node config,
 * exec targets, logs, stats and files. Any thread. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent-link.h"
#include "buf.h"
#include "docker-client.h"
#include "docker-rt.h"
#include "err.h"
#include "log.h"
#include "rt.h"
#include "swarm-rt.h"
#include "timeutil.h"
#include "xmalloc.h"

int
swarm_call(struct swarm_rt *s, const char *method, const char *path,
    json_t *body, const char *what, json_t **resp)
{
	json_t *j = NULL;
	long st = 0;
	int r;

	if (resp != NULL)
		*resp = NULL;
	if ((r = dc_request(s->dc, method, path, body, 0, &st, &j, NULL)) !=
	    0)
		return r;
	if (st >= 200 && st < 300) {
		if (resp != NULL)
			*resp = j;
		else
			json_decref(j);
		return 0;
	}
	r = dc_error(st, j, what);
	json_decref(j);
	return r;
}

struct swarm_node *
swarm_node_of(struct swarm_rt *s, const char *node_id)
{
	json_t *n = NULL;
	const char *addr;
	char *path;
	size_t i;

	if (node_id == NULL || *node_id == '\0' || strchr(node_id, '/') ||
	    strchr(node_id, '?')) {
		err_set(ERR_CONFLICT, "not placed on a node");
		return NULL;
	}
	path = xasprintf("/nodes/%s", node_id);
	if (swarm_call(s, "GET", path, NULL, "no such node", &n) != 0) {
		free(path);
		return NULL;
	}
	free(path);
	addr = json_string_value(json_object_get(json_object_get(n,
	    "Status"), "Addr"));
	for (i = 0; addr != NULL && i < s->nnodes; i++)
		if (strcmp(s->nodes[i].host, addr) == 0)
			break;
	if (addr == NULL || i == s->nnodes) {
		err_set(ERR_BACKEND, "no berth agent configured for node %s "
		    "(address %s)", node_id, addr != NULL ? addr : "?");
		json_decref(n);
		return NULL;
	}
	json_decref(n);
	return &s->nodes[i];
}

int
swarm_task_node(struct swarm_rt *s, const char *id, struct swarm_node **np,
    char *cid, size_t cidsize)
{
	json_t *svc = NULL, *tasks = NULL, *t, *best = NULL;
	struct buf *b = NULL;
	char *path, *f;
	size_t i;
	int r, best_run = 0;

	*np = NULL;
	if (id == NULL || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
	    "NOPQRSTUVWXYZ0123456789_.-") != strlen(id) || *id == '\0')
		return err_set(ERR_NOTFOUND, "no such container '%s'", id);
	path = xasprintf("/services/%s", id);
	r = swarm_call(s, "GET", path, NULL, "no such container", &svc);
	free(path);
	if (r != 0)
		return r;
	b = buf_new(0);
	f = xasprintf("{\"service\":[\"%s\"]}", json_string_value(
	    json_object_get(svc, "ID")));
	buf_appendf(b, "/tasks?filters=");
	dc_escape(b, f);
	free(f);
	r = swarm_call(s, "GET", buf_data(b), NULL, "cannot list tasks",
	    &tasks);
	buf_free(b);
	if (r != 0)
		goto out;
	/* The task with a container: running first, then the newest. */
	json_array_foreach(tasks, i, t) {
		json_t *st = json_object_get(t, "Status");
		const char *c = json_string_value(json_object_get(
		    json_object_get(st, "ContainerStatus"), "ContainerID"));
		int run = json_equal(json_object_get(st, "State"),
		    json_string("running"));

		if (c == NULL || *c == '\0')
			continue;
		if (best == NULL || run > best_run || (run == best_run &&
		    json_integer_value(json_object_get(json_object_get(t,
		    "Version"), "Index")) > json_integer_value(
		    json_object_get(json_object_get(best, "Version"),
		    "Index")))) {
			best = t;
			best_run = run;
		}
	}
	if (best == NULL) {
		r = err_set(ERR_CONFLICT, "container '%s' has not run on any "
		    "node yet", id);
		goto out;
	}
	strlcpy_b(cid, json_string_value(json_object_get(json_object_get(
	    json_object_get(best, "Status"), "ContainerStatus"),
	    "ContainerID")), cidsize);
	if ((*np = swarm_node_of(s, json_string_value(json_object_get(best,
	    "NodeID")))) == NULL)
		r = ERR_BACKEND;
 out:
	json_decref(svc);
	json_decref(tasks);
	return r;
}

int
swarm_locate(struct rt *rt, const char *id, struct rt_where *w)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	struct swarm_loc *c;
	struct swarm_node *n = NULL;
	unsigned h = 5381;
	int r;

	memset(w, 0, sizeof *w);
	for (const char *p = id; p != NULL && *p != '\0'; p++)
		h = h * 33 + (unsigned char)*p;
	c = &s->loc[h % SWARM_LOC_N];
	pthread_mutex_lock(&s->loc_lock);
	if (id != NULL && strcmp(c->id, id) == 0 &&
	    mono_ms() - c->at < SWARM_LOC_MS) {
		n = c->node;
		strlcpy_b(w->id, c->cid, sizeof w->id);
	}
	pthread_mutex_unlock(&s->loc_lock);
	if (n == NULL) {
		if ((r = swarm_task_node(s, id, &n, w->id, sizeof w->id)) != 0)
			return r;
		pthread_mutex_lock(&s->loc_lock);
		if (strlcpy_b(c->id, id, sizeof c->id) < sizeof c->id) {
			strlcpy_b(c->cid, w->id, sizeof c->cid);
			c->node = n;
			c->at = mono_ms();
		} else
			c->id[0] = '\0';
		pthread_mutex_unlock(&s->loc_lock);
	}
	w->rt = n->rt;
	strlcpy_b(w->via, n->agent, sizeof w->via);
	return 0;
}

void
swarm_locate_forget(struct swarm_rt *s)
{
	pthread_mutex_lock(&s->loc_lock);
	memset(s->loc, 0, sizeof s->loc);
	pthread_mutex_unlock(&s->loc_lock);
}

/* ---- run directories and volumes: on every node ---- */

void
swarm_run_dir(struct swarm_rt *s, const char *dir, const char *user,
    int make)
{
	char *target;
	int fd;

	if (dir == NULL || *dir == '\0')
		return;
	target = !make ? xasprintf("rmdir %s", dir) : user != NULL &&
	    *user != '\0' ? xasprintf("mkdir %s %s", dir, user) :
	    xasprintf("mkdir %s", dir);
	for (size_t i = 0; i < s->nnodes; i++) {
		if (agent_dial(s->nodes[i].agent, target, 1500, &fd) != 0) {
			log_warn("%s on %s: %s", target, s->nodes[i].agent,
			    err_msg());
			if (!make)	/* swept when the node is back */
				atomic_store(&s->nodes[i].sweep_now, 1);
			continue;
		}
		close(fd);	/* done once the agent said OK */
	}
	free(target);
}

#define SWARM_SWEEP_MS		60000	/* each node's run directories */
#define SWARM_SWEEP_RETRY_MS	5000	/* a node that did not answer */
#define SWARM_SWEEP_AGE_S	10	/* the agent's AGENT_SWEEP_S */
#define SWARM_RUNS_MAX		(256 * 1024)

/* The agent's "runs" answer of node n ("<id> <age>" lines), or NULL. */
static char *
node_runs(struct swarm_node *n)
{
	int64_t deadline = mono_ms() + 3000, left;
	struct buf *b = buf_new(SWARM_RUNS_MAX);
	struct pollfd p;
	char chunk[4096], *out = NULL;
	ssize_t k;
	int fd;

	if (agent_dial(n->agent, "runs", 1500, &fd) != 0) {
		log_debug("runs on %s: %s", n->agent, err_msg());
		buf_free(b);
		return NULL;
	}
	while ((left = deadline - mono_ms()) > 0) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			break;
		k = recv(fd, chunk, sizeof chunk, 0);
		if (k == 0) {
			out = xstrdup(buf_len(b) > 0 ? buf_data(b) : "");
			break;
		}
		if ((k < 0 && errno != EAGAIN && errno != EINTR) ||
		    (k > 0 && buf_append(b, chunk, (size_t)k) != 0))
			break;
	}
	close(fd);
	buf_free(b);
	return out;
}

/* 1 when a service in svcs names run directory id. */
static int
named(json_t *svcs, const char *id)
{
	json_t *svc;
	const char *d, *base;
	size_t i;

	json_array_foreach(svcs, i, svc) {
		d = json_string_value(json_object_get(json_object_get(
		    json_object_get(svc, "Spec"), "Labels"),
		    SWARM_LABEL_RUNDIR));
		if (d == NULL)
			continue;
		base = strrchr(d, '/') != NULL ? strrchr(d, '/') + 1 : d;
		if (strcmp(base, id) == 0)
			return 1;
	}
	return 0;
}

/* Sweeps what node n holds (runs) and svcs does not name: 0 when every
 * such directory went. */
static int
sweep_node(struct swarm_node *n, char *runs, json_t *svcs)
{
	char *save = NULL, *line, *sp, *target;
	int left = 0, fd;

	for (line = strtok_r(runs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		if (named(svcs, line))
			continue;
		if (strtol(sp + 1, NULL, 10) < SWARM_SWEEP_AGE_S) {
			left = 1;	/* again once it has aged */
			continue;
		}
		target = xasprintf("sweep %s", line);
		if (agent_dial(n->agent, target, 1500, &fd) == 0) {
			log_info("removed run directory %s on %s: no "
			    "workspace of it", line, n->agent);
			close(fd);
		} else {
			log_debug("%s on %s: %s", target, n->agent, err_msg());
			left = 1;
		}
		free(target);
	}
	return left;
}

void
swarm_sweep(struct swarm_rt *s)
{
	char *runs[SWARM_NODES_MAX] = { NULL };
	struct buf *b;
	json_t *svcs = NULL;
	int64_t now = mono_ms();
	int any = 0, r;
	size_t i;

	if (pthread_mutex_trylock(&s->sweep_lock) != 0)
		return;		/* another thread sweeps */
	/* First what the nodes hold, then the services: a directory made
	 * for a service before the list is named in it. */
	for (i = 0; i < s->nnodes; i++) {
		struct swarm_node *n = &s->nodes[i];

		if (now < n->sweep_at && !atomic_exchange(&n->sweep_now, 0))
			continue;
		if ((runs[i] = node_runs(n)) == NULL)
			n->sweep_at = now + SWARM_SWEEP_RETRY_MS;
		else
			any = 1;
	}
	if (!any)
		goto out;
	b = buf_new(0);
	buf_appendf(b, "/services?filters=");
	dc_escape(b, "{\"label\":[\"" SWARM_LABEL_RUNDIR "\"]}");
	r = swarm_call(s, "GET", buf_data(b), NULL, "cannot list", &svcs);
	buf_free(b);
	for (i = 0; i < s->nnodes; i++) {
		if (runs[i] == NULL)
			continue;
		if (r != 0 || !json_is_array(svcs))
			s->nodes[i].sweep_at = now + SWARM_SWEEP_RETRY_MS;
		else
			s->nodes[i].sweep_at = now + (sweep_node(&s->nodes[i],
			    runs[i], svcs) ? SWARM_SWEEP_RETRY_MS :
			    SWARM_SWEEP_MS);
	}
 out:
	for (i = 0; i < s->nnodes; i++)
		free(runs[i]);
	json_decref(svcs);
	pthread_mutex_unlock(&s->sweep_lock);
}

int
swarm_volume_create(struct rt *rt, const char *name, const char *const *l)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	int r;

	for (size_t i = 0; i < s->nnodes; i++)
		if ((r = docker_volume_create(s->nodes[i].rt, name, l)) != 0)
			return r;
	return 0;
}

int
swarm_volume_create_bind(struct rt *rt, const char *name,
    const char *const *l, const char *dir)
{
	(void)rt;
	(void)name;
	(void)l;
	(void)dir;
	return err_set(ERR_UNSAT, "volumes on loop-mounted images are not "
	    "supported by the swarm backend");
}

int
swarm_volume_remove(struct rt *rt, const char *name)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	int r, first = 0;

	/* In use on any node: nothing is removed anywhere. */
	for (size_t i = 0; i < s->nnodes; i++) {
		json_t *j = NULL;
		struct buf *b = buf_new(0);
		char *f = xasprintf("{\"volume\":[\"%s\"]}", name);
		long st = 0;

		buf_appendf(b, "/containers/json?all=1&filters=");
		dc_escape(b, f);
		free(f);
		r = dc_request(docker_rt_client(s->nodes[i].rt), "GET",
		    buf_data(b), NULL, 0, &st, &j, NULL);
		buf_free(b);
		if (r == 0 && st == 200 && json_array_size(j) > 0) {
			json_decref(j);
			return err_set(ERR_CONFLICT, "volume '%s' is in use "
			    "on node %s", name, s->nodes[i].agent);
		}
		json_decref(j);
		if (r != 0)
			return r;
	}
	for (size_t i = 0; i < s->nnodes; i++)
		if ((r = docker_volume_remove(s->nodes[i].rt, name)) != 0 &&
		    first == 0)
			first = r;
	return first;
}

int
swarm_volume_exists(struct rt *rt, const char *name)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	int r = ERR_NOTFOUND;

	for (size_t i = 0; i < s->nnodes; i++)
		if ((r = docker_volume_exists(s->nodes[i].rt, name)) !=
		    ERR_NOTFOUND)
			return r;
	return r;
}

int
swarm_volume_chown(struct rt *rt, const char *name, const char *user,
    const char *image, const char *inst, const char *wsid)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	int r;

	for (size_t i = 0; i < s->nnodes; i++)
		if ((r = docker_volume_chown(s->nodes[i].rt, name, user, image,
		    inst, wsid)) != 0)
			return r;
	return 0;
}

/* ---- the workspace network: each node's default bridge, which the
 * admin sets to keep containers apart ("icc": false in daemon.json). A
 * swarm-scoped bridge would do it per network, but one whose node's
 * engine restarted fails every task there ("network … exists"), so a
 * workspace could not come back with its node. ---- */

int
swarm_network_ensure(struct rt *rt, const char *name)
{
	struct swarm_rt *s = (struct swarm_rt *)rt;
	json_t *j = NULL;
	const char *icc;
	long st = 0;
	int r = 0;

	(void)name;
	for (size_t i = 0; r == 0 && i < s->nnodes; i++) {
		if (dc_request(docker_rt_client(s->nodes[i].rt), "GET",
		    "/networks/bridge", NULL, 0, &st, &j, NULL) != 0 ||
		    st != 200) {
			json_decref(j);
			j = NULL;
			continue;	/* a node down: checked when back */
		}
		icc = json_string_value(json_object_get(json_object_get(j,
		    "Options"), "com.docker.network.bridge.enable_icc"));
		if (icc == NULL || strcmp(icc, "false") != 0)
			r = err_set(ERR_UNSAT, "node %s lets containers on its "
			    "default bridge reach each other: set \"icc\": "
			    "false in its /etc/docker/daemon.json "
			    "(docs/cluster.md)", s->nodes[i].agent);
		json_decref(j);
		j = NULL;
	}
	return r;
}

/* ---- streams: on the node that runs it ---- */

int
swarm_logs(struct rt *rt, const char *id, const struct rt_logs_opts *o,
    struct rt_stream **sp)
{
	struct rt_where w;
	int r;

	*sp = NULL;
	if ((r = swarm_locate(rt, id, &w)) != 0)
		return r;
	return docker_logs(w.rt, w.id, o, sp);
}

int
swarm_stats(struct rt *rt, const char *id, struct rt_stats *st)
{
	struct rt_where w;
	int r;

	memset(st, 0, sizeof *st);
	if ((r = swarm_locate(rt, id, &w)) != 0)
		return r;
	return docker_stats(w.rt, w.id, st);
}

int
swarm_file_stat(struct rt *rt, const char *id, const char *path,
    struct rt_file *f)
{
	struct rt_where w;
	int r;

	if ((r = swarm_locate(rt, id, &w)) != 0)
		return r;
	return docker_file_stat(w.rt, w.id, path, f);
}

int
swarm_file_get(struct rt *rt, const char *id, const char *path,
    struct rt_file *info, struct rt_stream **sp)
{
	struct rt_where w;
	int r;

	*sp = NULL;
	if ((r = swarm_locate(rt, id, &w)) != 0)
		return r;
	return docker_file_get(w.rt, w.id, path, info, sp);
}

int
swarm_file_put(struct rt *rt, const char *id, const char *path,
    const struct rt_put *p, struct rt_stream **sp)
{
	struct rt_where w;
	int r;

	*sp = NULL;
	if ((r = swarm_locate(rt, id, &w)) != 0)
		return r;
	return docker_file_put(w.rt, w.id, path, p, sp);
}

/* ---- helper containers (the volume chown) on the nodes ---- */

int
swarm_helper_remove(struct swarm_rt *s, const char *id, int force)
{
	char *end;
	unsigned long i;

	i = strtoul(id + 1, &end, 10);
	if (*end != '/' || i >= s->nnodes)
		return 0;
	return docker_remove(s->nodes[i].rt, end + 1, force);
}

int
swarm_helpers_list(struct swarm_rt *s, struct rt_container **v, size_t *n,
    size_t *cap)
{
	struct rt_container *l;
	size_t m;
	int r;

	for (size_t i = 0; i < s->nnodes; i++) {
		if ((r = docker_list(s->nodes[i].rt, &l, &m)) != 0) {
			/* A node down hides its helpers only. */
			log_debug("node %s: %s", s->nodes[i].agent, err_msg());
			continue;
		}
		for (size_t k = 0; k < m; k++) {
			struct rt_container *e;

			if (!l[k].helper)
				continue;
			if (*n == *cap) {
				*cap = *cap * 2 + 16;
				*v = xreallocarray(*v, *cap, sizeof **v);
			}
			e = &(*v)[(*n)++];
			*e = l[k];
			snprintf(e->id, sizeof e->id, "@%zu/%.64s", i,
			    l[k].id);
		}
		free(l);
	}
	return 0;
}
